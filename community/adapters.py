"""allauth hooks: sign-up is open only to someone holding a valid invitation."""

from allauth.account.adapter import DefaultAccountAdapter
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
