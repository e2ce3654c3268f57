"""Filling every route of the project with plausible values from the
security world, and deciding whether a response is a refusal."""

from tests.security.routes import build_path

# Pattern parameters named `pk` mean a different object per view.
PK_BY_ROUTE = {
    "moderation:word_remove": "word",
    "mentorship:decide": "mentor_profile",
    "mentorship:retire": "mentor_profile",
    "mentorship:draft": "draft",
    "recovery:begin_again": "recovery_date",
    "recovery:date_delete": "recovery_date",
    "recovery:milestone_share": "milestone",
}


def path_values(world):
    """values(route, param) for build_path: real ids of objects in the world.
    Objects belong to the spring cohort, Alice, Bob or staff: the outsider
    may see none of them."""

    def values(route, param):
        if param == "pk":
            return getattr(world, PK_BY_ROUTE.get(route.name, "mentorship")).pk
        if param == "token":
            return world.feed.token if route.name == "events:feed" else world.invitation.token
        table = {
            "member_id": world.alumnus2.pk,
            "notification_id": world.notification.pk,
            "link_id": world.family_link.pk,
            "request_id": world.family_request.pk,
            "direct_request_id": world.direct_request.pk,
            "resource_id": world.family_resource.pk,
            "session_id": world.session.pk,
            "invitation_id": world.invitation.pk,
            "cohort_id": world.cohort.pk,
            "area_id": world.area.pk,
            "report_id": world.report.pk,
            "message_id": world.held.pk,
            "alert_id": world.alert.pk,
            "sanction_id": world.sanction.pk,
            "slug": world.cohort_room.slug,
            "kind": "words",
            "event_id": world.event.pk,
            "occurrence_id": world.occurrence.pk,
            "year": world.occurrence.starts_at.year,
            "month": world.occurrence.starts_at.month,
            "week": world.checkin.week_start.isoformat(),
            # allauth's e-mail confirmation and password-reset keys
            "key": "3-abcdef0123456789",
            "uidb36": str(world.alumnus.pk),
            # the admin's object and app parameters
            "app_label": "community",
            "object_id": world.alumnus2.pk,
            "content_type_id": 1,
            "url": "community/no-such-page/",  # the admin's catch-all
        }
        return table[param]

    return values


def fill(route, world) -> str:
    return build_path(route, path_values(world))


LOGIN_PREFIXES = ("/accounts/login/", "/admin/login/")


def refused(response) -> bool:
    """Redirect to a login page, 401/403/404/405: nothing was shown or done."""
    if response.status_code in (401, 403, 404, 405):
        return True
    if response.status_code in (301, 302, 303, 307):
        return response["Location"].startswith(LOGIN_PREFIXES)
    return False


def describe(response) -> str:
    location = f" -> {response['Location']}" if response.has_header("Location") else ""
    return f"{response.status_code}{location}"
