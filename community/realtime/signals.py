"""Hearing what Django and allauth say about sign-outs and passwords, so that
open sockets never outlive the access they were opened with."""

from allauth.account.signals import password_changed, password_reset, password_set
from django.contrib.auth.signals import user_logged_out
from django.dispatch import receiver

from community.realtime import close_session_sockets, force_disconnect_on_commit


@receiver(user_logged_out)
def close_sockets_of_signed_out_session(sender, request, user, **kwargs):
    session = getattr(request, "session", None) if request is not None else None
    if session is None:
        return
    # Django sends this before it deletes the session: delete it first, so
    # that a socket opening meanwhile — which joins the session's group, then
    # reads the session again — either finds it gone or gets this close.
    key = session.session_key
    session.delete()
    close_session_sockets(key)


@receiver(password_changed)
@receiver(password_set)
@receiver(password_reset)
def close_all_sockets_after_password_change(sender, request, user, **kwargs):
    # Every other session is signed out by the new password hash; their
    # sockets must not stay open on the old credentials.
    force_disconnect_on_commit(user.pk, code=4401)
