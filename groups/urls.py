from django.urls import path

from . import moderation_views, views

app_name = "groups"
urlpatterns = [
    path("", views.directory, name="directory"),
    path("new/", views.room_create, name="create"),
    path("search/", views.search, name="search"),
    path("members/<int:member_id>/block/", moderation_views.block, name="block"),
    path("<slug:slug>/", views.room, name="room"),
    path("<slug:slug>/join/", views.room_join, name="join"),
    path("<slug:slug>/leave/", views.room_leave, name="leave"),
    path("<slug:slug>/guidelines/", views.room_accept_guidelines, name="accept_guidelines"),
    path("<slug:slug>/members/add/", views.room_add_member, name="add_member"),
]
