"""Member and staff pages of the members app (profile, directory, staff tools)."""

from django.urls import path

urlpatterns: list = []
