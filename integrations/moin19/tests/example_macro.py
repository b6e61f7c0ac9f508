# The example macro of HelpOnSessions (seed/HelpOnSessions.txt), copied unchanged below.
# -*- coding: iso-8859-1 -*-

"""
    Tests session state.
"""

Dependencies = ['time']

def execute(macro, args):
    if macro.request.session.is_new:
        return macro.formatter.text('Not storing any state until you send a cookie.')
    if 'test' in macro.request.session:
        return macro.formatter.text("Loaded value %d" % macro.request.session['test'])
    import random
    value = random.randint(1, 100000)
    macro.request.session['test'] = value
    return macro.formatter.text("Set to value %d" % value)
