# Stand-in: 1.9.11 MoinMoin/user.py User, reduced to what the kit and its tests touch: a user is
# valid when its name is in the wiki's user directory (request.cfg.user_names here) and enabled.
class User(object):
    def __init__(self, request, id=None, name="", password=None, auth_username="", **kw):
        self._request = request
        self.name = name or auth_username
        self.id = name
        self.auth_method = kw.get('auth_method', 'internal')
        self.auth_attribs = kw.get('auth_attribs', ())
        self.remember_me = 1
        names = getattr(request.cfg, 'user_names', ())
        self.valid = 1 if self.name in names else 0

    def isSuperUser(self):
        return bool(self.valid and self.name in self._request.cfg.superuser)
