"""Outside review finding 9: the moderation `block` and `duty` forms followed
`next=//evil.example`. A `next` is now followed only to this site."""

import pytest
from django.urls import reverse


@pytest.mark.parametrize("target", ["//evil.example/", "https://evil.example/", "/\\evil.example"])
def test_duty_never_redirects_off_site(client, moderator, target):
    client.force_login(moderator)
    response = client.post(reverse("moderation:duty"), {"on_duty": "1", "next": target})
    assert (response.status_code, response["Location"]) == (302, "/moderation/crisis/")


def test_block_never_redirects_off_site(client, room, alumnus, alumnus2):
    client.force_login(alumnus)
    response = client.post(reverse("groups:block", args=[alumnus2.pk]), {"next": "//evil.example/"})
    assert (response.status_code, response["Location"]) == (302, "/rooms/")


def test_a_path_on_this_site_is_followed(client, moderator):
    client.force_login(moderator)
    response = client.post(reverse("moderation:duty"), {"on_duty": "0", "next": "/rooms/welcome/"})
    assert response["Location"] == "/rooms/welcome/"
