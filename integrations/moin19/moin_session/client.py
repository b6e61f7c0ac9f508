# -*- coding: utf-8 -*-
"""
    The HTTP client of moin-session's back-end API (/api/backend/*, docs/backend.md).

    Every call sends the bearer secret, never an Origin, and the browser's Cookie header as it
    came; it answers the JSON body and the Set-Cookie headers the wiki must forward. The secret is
    never part of an exception, a repr or a log line.
"""
import json
import logging

try:  # Python 3
    from urllib.request import Request, build_opener, ProxyHandler
    from urllib.error import HTTPError, URLError
except ImportError:  # Python 2.7
    from urllib2 import Request, build_opener, ProxyHandler, HTTPError, URLError

log = logging.getLogger(__name__)

MIN_SECRET_LENGTH = 32


class BackendError(Exception):
    """ moin-session answered an error ({"error": {code, message}}) or could not be reached. """

    def __init__(self, status, code, message):
        Exception.__init__(self, '%s %s: %s' % (status, code, message))
        self.status = status
        self.code = code
        self.message = message


class _Request(Request):
    """ urllib's Request with any method, on Python 2.7 as on 3. """

    def __init__(self, url, method, data, headers):
        Request.__init__(self, url, data, headers)
        self._method = method

    def get_method(self):
        return self._method


def _header_list(info, name):
    if hasattr(info, 'get_all'):  # Python 3
        return info.get_all(name) or []
    return info.getheaders(name)  # Python 2.7


def read_secret(path):
    """ The secret in a token file (surrounding whitespace is not part of it). """
    f = open(path, 'rb')
    try:
        secret = f.read().decode('utf-8').strip()
    finally:
        f.close()
    if len(secret) < MIN_SECRET_LENGTH:
        raise ValueError('%s: the secret is shorter than %d characters' % (path, MIN_SECRET_LENGTH))
    return secret


class BackendClient(object):
    """
    One moin-session server: BackendClient('http://127.0.0.1:8080', secret_file='/etc/moin/token').
    Proxies from the environment are not used (the server is the wiki's neighbour).
    """

    def __init__(self, url, secret=None, secret_file=None, timeout=5.0):
        if secret is None:
            if secret_file is None:
                raise ValueError('BackendClient needs secret or secret_file')
            secret = read_secret(secret_file)
        self.url = url.rstrip('/')
        self.__secret = secret
        self.timeout = timeout
        self._opener = build_opener(ProxyHandler({}))

    def __repr__(self):
        return '<BackendClient %s>' % self.url

    def call(self, method, path, cookie, body=None, bearer=True):
        """
        Sends one request; answers (json_body, set_cookie_headers). Raises BackendError for an
        error answer or an unreachable server. `bearer=False` is for the browser-cookie endpoints
        outside /api/backend/ (trail, change user), which need no secret.
        """
        headers = {'Accept': 'application/json'}
        if bearer:
            headers['Authorization'] = 'Bearer ' + self.__secret
        if cookie:
            headers['Cookie'] = cookie
        data = None
        if body is not None:
            data = json.dumps(body).encode('utf-8')
            headers['Content-Type'] = 'application/json'
        elif method in ('POST', 'DELETE'):
            data = b''
        req = _Request(self.url + path, method, data, headers)
        try:
            res = self._opener.open(req, timeout=self.timeout)
            status = res.getcode()
        except HTTPError as err:
            res = err
            status = err.code
        except (URLError, IOError) as err:
            raise BackendError(0, 'unreachable', 'moin-session at %s: %s' % (self.url, err))
        try:
            text = res.read().decode('utf-8')
            cookies = _header_list(res.info(), 'Set-Cookie')
        finally:
            res.close()
        try:
            answer = json.loads(text) if text else {}
        except ValueError:
            raise BackendError(status, 'bad_answer', 'moin-session answered no JSON')
        if status >= 400:
            err = answer.get('error', {}) if isinstance(answer, dict) else {}
            raise BackendError(status, err.get('code', 'error'), err.get('message', ''))
        return answer, cookies
