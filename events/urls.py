from django.urls import path

from . import views

app_name = "events"
urlpatterns = [
    path("", views.agenda, name="agenda"),
    path("month/", views.month, name="month_current"),
    path("month/<int:year>/<int:month>/", views.month, name="month"),
    path("mine/", views.my_meetups, name="mine"),
    path("new/", views.event_create, name="create"),
    path("settings/", views.policy, name="policy"),
    path("calendar/", views.feed_settings, name="feed_settings"),
    path("calendar/regenerate/", views.feed_regenerate, name="feed_regenerate"),
    path("feed/<str:token>.ics", views.feed, name="feed"),
    path("series/<int:event_id>/edit/", views.event_edit, name="edit"),
    path("series/<int:event_id>/cancel/", views.event_cancel, name="cancel"),
    path("<int:occurrence_id>/", views.occurrence_detail, name="occurrence"),
    path("<int:occurrence_id>/rsvp/", views.occurrence_rsvp, name="rsvp"),
    path("<int:occurrence_id>/meetup.ics", views.occurrence_ics, name="ics"),
    path("<int:occurrence_id>/cancel/", views.occurrence_cancel, name="occurrence_cancel"),
    path("<int:occurrence_id>/move/", views.occurrence_move, name="occurrence_move"),
    path("<int:occurrence_id>/attendees/", views.attendees, name="attendees"),
    path("<int:occurrence_id>/attendees.csv", views.attendees_csv, name="attendees_csv"),
]
