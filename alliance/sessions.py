"""Signing a person out of every browser at once.

Sessions are stored in the database (Django's default engine) and keyed by a random id,
not by person, so finding a person's means reading the live ones. That is done only for
rare, deliberate acts (an admin resetting someone's second factor), never per request.
"""

from importlib import import_module

from django.conf import settings
from django.contrib.sessions.models import Session
from django.utils import timezone

from alliance.models import User


def sign_out_everywhere(*, user: User) -> int:
    """Ends every live session signed in as ``user``; how many there were."""
    store = import_module(settings.SESSION_ENGINE).SessionStore
    user_id = str(user.pk)
    ended = 0
    live = Session.objects.filter(expire_date__gt=timezone.now())
    for session in live.only("session_key", "session_data").iterator(chunk_size=500):
        if store().decode(session.session_data).get("_auth_user_id") == user_id:
            # Through the engine's store, which for a cached engine drops the cached copy too.
            store(session_key=session.session_key).delete()
            ended += 1
    return ended
