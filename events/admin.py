"""Read-only admin views: every change goes through actions.py (the meetup
pages), so the admin only looks."""

from django.contrib import admin

from community.admin import ReadOnlyAdmin as ReadOnly

from .models import RSVP, Event, Occurrence, SentReminder


@admin.register(Event)
class EventAdmin(ReadOnly):
    list_display = ["title", "frequency", "format", "audience", "time_zone", "start_date", "cancelled_at"]
    list_filter = ["format", "audience", "frequency"]
    search_fields = ["title"]


@admin.register(Occurrence)
class OccurrenceAdmin(ReadOnly):
    list_display = ["event", "starts_at", "going_count", "waitlist_count", "sequence", "cancelled_at", "is_moved"]
    list_select_related = ["event"]
    date_hierarchy = "starts_at"


@admin.register(RSVP)
class RSVPAdmin(ReadOnly):
    list_display = ["occurrence", "member", "status", "responded_at", "attended"]
    list_select_related = ["occurrence__event", "member"]
    list_filter = ["status"]


@admin.register(SentReminder)
class SentReminderAdmin(ReadOnly):
    list_display = ["occurrence", "member", "kind", "sent_at"]
    list_select_related = ["occurrence__event", "member"]
