# Stand-in: 1.9.11 MoinMoin/web/session.py lines 38-60, the SessionService interface.
class SessionService(object):
    def get_session(self, request, sid=None):
        raise NotImplementedError

    def destroy_session(self, request, session):
        raise NotImplementedError

    def finalize(self, request, session):
        raise NotImplementedError

    def get_all_session_ids(self, request):
        raise NotImplementedError
