from django.urls import path

from . import views

app_name = "recovery"
urlpatterns = [
    path("safety-plan/", views.plan, name="plan"),
    path("safety-plan/edit/", views.plan_edit, name="plan_edit"),
    path("safety-plan/delete/", views.plan_delete, name="plan_delete"),
    path("safety-plan/card/", views.plan_card, name="plan_card"),
    path("safety-plan/relapse-prevention/", views.relapse_edit, name="relapse_edit"),
    path("check-in/", views.checkin, name="checkin"),
    path("check-in/done/", views.checkin_done, name="checkin_done"),
    path("check-in/reminder/", views.reminder, name="reminder"),
    path("progress/", views.progress, name="progress"),
    path("progress/<str:week>/", views.week, name="week"),
    path("progress/<str:week>/delete/", views.week_delete, name="week_delete"),
    path("milestones/", views.milestones, name="milestones"),
    path("milestones/dates/", views.milestone_date_add, name="date_add"),
    path("milestones/dates/<int:pk>/begin-again/", views.milestone_begin_again, name="begin_again"),
    path("milestones/dates/<int:pk>/delete/", views.milestone_date_delete, name="date_delete"),
    path("milestones/<int:pk>/share/", views.milestone_share, name="milestone_share"),
]
