"""Becoming a member, and changing cohort: steps that span the members app and
the chat, so they are composed here, on the top floor."""

from django.db import transaction

from community import actions as community_actions
from community.forms import InvitedSignupForm as MembersSignupForm
from community.models import Cohort, Invitation, User
from groups.actions import join_default_rooms

from .family import link_on_acceptance


@transaction.atomic
def accept_invitation(*, invitation: Invitation, user: User, display_name: str) -> User:
    """Accept the invitation (community.actions.accept_invitation), then join
    the rooms every member of that cohort belongs to. All or nothing."""
    member = community_actions.accept_invitation(invitation=invitation, user=user, display_name=display_name)
    join_default_rooms(member=member)
    link_on_acceptance(invitation=invitation, member=member)
    return member


@transaction.atomic
def set_member_cohort(*, staff: User, member: User, cohort: Cohort | None, graduation_date=None) -> User:
    """Move a member to another cohort (community.actions.set_member_cohort:
    permission, audit row), then join that cohort's default rooms."""
    member = community_actions.set_member_cohort(
        staff=staff, member=member, cohort=cohort, graduation_date=graduation_date
    )
    join_default_rooms(member=member)
    return member


class InvitedSignupForm(MembersSignupForm):
    """allauth's sign-up form (ACCOUNT_SIGNUP_FORM_CLASS) with the whole onboarding."""

    accept_invitation = staticmethod(accept_invitation)
