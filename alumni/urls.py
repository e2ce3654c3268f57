from django.contrib import admin
from django.urls import include, path

from community import views as community_views

from . import member_views, privacy_views, program_views, recovery_sharing, views

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
    path("me/check-in/sharing/", recovery_sharing.sharing, name="checkin_sharing"),
    path("me/shared-with-me/<int:member_id>/", recovery_sharing.shared_summary, name="shared_summary"),
    path("me/", include("recovery.urls")),
    path("admin/", admin.site.urls),
]

# The styled 500 page, rendered without the request or the database.
handler500 = "alumni.errors.server_error"
