# -*- coding: utf-8 -*-
"""
    MoinSessionAuth: a cfg.auth method that asks moin-session who the request is.

    Put it after 1.9's MoinAuth: cfg.auth = [MoinAuth(), MoinSessionAuth()]. 1.9's handle_login
    (MoinMoin/auth/__init__.py, the loop over cfg.auth calling login()) then passes the user that
    MoinAuth.login (line 231) checked, and this method hands the login to moin-session
    (POST /api/backend/login). On every other request handle_request calls request() (BaseAuth,
    auth/__init__.py), which builds the user from moin-session's view: the change-user target
    with auth_method 'setuid' and request._setuid_real_user set, as auth.setup_setuid
    (line 465) does from a 1.9 session.
"""
from MoinMoin.auth import BaseAuth, ContinueLogin
from MoinMoin import user as moin_user


class MoinSessionAuth(BaseAuth):
    name = 'moin_session'
    logout_possible = True

    def __init__(self):
        BaseAuth.__init__(self)

    def login(self, request, user_obj, **kw):
        # After MoinAuth.login: a valid user logged in by another method is handed to moin-session.
        if user_obj is not None and user_obj.valid and user_obj.auth_method != self.name:
            request.cfg.session_service.login(request, request.session, user_obj)
        return ContinueLogin(user_obj)

    def request(self, request, user_obj, **kw):
        if user_obj is not None and user_obj.valid:
            return user_obj, True
        view = getattr(request.session, 'view', None) or {}
        acting = (view.get('user') or {}).get('name')
        if acting is None:
            return user_obj, True
        real_name = (view.get('realUser') or {}).get('name') or acting
        real = moin_user.User(request, name=real_name, auth_username=real_name,
                              auth_method=self.name)
        if not real.valid:
            # Known to moin-session but not a valid account of this wiki: stay anonymous.
            return user_obj, True
        if real_name == acting:
            return real, True
        # As setup_setuid: the target is valid even if disabled (userprefs/suid.py forces it).
        target = moin_user.User(request, name=acting, auth_method='setuid')
        target.valid = True
        request._setuid_real_user = real
        return target, True

    def logout(self, request, user_obj, **kw):
        # BaseAuth.logout: the method that logged the user in makes it invalid; finalize then
        # sees the logged-in -> logged-out change and moin-session destroys the session.
        if user_obj is not None and user_obj.auth_method == self.name:
            user_obj.valid = False
        return user_obj, True
