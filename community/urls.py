from django.contrib import admin
from django.urls import include, path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("crisis/", views.crisis_page, name="crisis"),
    path("invite/<str:token>/", views.invitation_accept, name="invitation_accept"),
    path("notifications/", views.notification_list, name="notifications"),
    path("notifications/read/", views.notifications_mark_read, name="notifications_mark_read"),
    path("healthz", views.healthz, name="healthz"),
    path("", include("community.member_urls")),
    path("accounts/", include("allauth.urls")),
    path("rooms/", include("groups.urls")),
    path("moderation/", include("groups.moderation_urls")),
    path("meetups/", include("events.urls")),
    path("mentors/", include("mentorship.urls")),
    path("admin/", admin.site.urls),
]
