from django.contrib import admin
from django.urls import include, path

from community import views as community_views

from . import family_views, member_views, privacy_views, program_views, recovery_sharing, views

urlpatterns = [
    path("", views.home, name="home"),
    path("crisis/", community_views.crisis_page, name="crisis"),
    path("invite/<str:token>/", community_views.invitation_accept, name="invitation_accept"),
    path("notifications/", community_views.notification_list, name="notifications"),
    path("notifications/read/", community_views.notifications_mark_read, name="notifications_mark_read"),
    path("healthz", community_views.healthz, name="healthz"),
    path("staff/members/<int:member_id>/cohort/", views.member_set_cohort, name="staff_member_cohort"),
    path("staff/program/", program_views.dashboard, name="staff_program"),
    path("staff/program.csv", program_views.dashboard_csv, name="staff_program_csv"),
    path("account/data/", privacy_views.data_page, name="account_data"),
    path("account/data/download/", privacy_views.data_download, name="account_data_download"),
    path("account/delete/", privacy_views.delete_page, name="account_delete"),
    path("account/delete/confirm/", privacy_views.delete_confirm, name="account_delete_confirm"),
    path("account/sessions/", privacy_views.sessions_page, name="account_sessions"),
    path("account/sessions/<int:session_id>/end/", privacy_views.session_end, name="account_session_end"),
    path("account/sessions/end-others/", privacy_views.sessions_end_others, name="account_sessions_end_others"),
    path("welcome/", member_views.welcome, name="welcome"),
    path("profile/blocks/", member_views.blocks, name="blocks"),
    path("", include("community.member_urls")),
    path("", include("community.push.urls")),
    path("accounts/", include("allauth.urls")),
    path("rooms/", include("groups.urls")),
    path("moderation/", include("groups.moderation_urls")),
    path("messages/", include("groups.direct_urls")),
    path("meetups/", include("events.urls")),
    path("mentors/", include("mentorship.urls")),
    path("family/resources/", family_views.resources, name="family_resources"),
    path("family/links/<int:link_id>/end/", family_views.end_link, name="family_link_end"),
    path("me/family/", family_views.my_family, name="my_family"),
    path("me/family/ask/", family_views.ask, name="family_ask"),
    path("me/family/requests/<int:request_id>/withdraw/", family_views.withdraw, name="family_withdraw"),
    path("me/family/links/<int:link_id>/sharing/", family_views.sharing, name="family_sharing"),
    path("staff/family/", family_views.staff_family, name="staff_family"),
    path("staff/family/requests/<int:request_id>/", family_views.staff_decide, name="staff_family_decide"),
    path("staff/family/resources/", family_views.staff_resource_save, name="staff_family_resource_add"),
    path("staff/family/resources/<int:resource_id>/", family_views.staff_resource_save, name="staff_family_resource"),
    path("me/check-in/sharing/", recovery_sharing.sharing, name="checkin_sharing"),
    path("me/shared-with-me/<int:member_id>/", recovery_sharing.shared_summary, name="shared_summary"),
    path("me/", include("recovery.urls")),
    path("admin/", admin.site.urls),
]

# The styled 500 page, rendered without the request or the database.
handler500 = "alumni.errors.server_error"
