# -*- coding: utf-8 -*-
"""
    MoinSessionService: a cfg.session_service for MoinMoin 1.9 that keeps no state of its own.

    It implements 1.9.11's SessionService interface (MoinMoin/web/session.py lines 41-57:
    get_session, destroy_session, finalize, get_all_session_ids) on moin-session's back-end API,
    so that request.session in macros (HelpOnSessions' example macro, unchanged), the page trail
    (MoinMoin/user.py addTrail line 1162 / getTrail line 1194 read and write
    request.session['trail']) and change user (MoinMoin/userprefs/suid.py, finalize's 'setuid')
    all run on moin-session's sessions. The cookie is moin-session's; the wiki forwards it.
"""
import json
import logging

from MoinMoin.web.session import SessionService

from moin_session.client import BackendError

log = logging.getLogger(__name__)

# Keys 1.9's own FileSessionService.finalize writes (web/session.py lines 178-266) and
# auth.setup_from_session / setup_setuid read (auth/__init__.py lines 465-495). moin-session keeps
# who is logged in, the change of user and the expiry itself; 'trail' is moin-session's trail.
OWN_KEYS = ('trail', 'expires', 'user.id', 'user.auth_method', 'user.auth_attribs', 'setuid')


class MoinSessionData(dict):
    """
    request.session: a dict as 1.9's MoinSession (secure_cookie.session.Session subclass) is,
    with .new / .is_new (1.9: "is_new is DEPRECATED", an alias of .new), .sid and .modified.
    Values must be JSON data (TypeError otherwise, like req.session in Node); tuples become lists.
    While .new nothing set here is kept: "Not storing any state until you send a cookie."
    """

    def __init__(self, data, view, new, sid, cookie):
        dict.__init__(self, data)
        self._show_trail(view)
        self.view = view
        self.new = new
        # 1.9's wikiutil.createTicket (line 2498) binds form tickets to session.sid.
        self.sid = sid
        self.cookie = cookie
        self.set_cookies = {}
        self.changed = {}
        self.deleted = set()

    @property
    def is_new(self):
        return self.new

    @property
    def modified(self):
        return bool(self.changed or self.deleted)

    def __setitem__(self, key, value):
        if key not in OWN_KEYS:
            try:
                json.dumps(value)
            except (TypeError, ValueError):
                raise TypeError('request.session[%r]: the value is not JSON data' % (key,))
            self.changed[key] = value
            self.deleted.discard(key)
        dict.__setitem__(self, key, value)

    def __delitem__(self, key):
        dict.__delitem__(self, key)
        if key not in OWN_KEYS:
            self.changed.pop(key, None)
            self.deleted.add(key)

    def pop(self, key, *default):
        had = key in self
        value = dict.pop(self, key, *default)
        if had and key not in OWN_KEYS:
            self.changed.pop(key, None)
            self.deleted.add(key)
        return value

    def setdefault(self, key, default=None):
        if key not in self:
            self[key] = default
        return self[key]

    def update(self, *args, **kw):
        for key, value in dict(*args, **kw).items():
            self[key] = value

    def clear(self):
        for key in list(self.keys()):
            del self[key]

    def adopt(self, answer, cookies, cookie_name):
        """ Takes a back-end answer (a SessionView or {session, isNew, data}) and its cookies. """
        view = answer.get('session', answer)
        self.view = view
        # A bare view (login, logout, trail) says `stored`; nothing stored is 1.9's `new`.
        self.new = answer['isNew'] if 'isNew' in answer else not view.get('stored', False)
        for header in cookies:
            name, _, rest = header.partition('=')
            if name.strip() != cookie_name:
                continue
            value = rest.split(';', 1)[0].strip()
            self.set_cookies[cookie_name] = header
            deleted = 'max-age=0' in header.lower().replace(' ', '')
            self.cookie = replace_cookie(self.cookie, cookie_name, None if deleted else value)
            self.sid = None if deleted else value
        self._show_trail(view)

    def _show_trail(self, view):
        # 'trail' as 1.9 keeps it (user.getTrail, line 1194): absent while empty, so an empty
        # session stays falsy for wikiutil.createTicket's `if request.session`.
        trail = list(view.get('trail', []))
        if trail:
            dict.__setitem__(self, 'trail', trail)
        else:
            dict.pop(self, 'trail', None)


def cookie_value(header, name):
    """ The value of cookie `name` in a Cookie header, or None. """
    for part in (header or '').split(';'):
        k, _, v = part.strip().partition('=')
        if k == name:
            return v
    return None


def replace_cookie(header, name, value):
    """ The Cookie header with `name` set to `value` (None: removed), other cookies untouched. """
    parts = [p.strip() for p in (header or '').split(';') if p.strip()]
    parts = [p for p in parts if p.partition('=')[0] != name]
    if value is not None:
        parts.append('%s=%s' % (name, value))
    return '; '.join(parts)


class MoinSessionService(SessionService):
    """
    cfg.session_service = MoinSessionService(BackendClient(url, secret_file=...)).
    `auth_name` is MoinSessionAuth's name (a user it restored is already moin-session's user).
    """

    def __init__(self, client, cookie_name='MOIN_SESSION', auth_name='moin_session'):
        self.client = client
        self.cookie_name = cookie_name
        self.auth_name = auth_name

    # 1.9.11 web/session.py line 41; FileSessionService.get_session lines 147-167 (no cookie ->
    # a new session; here the cookie is moin-session's and never adopted when unknown).
    def get_session(self, request, sid=None):
        if sid is not None:
            # cleansessions asks by id (script/maint/cleansessions.py line 75); moin-session
            # purges its own sessions (`moin-session sessions purge`), so there is nothing here.
            return MoinSessionData({}, {'trail': []}, True, None, '')
        cookie = request.environ.get('HTTP_COOKIE', '')
        try:
            answer, cookies = self.client.call('GET', '/api/backend/session', cookie)
        except BackendError as err:
            # moin-session down: the page is served anonymously rather than not at all.
            log.error('moin-session: get_session failed: %s %s', err.status, err.code)
            return MoinSessionData({}, {'trail': [], 'user': None}, True, None, '')
        session = MoinSessionData(answer.get('data', {}), answer['session'], answer['isNew'],
                                  cookie_value(cookie, self.cookie_name), cookie)
        session.adopt(answer, cookies, self.cookie_name)
        return session

    # 1.9.11 web/session.py line 45; FileSessionService.destroy_session (clear + unlink).
    def destroy_session(self, request, session):
        self._call(session, 'POST', '/api/backend/logout')
        dict.clear(session)
        session.changed.clear()
        session.deleted.clear()

    # 1.9.11 web/session.py line 57; the only caller is cleansessions (see get_session).
    def get_all_session_ids(self, request):
        return []

    def login(self, request, session, user_obj):
        """ The login handoff: after 1.9's own login, moin-session logs the browser in. """
        # remember_me is 1.9's user preference (multiconfig user_checkbox_defaults, default on);
        # moin-session applies _get_session_lifetime (web/session.py line 64) with it.
        body = {'user': user_obj.name, 'remember_me': bool(getattr(user_obj, 'remember_me', 0))}
        self._call(session, 'POST', '/api/backend/login', body)

    # 1.9.11 web/session.py line 49; FileSessionService.finalize lines 178-266, step by step:
    # the real user behind a setuid decides; a logged-in -> logged-out transition kills the
    # session; a change of user is recorded; changed values are saved unless the session is new;
    # the cookie is (re-)sent on every finalized response.
    def finalize(self, request, session):
        user = getattr(request, 'user', None)
        if user is not None and user.auth_method == 'setuid':
            real = request._setuid_real_user
        else:
            real = user
        view = session.view
        # What addTrail left in the session; the calls below show moin-session's trail again.
        trail = list(dict.get(session, 'trail') or [])
        shown = (view.get('realUser') or view.get('user') or {}).get('name')
        real_valid = real is not None and real.valid
        if not real_valid and shown is not None:
            # kill_session (finalize line ~205): logout destroys the session and its trail.
            self.destroy_session(request, session)
        else:
            if real_valid and real.name != shown:
                self.login(request, session, real)
            self._change_user(session, user, real)
            self._record_trail(session, trail)
            if session.modified and not session.new:
                body = {'set': session.changed, 'delete': sorted(session.deleted)}
                self._call(session, 'POST', '/api/backend/session/data', body)
                session.changed = {}
                session.deleted = set()
        for header in session.set_cookies.values():
            request.headers.add('Set-Cookie', header)

    def _change_user(self, session, user, real):
        view = session.view
        acting = (view.get('user') or {}).get('name')
        switched = view.get('realUser') is not None
        if user is not None and user.auth_method == 'setuid' and user.name != acting:
            # 1.9: session['setuid'] = request.user.id (finalize); here POST /api/su, audited.
            self._call(session, 'POST', '/api/su', {'name': user.name}, bearer=False)
        elif switched and (user is None or user.auth_method != 'setuid') and real is not None:
            # 1.9: logout while switched returns to the superuser (auth handle_logout 439-455).
            self._call(session, 'DELETE', '/api/su', None, bearer=False)

    def _record_trail(self, session, trail):
        # user.addTrail (line 1162) appends the page it shows; moin-session records the visit,
        # except while new: 1.9 never persists the trail of a browser's first request either.
        if trail and not session.new and trail != list(session.view.get('trail', [])):
            self._call(session, 'POST', '/api/trail', {'page': trail[-1]}, bearer=False)

    def _call(self, session, method, path, body=None, bearer=True):
        try:
            answer, cookies = self.client.call(method, path, session.cookie, body, bearer=bearer)
        except BackendError as err:
            log.error('moin-session: %s %s failed: %s %s', method, path, err.status, err.code)
            return None
        session.adopt(answer, cookies, self.cookie_name)
        return answer
