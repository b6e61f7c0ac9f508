# -*- coding: utf-8 -*-
"""
    The kit against a real moin-session server (started by test/integrations/moin19.test.ts):
    MOIN_SESSION_URL and MOIN_SESSION_TOKEN_FILE name it. The server has the users Admin, Root
    (superusers), Alice, Bob and Carol (disabled), and cookie_lifetime [1, 12].

    The request stand-in is the smallest part of 1.9.11's AllContext (MoinMoin/web/contexts.py)
    the kit and the 1.9 code paths below touch: environ (HTTP_COOKIE), headers.add (the response
    headers, werkzeug Headers), cfg, user, session, _setuid_real_user, action, script_root.
"""
import json
import os
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, 'stand_in'))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, HERE)

from MoinMoin.auth import BaseAuth, ContinueLogin  # noqa: E402  (the stand-in)
from MoinMoin import user as moin_user  # noqa: E402
from moin_session import (BackendClient, BackendError, MoinSessionAuth,  # noqa: E402
                          MoinSessionService, render_trail_fallback)
import example_macro  # noqa: E402

URL = os.environ.get('MOIN_SESSION_URL')
TOKEN_FILE = os.environ.get('MOIN_SESSION_TOKEN_FILE')


class Headers(object):
    """ werkzeug's response Headers, as far as finalize uses them (add). """

    def __init__(self):
        self.items = []

    def add(self, name, value):
        self.items.append((name, value))


class Config(object):
    superuser = ['Admin', 'Root']
    user_names = ('Admin', 'Root', 'Alice', 'Bob')
    trail_size = 5


class Request(object):
    def __init__(self, cfg, cookie):
        self.cfg = cfg
        self.environ = {'HTTP_COOKIE': cookie} if cookie else {}
        self.headers = Headers()
        self.user = None
        self.session = None
        self._setuid_real_user = None
        self.action = 'show'
        self.script_root = ''


class Browser(object):
    """ Keeps the cookies the wiki's responses set, as a browser does. """

    def __init__(self):
        self.cookies = {}

    def header(self):
        return '; '.join('%s=%s' % kv for kv in self.cookies.items())

    def take(self, headers):
        for name, value in headers.items:
            if name != 'Set-Cookie':
                continue
            k, _, rest = value.partition('=')
            if 'max-age=0' in value.lower():
                self.cookies.pop(k, None)
            else:
                self.cookies[k] = rest.split(';', 1)[0]


class PasswordAuth(BaseAuth):
    """ 1.9's MoinAuth (auth/__init__.py line 231), with the stand-in user directory. """
    name = 'moin'
    logout_possible = True

    def login(self, request, user_obj, **kw):
        u = moin_user.User(request, name=kw.get('username'), auth_method=self.name)
        return ContinueLogin(u if u.valid else user_obj)


class Macro(object):
    class formatter(object):
        @staticmethod
        def text(s):
            return s

    def __init__(self, request):
        self.request = request


def add_trail(request, pagename):
    """ 1.9.11 User.addTrail (MoinMoin/user.py line 1162) on request.session['trail']. """
    trail = request.session.get('trail', [])
    if trail and trail[-1] == pagename:
        return
    trail = [p for p in trail if p != pagename] + [pagename]
    request.session['trail'] = trail[-request.cfg.trail_size:]


class KitTest(unittest.TestCase):
    def setUp(self):
        if not URL or not TOKEN_FILE:
            self.fail('run through test/integrations/moin19.test.ts (MOIN_SESSION_URL unset)')
        self.client = BackendClient(URL, secret_file=TOKEN_FILE)
        self.service = MoinSessionService(self.client)
        self.cfg = Config()
        self.cfg.session_service = self.service
        self.cfg.auth = [PasswordAuth(), MoinSessionAuth()]

    def serve(self, browser, page=None, login=None, logout=False, macro=False, su=None):
        """ One wiki request through 1.9.11's pipeline (wsgiapp.py init/setup_user/run). """
        request = Request(self.cfg, browser.header())
        request.session = self.service.get_session(request)  # wsgiapp.py line 54
        user_obj = None
        for auth in self.cfg.auth:  # handle_request
            user_obj, cont = auth.request(request, user_obj)
            if not cont:
                break
        if login:  # handle_login: every method's login() in order
            for auth in self.cfg.auth:
                user_obj = auth.login(request, user_obj, username=login).user_obj
        if logout:  # handle_logout (auth/__init__.py 439-455)
            if user_obj is not None and user_obj.auth_method == 'setuid':
                user_obj = request._setuid_real_user
            else:
                for auth in self.cfg.auth:
                    user_obj, cont = auth.logout(request, user_obj)
        if user_obj is None:
            user_obj = moin_user.User(request, auth_method='invalid')
        request.user = user_obj
        if su:  # userprefs/suid.py handle_form, after the ticket check
            target = moin_user.User(request, name=su, auth_method='setuid')
            target.valid = True
            request._setuid_real_user = request.user
            request.user = target
        if page:
            add_trail(request, page)
        out = example_macro.execute(Macro(request), '') if macro else None
        self.service.finalize(request, request.session)  # wsgiapp.py line 90
        browser.take(request.headers)
        return request, out

    def test_client_refuses_a_wrong_secret(self):
        wrong = BackendClient(URL, secret='x' * 40)
        with self.assertRaises(BackendError) as caught:
            wrong.call('GET', '/api/backend/session', '')
        self.assertEqual(caught.exception.status, 401)
        self.assertEqual(caught.exception.code, 'bad_token')
        self.assertNotIn('x' * 40, str(caught.exception))
        with open(TOKEN_FILE) as f:
            self.assertNotIn(f.read().strip(), repr(self.client))

    def test_the_help_pages_example_macro_runs_unchanged(self):
        browser = Browser()
        _, first = self.serve(browser, macro=True)
        self.assertEqual(first, 'Not storing any state until you send a cookie.')
        _, second = self.serve(browser, macro=True)
        self.assertTrue(second.startswith('Set to value '), second)
        value = int(second.split()[-1])
        _, third = self.serve(browser, macro=True)
        self.assertEqual(third, 'Loaded value %d' % value)
        # The value lives in moin-session: the back-end API shows it.
        answer, _ = self.client.call('GET', '/api/backend/session', browser.header())
        self.assertEqual(answer['data'], {'test': value})

    def test_rejects_values_that_are_not_json(self):
        browser = Browser()
        request, _ = self.serve(browser)
        with self.assertRaises(TypeError):
            request.session['bad'] = object()

    def test_login_handoff_trail_and_logout(self):
        browser = Browser()
        self.serve(browser, page='FrontPage')
        self.serve(browser, page='HelpIndex')
        anon = browser.cookies['MOIN_SESSION']
        request, _ = self.serve(browser, page='WikiSandBox', login='Alice')
        self.assertEqual(request.user.name, 'Alice')
        self.assertNotEqual(browser.cookies['MOIN_SESSION'], anon)
        request, _ = self.serve(browser)
        self.assertEqual(request.user.name, 'Alice')
        self.assertEqual(request.user.auth_method, 'moin_session')
        self.assertEqual(request.session['trail'], ['HelpIndex', 'WikiSandBox'])
        self.assertFalse(request.session.is_new)
        request, _ = self.serve(browser, logout=True)
        self.assertFalse(request.user.valid)
        self.assertNotIn('MOIN_SESSION', browser.cookies)
        request, _ = self.serve(Browser())
        self.assertEqual(request.session.view['user'], None)

    def test_an_unknown_wiki_user_stays_anonymous(self):
        browser = Browser()
        self.serve(browser)
        request, _ = self.serve(browser, login='Nobody')
        self.assertFalse(request.user.valid)
        self.assertIsNone(request.session.view['user'])

    def test_change_user_runs_on_moin_session(self):
        browser = Browser()
        self.serve(browser, login='Admin')
        request, _ = self.serve(browser, su='Bob', page='UserPreferences')
        self.assertEqual(request.session.view['user'], {'name': 'Bob'})
        self.assertEqual(request.session.view['trail'][-1], 'UserPreferences')
        self.assertEqual(request.session.view['realUser'], {'name': 'Admin'})
        request, _ = self.serve(browser)
        self.assertEqual(request.user.name, 'Bob')
        self.assertEqual(request.user.auth_method, 'setuid')
        self.assertEqual(request._setuid_real_user.name, 'Admin')
        # Logout while switched returns to the superuser, as in 1.9.
        request, _ = self.serve(browser, logout=True)
        self.assertEqual(request.user.name, 'Admin')
        self.assertIsNone(request.session.view['realUser'])
        request, _ = self.serve(browser)
        self.assertEqual(request.user.name, 'Admin')
        self.assertEqual(request.user.auth_method, 'moin_session')

    def test_values_set_and_deleted_reach_the_server(self):
        browser = Browser()
        self.serve(browser)
        request = Request(self.cfg, browser.header())
        request.session = self.service.get_session(request)
        request.session['a'] = {'n': [1, 2]}
        request.session['b'] = 'x'
        request.user = moin_user.User(request, auth_method='invalid')
        self.service.finalize(request, request.session)
        browser.take(request.headers)
        request = Request(self.cfg, browser.header())
        request.session = self.service.get_session(request)
        self.assertEqual(request.session['a'], {'n': [1, 2]})
        del request.session['a']
        request.user = moin_user.User(request, auth_method='invalid')
        self.service.finalize(request, request.session)
        browser.take(request.headers)
        answer, _ = self.client.call('GET', '/api/backend/session', browser.header())
        self.assertEqual(answer['data'], {'b': 'x'})

    def test_an_empty_session_is_falsy_as_in_1_9(self):
        request, _ = self.serve(Browser())
        self.assertFalse(request.session)
        self.assertTrue(request.session.is_new)

    def test_cleansessions_finds_nothing_to_do(self):
        request = Request(self.cfg, '')
        self.assertEqual(self.service.get_all_session_ids(request), [])
        self.assertTrue(self.service.get_session(request, sid='abc').new)

    def test_renders_the_trail_fallback_as_1_9(self):
        html = render_trail_fallback(['FrontPage', 'ThisIsAVeryLongPageNameForTestingTrail',
                                      u'A<b>&"'])
        self.assertIn('<ul id="pagetrail">', html)
        self.assertIn('<li><a href="/FrontPage">FrontPage</a></li>', html)
        self.assertIn('>ThisIsAVery...estingTrail</a>', html)
        self.assertIn('>A&lt;b&gt;&amp;&quot;</a>', html)
        self.assertEqual(render_trail_fallback([]), u'')


if __name__ == '__main__':
    unittest.main()
