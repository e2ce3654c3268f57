import base64
import binascii

from cryptography.hazmat.primitives.asymmetric import ec
from django import forms

from .delivery import endpoint_allowed
from .models import Category


def _b64url(value: str, field: str) -> bytes:
    # validate=True: the lenient default skips stray characters instead of refusing them.
    standard = value.replace("-", "+").replace("_", "/")
    try:
        return base64.b64decode(standard + "=" * (-len(standard) % 4), validate=True)
    except (binascii.Error, ValueError):
        raise forms.ValidationError(f"{field} is not base64url.") from None


class SubscriptionForm(forms.Form):
    """A browser's PushSubscription.toJSON(): endpoint and keys."""

    endpoint = forms.CharField(max_length=2000)
    p256dh = forms.CharField(max_length=100)
    auth = forms.CharField(max_length=50)

    @classmethod
    def from_json(cls, data) -> "SubscriptionForm":
        keys = data.get("keys") if isinstance(data, dict) else None
        keys = keys if isinstance(keys, dict) else {}
        return cls(
            {
                "endpoint": data.get("endpoint") if isinstance(data, dict) else None,
                "p256dh": keys.get("p256dh"),
                "auth": keys.get("auth"),
            }
        )

    def clean_endpoint(self):
        endpoint = self.cleaned_data["endpoint"].strip()
        if not endpoint_allowed(endpoint):
            raise forms.ValidationError("This push service is not one this site sends to.")
        return endpoint

    def clean_p256dh(self):
        value = self.cleaned_data["p256dh"].strip()
        raw = _b64url(value, "keys.p256dh")
        try:
            ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), raw)
        except ValueError:
            raise forms.ValidationError("keys.p256dh is not a P-256 public key.") from None
        return value

    def clean_auth(self):
        value = self.cleaned_data["auth"].strip()
        if len(_b64url(value, "keys.auth")) != 16:
            raise forms.ValidationError("keys.auth must be 16 bytes.")
        return value


class EndpointForm(forms.Form):
    endpoint = forms.CharField(max_length=2000)


class PushSettingsForm(forms.Form):
    categories = forms.MultipleChoiceField(
        label="Send me a push for", required=False, widget=forms.CheckboxSelectMultiple
    )
    previews = forms.BooleanField(
        label="Show message previews",
        required=False,
        help_text="Off: a push says only what kind of news it is (“New mention”). On: it shows the words, "
        "which anyone who sees your lock screen can read.",
    )

    def __init__(self, *args, allowed: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["categories"].choices = [(c.value, c.label) for c in Category if c in allowed]
