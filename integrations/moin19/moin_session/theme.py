# -*- coding: utf-8 -*-
"""
    The theme helper of docs/client.md: <moin-trail> with moin-session's trail rendered inside
    as the no-JavaScript fallback, the change-user banner and the module.

    The fallback is the markup of 1.9.11's ThemeBase.trail (MoinMoin/theme/__init__.py line 645:
    <ul id="pagetrail"><li>...</li></ul>) with names shortened as shortenPagename (line 432,
    maxPagenameLength 25) does. Record visits only where 1.9 would (Page.send_page, not edit,
    print, raw or error views).
"""
try:
    from urllib.parse import quote
except ImportError:
    from urllib import quote

MAX_PAGENAME_LENGTH = 25


def escape(text):
    return (text.replace('&', '&amp;').replace('<', '&lt;').replace('>', '&gt;')
            .replace('"', '&quot;'))


def shorten_pagename(name):
    """ 1.9's ThemeBase.shortenPagename: the last path part, then middle dots. """
    maxlen = MAX_PAGENAME_LENGTH
    if len(name) > maxlen:
        name = name.split('/')[-1]
        if len(name) > maxlen:
            half, left = divmod(maxlen - 3, 2)
            name = name[:half + left] + '...' + name[-half:]
    return name


def render_trail_fallback(trail, script_root=''):
    """ moin-session's trail as 1.9's <ul id="pagetrail">; empty when the trail is. """
    if not trail:
        return u''
    items = []
    for page in trail:
        href = '%s/%s' % (script_root, quote(page.encode('utf-8') if str is bytes else page))
        items.append(u'<li><a href="%s">%s</a></li>' % (escape(href), escape(shorten_pagename(page))))
    return u'<ul id="pagetrail">\n%s\n</ul>' % u'\n'.join(items)


def moin_session_trail(theme, d, endpoint='/api', module='/moin-session.js'):
    """ Call from the theme's header() where self.trail(d) was: theme.moin_session_trail(d). """
    request = theme.request
    page = d['page']
    is_view = (request.action in ('show', 'recall') and page.exists()
               and not d.get('print_mode'))
    root = request.script_root or ''
    attrs = u' page="%s"' % escape(page.page_name) if is_view else u''
    view = getattr(request.session, 'view', None) or {}
    html = [u'<moin-trail endpoint="%s" href-template="%s/{page}"%s>' % (
        escape(endpoint), escape(root), attrs)]
    html.append(render_trail_fallback(view.get('trail', []), root))
    html.append(u'</moin-trail>')
    html.append(u'<moin-su-banner endpoint="%s"%s></moin-su-banner>' % (
        escape(endpoint), u' picker' if request.user.isSuperUser() else u''))
    html.append(u'<script type="module" src="%s"></script>' % escape(module))
    return u'\n'.join(html)
