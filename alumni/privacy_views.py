"""A member's own data pages: what we hold and its download, account
deletion, and the signed-in browsers (allauth usersessions) list.

Thin views: the work is in alumni.privacy (export and erasure across every
app) and community.actions (sessions).
"""

import json

from allauth.usersessions import app_settings as usersessions_settings
from allauth.usersessions.models import UserSession
from django import forms
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from community import actions, permissions

from . import privacy

# --- What we hold, and its download -------------------------------------------------


def _require_member(request: HttpRequest) -> None:
    """Any active account, family members included: the data is their own."""
    if not permissions.is_active_account(request.user):
        raise Http404


@login_required
@require_GET
def data_page(request: HttpRequest) -> HttpResponse:
    _require_member(request)
    return render(request, "community/privacy/data.html", {"member": request.user})


@never_cache
@login_required
@require_POST
def data_download(request: HttpRequest) -> HttpResponse:
    """The export as a file. POST so that no link, prefetch or crawler can
    start it, and never cached."""
    _require_member(request)
    data = privacy.export_member_data(request.user)
    body = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    filename = f"alumni-community-data-{timezone.localdate():%Y-%m-%d}.json"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# --- Deleting the account -----------------------------------------------------------


class DeleteAccountForm(forms.Form):
    password = forms.CharField(
        label="Your password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text="We ask again to be sure it is you.",
    )
    messages_choice = forms.ChoiceField(
        label="Your chat messages",
        choices=[
            ("delete", "Delete what I wrote. Others see “message removed” where my messages were."),
            (
                "keep",
                "Keep my messages for the conversations they belong to, shown as “Former member”, with no link to me.",
            ),
        ],
        widget=forms.RadioSelect,
        initial="delete",
    )
    understood = forms.BooleanField(
        label="I understand that this deletes my account for good and cannot be undone.",
        error_messages={"required": "Tick this box to confirm that you understand."},
    )

    def __init__(self, *args, member, **kwargs):
        self.member = member
        super().__init__(*args, **kwargs)

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if not self.member.check_password(password):
            raise ValidationError("That password is not right. Nothing was deleted.")
        return password


@login_required
@require_GET
def delete_page(request: HttpRequest) -> HttpResponse:
    _require_member(request)
    return render(request, "community/privacy/delete.html", {"form": DeleteAccountForm(member=request.user)})


@never_cache
@login_required
@require_POST
def delete_confirm(request: HttpRequest) -> HttpResponse:
    _require_member(request)
    form = DeleteAccountForm(request.POST, member=request.user)
    if form.is_valid():
        try:
            privacy.erase_member(
                member=request.user,
                password_confirmed=True,
                keep_messages=form.cleaned_data["messages_choice"] == "keep",
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            logout(request)
            messages.success(request, "Your account and your data have been deleted. Take care of yourself.")
            return redirect("home")
    return render(request, "community/privacy/delete.html", {"form": form}, status=400)


# --- Signed-in browsers -------------------------------------------------------------

_BROWSERS = [
    ("Edg/", "Edge"),
    ("OPR/", "Opera"),
    ("Firefox/", "Firefox"),
    ("Chrome/", "Chrome"),
    ("Chromium/", "Chromium"),
    ("Safari/", "Safari"),
]
_SYSTEMS = [
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("Android", "Android"),
    ("Windows", "Windows"),
    ("CrOS", "ChromeOS"),
    ("Mac OS X", "macOS"),
    ("Macintosh", "macOS"),
    ("Linux", "Linux"),
]


def describe_device(user_agent: str) -> str:
    """ "Firefox on Windows" from a User-Agent header, or a plain fallback."""
    browser = next((name for token, name in _BROWSERS if token in user_agent), None)
    system = next((name for token, name in _SYSTEMS if token in user_agent), None)
    if browser and system:
        return f"{browser} on {system}"
    return browser or system or "Unknown browser"


@login_required
@require_GET
def sessions_page(request: HttpRequest) -> HttpResponse:

    _require_member(request)
    current = request.session.session_key
    sessions = sorted(UserSession.objects.purge_and_list(request.user), key=lambda s: s.created_at, reverse=True)
    for session in sessions:
        session.device = describe_device(session.user_agent)
        session.is_this = session.session_key == current
    sessions.sort(key=lambda s: not s.is_this)
    context = {
        "sessions": sessions,
        "others": sum(1 for s in sessions if not s.is_this),
        "tracks_activity": usersessions_settings.TRACK_ACTIVITY,
    }
    return render(request, "usersessions/usersession_list.html", context)


@login_required
@require_POST
def session_end(request: HttpRequest, session_id: int) -> HttpResponse:
    _require_member(request)
    try:
        actions.end_member_session(
            member=request.user, session_id=session_id, current_session_key=request.session.session_key
        )
    except PermissionDenied:
        raise Http404 from None
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    else:
        messages.success(request, "That browser is signed out.")
    return redirect("account_sessions")


@login_required
@require_POST
def sessions_end_others(request: HttpRequest) -> HttpResponse:
    _require_member(request)
    count = actions.end_other_sessions(member=request.user, current_session_key=request.session.session_key)
    messages.success(request, f"Signed out {count} other browser{'s' if count != 1 else ''}.")
    return redirect("account_sessions")
