from django.urls import path

app_name = "mentorship"
urlpatterns: list = []
