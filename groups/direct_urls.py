from django.urls import path

from . import direct_views as views

app_name = "direct"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("requests/", views.requests, name="requests"),
    path("requests/<int:direct_request_id>/accept/", views.accept, name="accept"),
    path("requests/<int:direct_request_id>/decline/", views.decline, name="decline"),
    path("new/<int:member_id>/", views.new, name="new"),
]
