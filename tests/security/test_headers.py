"""Every HTML page, for every role, carries a nonce-based CSP without
'unsafe-inline' scripts and the other security headers."""

import re

import pytest
from django.test import Client

from tests.security.doors import fill
from tests.security.routes import http_routes


def _directives(header: str) -> dict[str, list[str]]:
    return {parts[0]: parts[1:] for parts in (d.split() for d in header.split(";") if d.strip())}


def header_problems(response) -> list[str]:
    problems = []
    csp = response.get("Content-Security-Policy", "")
    directives = _directives(csp)
    scripts = directives.get("script-src", directives.get("default-src", []))
    # django-csp adds the nonce only when the page used it; a page with no
    # inline script gets the stricter 'self' alone. Either way, no inline
    # script runs without this response's nonce.
    uses_inline = re.search(rb"<script(?![^>]*\bsrc=)(?![^>]*application/json)", response.content)
    if uses_inline and not any(re.fullmatch(r"'nonce-[A-Za-z0-9+/_=-]{16,}'", s) for s in scripts):
        problems.append(f"inline script but no nonce in script-src: {scripts}")
    if "'unsafe-inline'" in scripts or "'unsafe-eval'" in scripts or "*" in scripts:
        problems.append(f"unsafe script-src: {scripts}")
    if directives.get("object-src") != ["'none'"]:
        problems.append("object-src is not 'none'")
    if directives.get("base-uri") not in (["'none'"], ["'self'"]):
        problems.append("base-uri is not restricted")
    if response.get("X-Content-Type-Options") != "nosniff":
        problems.append("X-Content-Type-Options")
    if response.get("Referrer-Policy") not in ("same-origin", "no-referrer", "strict-origin"):
        problems.append(f"Referrer-Policy {response.get('Referrer-Policy')}")
    if response.get("X-Frame-Options") != "DENY" and directives.get("frame-ancestors") != ["'none'"]:
        problems.append("framing allowed")
    if response.get("Cross-Origin-Opener-Policy") != "same-origin":
        problems.append("Cross-Origin-Opener-Policy")
    return problems


@pytest.mark.parametrize("role", ["anonymous", "alumnus", "moderator", "staff"])
def test_every_html_page_carries_the_security_headers(role, world):
    user = None if role == "anonymous" else getattr(world, role)
    client = Client()
    if user is not None:
        client.force_login(user)
    checked, problems = 0, []
    for route in http_routes():
        if route.name in ("account_logout", "admin:logout"):
            continue  # a GET must not sign the rest of the walk out
        response = client.get(fill(route, world))
        if not response.get("Content-Type", "").startswith("text/html"):
            continue
        checked += 1
        problems += [f"{route.name} ({response.status_code}): {p}" for p in header_problems(response)]
    assert problems == []
    assert checked > 40


def test_nonces_differ_between_responses(alumnus):
    client = Client()
    client.force_login(alumnus)
    nonces = {re.search(r"'nonce-([^']+)'", client.get("/").get("Content-Security-Policy")).group(1) for _ in range(3)}
    assert len(nonces) == 3


def test_inline_scripts_carry_the_nonce(world):
    """Every <script> in a rendered page either loads a same-origin file or
    carries this response's nonce."""
    client = Client()
    client.force_login(world.alumnus)
    for path in ("/", f"/rooms/{world.cohort_room.slug}/", "/meetups/", "/mentors/", "/profile/"):
        response = client.get(path)
        nonce = re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"]).group(1)
        for tag in re.findall(r"<script\b[^>]*>", response.content.decode()):
            data_only = 'type="application/json"' in tag  # data, never executed
            assert data_only or f'nonce="{nonce}"' in tag or re.search(r'src="/static/', tag), (path, tag)
