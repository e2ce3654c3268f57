from django import forms
from django.core.exceptions import ValidationError

from .models import User


def clean_display_name_value(value: str, *, exclude_pk: int | None = None) -> str:
    value = " ".join(value.split())
    if len(value) < 2:
        raise ValidationError("Choose a display name of at least 2 characters.")
    if "@" in value:
        # An address in a display name would publish exactly what we keep private.
        raise ValidationError("A display name cannot contain '@'. A first name or a nickname works well.")
    taken = User.objects.filter(display_name__iexact=value)
    if exclude_pk is not None:
        taken = taken.exclude(pk=exclude_pk)
    if taken.exists():
        raise ValidationError("That display name is taken. Try another one.")
    return value


class InvitedSignupForm(forms.Form):
    """Extra fields on allauth's sign-up form, which only invited graduates reach."""

    display_name = forms.CharField(
        max_length=40,
        help_text="What other members will see. A first name or a pseudonym is fine; "
        "your email address is never shown to anyone.",
    )

    def clean_display_name(self):
        return clean_display_name_value(self.cleaned_data["display_name"])

    def signup(self, request, user):
        from .actions import accept_invitation
        from .adapters import SESSION_KEY, invitation_from_session

        invitation = invitation_from_session(request)
        if invitation is None:
            raise ValidationError("This invitation link is no longer valid.")
        accept_invitation(invitation=invitation, user=user, display_name=self.cleaned_data["display_name"])
        request.session.pop(SESSION_KEY, None)
