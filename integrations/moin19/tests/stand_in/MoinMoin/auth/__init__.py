# Stand-in: 1.9.11 MoinMoin/auth/__init__.py, LoginReturn/ContinueLogin and BaseAuth.
class LoginReturn(object):
    def __init__(self, user_obj, continue_flag, message=None, multistage=None, redirect_to=None):
        self.user_obj = user_obj
        self.continue_flag = continue_flag
        self.message = message
        self.multistage = multistage
        self.redirect_to = redirect_to


class ContinueLogin(LoginReturn):
    def __init__(self, user_obj, message=None):
        LoginReturn.__init__(self, user_obj, True, message=message)


class BaseAuth(object):
    name = None
    login_inputs = []
    logout_possible = False

    def __init__(self):
        pass

    def login(self, request, user_obj, **kw):
        return ContinueLogin(user_obj)

    def request(self, request, user_obj, **kw):
        return user_obj, True

    def logout(self, request, user_obj, **kw):
        if self.name and user_obj and user_obj.auth_method == self.name:
            user_obj.valid = False
        return user_obj, True
