"""Member and staff pages of the members app (profile, directory, staff tools)."""

from django.urls import path
from django.views.generic import RedirectView

from . import staff_views, views

urlpatterns = [
    path("profile/", views.profile_edit, name="profile"),
    # allauth's own sessions page ends sessions without closing their
    # sockets; this route (resolved before allauth's) sends members here.
    path("accounts/sessions/", RedirectView.as_view(pattern_name="account_sessions"), name="usersessions_redirect"),
    path("members/", views.member_directory, name="member_directory"),
    path("members/<int:member_id>/", views.member_profile, name="member_profile"),
    path(
        "notifications/<int:notification_id>/read/", views.notification_mark_one_read, name="notification_mark_one_read"
    ),
    path("staff/", staff_views.staff_home, name="staff_home"),
    path("staff/invitations/", staff_views.invitation_list, name="staff_invitations"),
    path("staff/invitations/new/", staff_views.invitation_create, name="staff_invitation_create"),
    path("staff/invitations/upload/", staff_views.invitation_csv_preview, name="staff_invitation_csv"),
    path("staff/invitations/confirm/", staff_views.invitation_csv_confirm, name="staff_invitation_csv_confirm"),
    path(
        "staff/invitations/<int:invitation_id>/resend/", staff_views.invitation_resend, name="staff_invitation_resend"
    ),
    path(
        "staff/invitations/<int:invitation_id>/revoke/", staff_views.invitation_revoke, name="staff_invitation_revoke"
    ),
    path("staff/members/", staff_views.member_list, name="staff_members"),
    path("staff/members/<int:member_id>/", staff_views.member_detail, name="staff_member"),
    path("staff/members/<int:member_id>/role/", staff_views.member_set_role, name="staff_member_role"),
    path("staff/cohorts/", staff_views.cohort_list, name="staff_cohorts"),
    path("staff/cohorts/<int:cohort_id>/", staff_views.cohort_edit, name="staff_cohort_edit"),
    path("staff/focus-areas/", staff_views.focus_area_list, name="staff_focus_areas"),
    path("staff/focus-areas/<int:area_id>/rename/", staff_views.focus_area_rename, name="staff_focus_area_rename"),
    path("staff/focus-areas/<int:area_id>/delete/", staff_views.focus_area_delete, name="staff_focus_area_delete"),
    path("staff/audit-log/", staff_views.audit_log, name="staff_audit_log"),
    path("staff/crisis-resources/", staff_views.crisis_resources_edit, name="staff_crisis_resources"),
]
