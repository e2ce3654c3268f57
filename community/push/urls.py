from django.urls import path

from . import views

app_name = "push"

# Mounted at the site's root: the service worker's scope is the directory it
# is served from, so /sw.js covers every page.
urlpatterns = [
    path("sw.js", views.service_worker, name="service_worker"),
    path("manifest.webmanifest", views.manifest, name="manifest"),
    path("offline/", views.offline, name="offline"),
    path("notifications/settings/", views.settings_page, name="settings"),
    path("push/subscribe/", views.subscribe, name="subscribe"),
    path("push/unsubscribe/", views.unsubscribe, name="unsubscribe"),
]
