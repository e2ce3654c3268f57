"""The site's URLconf plus one view that fails, for the 500 page's test."""

from django.urls import path

from alumni.urls import handler500
from alumni.urls import urlpatterns as site_urlpatterns


def boom(request):
    raise RuntimeError("a deliberate failure")


urlpatterns = [*site_urlpatterns, path("boom/", boom)]

__all__ = ["handler500", "urlpatterns"]
