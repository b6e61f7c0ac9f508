# -*- coding: utf-8 -*-
"""
    moin_session - run a MoinMoin 1.9 wiki on moin-session's sessions.

    Python 2.7 and 3, standard library only. See ../README.md for the wikiconfig snippet.
"""
from moin_session.client import BackendClient, BackendError
from moin_session.session import MoinSessionData, MoinSessionService
from moin_session.auth import MoinSessionAuth
from moin_session.theme import moin_session_trail, render_trail_fallback

__all__ = ['BackendClient', 'BackendError', 'MoinSessionData', 'MoinSessionService',
           'MoinSessionAuth', 'moin_session_trail', 'render_trail_fallback']
