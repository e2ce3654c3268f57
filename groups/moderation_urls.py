from django.urls import path

from . import moderation_views as views

app_name = "moderation"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("reports/<int:report_id>/", views.report_action, name="report_action"),
    path("reports/<int:report_id>/context/", views.report_context, name="report_context"),
    path("held/<int:message_id>/", views.held_action, name="held_action"),
    path("crisis/", views.crisis_dashboard, name="crisis"),
    path("crisis/<int:alert_id>/", views.crisis_action, name="crisis_action"),
    path("crisis/<int:alert_id>/card/", views.crisis_card, name="crisis_card"),
    path("request/", views.request_moderator, name="request"),
    path("duty/", views.duty, name="duty"),
    path("members/<int:member_id>/", views.member_history, name="member"),
    path("members/<int:member_id>/sanction/", views.sanction, name="sanction"),
    path("sanctions/<int:sanction_id>/lift/", views.lift, name="lift"),
    path("rooms/<slug:slug>/", views.room_settings, name="room"),
    path("rooms/<slug:slug>/pin/", views.room_pin, name="pin"),
    path("rooms/<slug:slug>/moderators/", views.room_moderators, name="room_moderators"),
    path("words/", views.word_lists, name="words"),
    path("words/<str:kind>/<int:pk>/remove/", views.word_remove, name="word_remove"),
]
