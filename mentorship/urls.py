from django.urls import path

from . import views

app_name = "mentorship"
urlpatterns = [
    path("", views.index, name="index"),
    path("apply/", views.apply, name="apply"),
    path("pause/", views.pause, name="pause"),
    path("resume/", views.resume, name="resume"),
    path("request/", views.request_new, name="request"),
    path("request/withdraw/", views.request_withdraw, name="withdraw"),
    path("request/choose/", views.choose, name="choose"),
    path("m/<int:pk>/", views.detail, name="detail"),
    path("m/<int:pk>/accept/", views.accept, name="accept"),
    path("m/<int:pk>/decline/", views.decline, name="decline"),
    path("m/<int:pk>/cancel/", views.cancel, name="cancel"),
    path("m/<int:pk>/end/", views.end, name="end"),
    path("staff/", views.staff, name="staff"),
    path("staff/applications/<int:pk>/", views.staff_decide, name="decide"),
    path("staff/mentors/<int:pk>/retire/", views.staff_retire, name="retire"),
    path("staff/settings/", views.staff_settings, name="settings"),
    path("staff/match/", views.staff_match, name="match"),
    path("staff/drafts/<int:pk>/", views.staff_draft, name="draft"),
    path("staff/publish/", views.staff_publish, name="publish"),
]
