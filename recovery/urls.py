from django.urls import path

from . import views

app_name = "recovery"
urlpatterns = [
    path("safety-plan/", views.plan, name="plan"),
    path("safety-plan/edit/", views.plan_edit, name="plan_edit"),
    path("safety-plan/delete/", views.plan_delete, name="plan_delete"),
    path("safety-plan/card/", views.plan_card, name="plan_card"),
]
