"""The signed-in browsers page (allauth usersessions): see them, end one or
all others — and an ended session's sockets close at once."""

import pytest
from allauth.usersessions.models import UserSession
from asgiref.sync import sync_to_async
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

from tests.groups.test_socket_session import open_with_client

from .seed import _login

FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0"
SAFARI = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 Version/17.5 Safari/604.1"


def browser(user, user_agent, ip) -> Client:
    client = Client(HTTP_USER_AGENT=user_agent)
    client.force_login(user)
    key = client.session.session_key
    UserSession.objects.update_or_create(session_key=key, defaults={"user": user, "ip": ip, "user_agent": user_agent})
    return client


@pytest.mark.django_db
def test_sessions_page_lists_browsers_with_device_ip_and_times(alumnus, alumnus2):
    laptop = browser(alumnus, FIREFOX, "203.0.113.10")
    browser(alumnus, SAFARI, "198.51.100.7")
    browser(alumnus2, FIREFOX, "192.0.2.99")

    response = laptop.get(reverse("account_sessions"))

    body = response.content.decode()
    assert response.status_code == 200
    assert "Firefox on Windows" in body
    assert "Safari on iPhone" in body
    assert "203.0.113.10" in body
    assert "198.51.100.7" in body
    assert "192.0.2.99" not in body  # Bob's browser
    assert body.count("This browser") == 1
    assert body.count("Sign this browser out") == 1
    assert 'class="site-header"' in body  # inside our own page


@pytest.mark.django_db
def test_allauth_sessions_url_leads_to_ours(client, alumnus):
    client.force_login(alumnus)

    response = client.get("/accounts/sessions/")

    assert response.status_code == 302
    assert response.url == reverse("account_sessions")


@pytest.mark.django_db
def test_ending_another_members_session_is_not_found(alumnus, alumnus2):
    mine = browser(alumnus, FIREFOX, "203.0.113.10")
    bobs = browser(alumnus2, SAFARI, "198.51.100.7")
    bob_session = UserSession.objects.get(session_key=bobs.session.session_key)

    response = mine.post(reverse("account_session_end", args=[bob_session.pk]))

    assert response.status_code == 404
    assert UserSession.objects.filter(pk=bob_session.pk).exists()
    assert Session.objects.filter(session_key=bob_session.session_key).exists()


@pytest.mark.django_db
def test_ending_the_current_session_here_is_refused(alumnus):
    laptop = browser(alumnus, FIREFOX, "203.0.113.10")
    current = UserSession.objects.get(session_key=laptop.session.session_key)

    response = laptop.post(reverse("account_session_end", args=[current.pk]), follow=True)

    assert "Use Sign out instead" in response.content.decode()
    assert UserSession.objects.filter(pk=current.pk).exists()


@pytest.mark.django_db
def test_end_all_others_keeps_only_this_browser(alumnus, alumnus2):
    laptop = browser(alumnus, FIREFOX, "203.0.113.10")
    browser(alumnus, SAFARI, "198.51.100.7")
    browser(alumnus, SAFARI, "198.51.100.8")
    bobs = browser(alumnus2, SAFARI, "192.0.2.99")

    response = laptop.post(reverse("account_sessions_end_others"))

    assert response.status_code == 302
    assert list(UserSession.objects.filter(user=alumnus).values_list("session_key", flat=True)) == [
        laptop.session.session_key
    ]
    assert UserSession.objects.filter(session_key=bobs.session.session_key).exists()
    assert laptop.get(reverse("account_sessions")).status_code == 200


@pytest.mark.django_db(transaction=True)
async def test_ending_a_session_closes_its_sockets_only(room, alumnus):
    laptop = await sync_to_async(browser)(alumnus, FIREFOX, "203.0.113.10")
    phone = await sync_to_async(browser)(alumnus, SAFARI, "198.51.100.7")
    phone_session = await UserSession.objects.aget(session_key=phone.session.session_key)
    laptop_socket = await open_with_client(laptop, room.slug)
    phone_socket = await open_with_client(phone, room.slug)

    response = await sync_to_async(laptop.post)(reverse("account_session_end", args=[phone_session.pk]))

    assert response.status_code == 302
    assert await phone_socket.closed() == 4401
    assert await laptop_socket.nothing()
    assert not await Session.objects.filter(session_key=phone_session.session_key).aexists()
    await laptop_socket.close()


@pytest.mark.django_db(transaction=True)
async def test_ending_all_others_closes_their_sockets(room, alumnus):
    laptop = await sync_to_async(browser)(alumnus, FIREFOX, "203.0.113.10")
    phone = await sync_to_async(browser)(alumnus, SAFARI, "198.51.100.7")
    laptop_socket = await open_with_client(laptop, room.slug)
    phone_socket = await open_with_client(phone, room.slug)

    await sync_to_async(laptop.post)(reverse("account_sessions_end_others"))

    assert await phone_socket.closed() == 4401
    assert await laptop_socket.nothing()
    await laptop_socket.close()


@pytest.mark.django_db(transaction=True)
async def test_erasure_closes_every_socket_of_the_member(room, alumnus, alumnus2):
    from alumni import privacy

    laptop = await sync_to_async(_login)(alumnus)
    phone = await sync_to_async(_login)(alumnus)
    bob = await sync_to_async(_login)(alumnus2)
    sockets = [await open_with_client(c, room.slug) for c in (laptop, phone)]
    bob_socket = await open_with_client(bob, room.slug)

    await sync_to_async(privacy.erase_member)(member=alumnus, password_confirmed=True, keep_messages=False)

    assert [await s.closed() for s in sockets] == [4401, 4401]
    assert await bob_socket.nothing()
    await bob_socket.close()
