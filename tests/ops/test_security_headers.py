"""Content-Security-Policy with a per-response nonce, and the other security headers."""

import re

import pytest


def _directives(header: str) -> dict[str, list[str]]:
    out = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            out[words[0]] = words[1:]
    return out


@pytest.mark.django_db
def test_csp_scripts_need_the_response_nonce_and_no_unsafe_inline(client):
    response = client.get("/crisis/")

    policy = _directives(response.headers["Content-Security-Policy"])
    nonces = [w for w in policy["script-src"] if w.startswith("'nonce-")]
    assert len(nonces) == 1
    assert "'unsafe-inline'" not in policy["script-src"]
    assert "'unsafe-eval'" not in policy["script-src"]
    assert "'unsafe-inline'" not in policy.get("style-src", [])
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    nonce = nonces[0][len("'nonce-") : -1]
    script_tags = re.findall(r"<script\b[^>]*>", response.content.decode())
    assert script_tags, "the page has scripts"
    assert all(f'nonce="{nonce}"' in tag for tag in script_tags), script_tags


@pytest.mark.django_db
def test_csp_nonce_differs_per_response(client):
    first = client.get("/crisis/").headers["Content-Security-Policy"]
    second = client.get("/crisis/").headers["Content-Security-Policy"]

    assert first != second


@pytest.mark.django_db
def test_hsts_and_framing_headers_over_https(client, settings):
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SECURE_HSTS_PRELOAD = True

    response = client.get("/crisis/", secure=True)

    assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
