"""allauth hooks: sign-up is open only to someone holding a valid invitation;
failed sign-ins are counted per address and per account at that address, with
a slower back-off per account (so a stranger cannot lock a member out of their
own network); a member with an authenticator re-authenticates with it."""

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core.internal import ratelimit
from allauth.mfa.models import Authenticator
from django import forms

from .models import Invitation

SESSION_KEY = "invitation_id"


def invitation_from_session(request) -> Invitation | None:
    invitation_id = request.session.get(SESSION_KEY)
    if not invitation_id:
        return None
    return Invitation.objects.usable().filter(pk=invitation_id).select_related("cohort").first()


class InvitationOnlyAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request) -> bool:
        return invitation_from_session(request) is not None

    def populate_username(self, request, user) -> None:
        # There is no username: members sign in with their email address.
        return None

    def clean_email(self, email: str) -> str:
        email = super().clean_email(email)
        request = getattr(self, "request", None)
        invitation = invitation_from_session(request) if request is not None else None
        if invitation is not None and invitation.email.lower() != email.lower():
            raise forms.ValidationError("Use the address your invitation was sent to.")
        return email.lower()

    # --- Sign-in attempt limits (ACCOUNT_RATE_LIMITS) --------------------------
    #
    # allauth counts failures per address ("ip") and per login ("key"). A
    # per-login count alone lets anyone lock any member out with a few wrong
    # passwords from anywhere, so "key" here is the account *at this address*,
    # and the account as a whole has its own, slower limit
    # ("login_failed_account"), set above what one address can reach: a guesser
    # on one network never locks the member out of theirs.

    def _account_key(self, request, **credentials) -> str:
        return super()._get_login_attempts_cache_key(request, **credentials)

    def _get_login_attempts_cache_key(self, request, **credentials) -> str:
        return f"{self._account_key(request, **credentials)}@{self.get_client_ip(request)}"

    def pre_authenticate(self, request, **credentials) -> None:
        super().pre_authenticate(request, **credentials)
        self._account_rl_usage = ratelimit.consume(
            request, app="allauth.account", action="login_failed_account", key=self._account_key(request, **credentials)
        )
        if not self._account_rl_usage:
            super()._rollback_login_failed_rl_usage()
            raise self.validation_error("too_many_login_attempts")

    def _rollback_login_failed_rl_usage(self) -> None:
        # A successful sign-in takes back its own attempt, not earlier failures
        # (allauth's reasoning: a guesser must not reset the count by signing
        # in to their own account in between).
        super()._rollback_login_failed_rl_usage()
        usage = getattr(self, "_account_rl_usage", None)
        if usage:
            usage.rollback()

    def _delete_login_attempts_cached_email(self, request, **credentials) -> None:
        # After a completed password reset (itself limited) the account starts afresh.
        super()._delete_login_attempts_cached_email(request, **credentials)
        ratelimit.clear(
            request, app="allauth.account", action="login_failed_account", key=self._account_key(request, **credentials)
        )

    # --- Re-authentication ------------------------------------------------------

    def get_reauthentication_methods(self, user) -> list[dict]:
        """A member with an authenticator app or recovery codes confirms it is
        them with one of those, never with the password alone: otherwise a
        password and an open session would be enough to turn two-factor off
        or read the recovery codes (outside review finding 1). allauth's
        password re-authentication page sends them to the code page instead."""
        methods = super().get_reauthentication_methods(user)
        if has_code_authenticator(user):
            methods = [m for m in methods if m["id"] != "reauthenticate"]
        return methods


def has_code_authenticator(user) -> bool:
    return (
        user.is_authenticated
        and Authenticator.objects.filter(
            user=user, type__in=[Authenticator.Type.TOTP, Authenticator.Type.RECOVERY_CODES]
        ).exists()
    )
