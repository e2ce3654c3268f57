"""Outside review finding 11: calendar-feed and invitation tokens appeared in
Daphne's and nginx's access logs (and Django's "Not Found" warnings), so
anyone who reads the logs could subscribe to a member's calendar or take an
invitation. Tokens are redacted in every log now."""

import re
import secrets
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from community.logging import redact_path, redact_tokens
from tests.e2e.conftest import ROOT, free_port, server_env

TOKEN = "zz" + secrets.token_urlsafe(24).replace("-", "x").replace("_", "y")
PATHS = [
    f"/meetups/feed/{TOKEN}.ics",
    f"/invite/{TOKEN}/",
    f"/accounts/confirm-email/{TOKEN}/",
    f"/accounts/password/reset/key/1-{TOKEN}/",
]


def _get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


@pytest.fixture(scope="module")
def served_log(tmp_path_factory):
    """A real Daphne started as in production (deploy/entrypoint.sh), asked
    for every token path and a socket path; returns its whole output."""
    tmp = tmp_path_factory.mktemp("tokens")
    env = server_env(tmp / "db.sqlite3")
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    port = free_port()
    log_path = tmp / "daphne.log"
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "community.serve", "-b", "127.0.0.1", "-p", str(port), "alumni.asgi:application"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 30
            while _safe_get(base + "/healthz") != 200:
                assert process.poll() is None, log_path.read_text()[-2000:]
                assert time.monotonic() < deadline, log_path.read_text()[-2000:]
                time.sleep(0.2)
            statuses = [_get(base + path + "?from=zzquery") for path in PATHS]
            time.sleep(0.5)  # the access log line is written after the response
        finally:
            process.terminate()
            process.wait(timeout=10)
    return statuses, log_path.read_text()


def _safe_get(url: str) -> int | None:
    try:
        return _get(url)
    except OSError:
        return None


def test_daphne_and_django_logs_carry_no_token(served_log):
    statuses, log = served_log
    assert all(status in (200, 302, 404) for status in statuses), statuses
    assert TOKEN not in log
    assert "zzquery" not in log
    assert log.count("/meetups/feed/[redacted].ics") >= 2  # the access line and Django's "Not Found"
    assert "/invite/[redacted]/" in log
    assert "/accounts/confirm-email/[redacted]/" in log
    assert "/accounts/password/reset/key/[redacted]/" in log


def test_redaction_keeps_everything_but_the_secret():
    assert redact_path(f"/invite/{TOKEN}/?next=/x") == "/invite/[redacted]/"
    assert redact_tokens(f'Not Found: /meetups/feed/{TOKEN}.ics, "GET /invite/{TOKEN}/"') == (
        'Not Found: /meetups/feed/[redacted].ics, "GET /invite/[redacted]/"'
    )
    assert redact_path("/accounts/password/reset/key/done/") == "/accounts/password/reset/key/done/"
    assert redact_path("/meetups/calendar/") == "/meetups/calendar/"
    assert redact_path("/ws/rooms/welcome/?after_seq=3") == "/ws/rooms/welcome/"


def _nginx_map() -> list[tuple[re.Pattern, str]]:
    conf = (ROOT / "deploy" / "nginx.conf").read_text()
    block = re.search(r"map \$uri \$loggable_uri \{(.*?)\n\s*\}", conf, re.S).group(1)
    rules = []
    for line in block.strip().splitlines():
        key, value = re.match(r'\s*("[^"]*"|\S+)\s+("[^"]*"|\S+);', line).groups()
        key, value = key.strip('"'), value.strip('"')
        if key.startswith("~"):
            # nginx (PCRE) named groups (?<x>…) are (?P<x>…) in Python.
            rules.append((re.compile(key[1:].replace("(?<", "(?P<").replace("(?P<!", "(?<!")), value))
    return rules


def _nginx_logged_uri(uri: str) -> str:
    for pattern, value in _nginx_map():
        match = pattern.search(uri)
        if match:
            captured = match.groupdict()
            return re.sub(r"\$(\w+)", lambda m, captured=captured: captured.get(m.group(1)) or "", value)
    return uri


def test_nginx_logs_the_redacted_uri_and_no_query_string():
    conf = (ROOT / "deploy" / "nginx.conf").read_text()
    log_format = re.search(r"log_format main '([^']*)'", conf).group(1)
    assert "$loggable_uri" in log_format
    for variable in ("$uri", "$request_uri", "$request ", "$args", "$query_string"):
        assert variable not in log_format
    logged = [_nginx_logged_uri(path) for path in PATHS]
    assert logged == [
        "/meetups/feed/[redacted].ics",
        "/invite/[redacted]/",
        "/accounts/confirm-email/[redacted]/",
        "/accounts/password/reset/key/[redacted]/",
    ]
    assert _nginx_logged_uri("/accounts/password/reset/key/done/") == "/accounts/password/reset/key/done/"
    assert _nginx_logged_uri("/meetups/calendar/") == "/meetups/calendar/"


def test_the_shipped_server_is_the_redacting_one():
    entrypoint = (ROOT / "deploy" / "entrypoint.sh").read_text()
    assert "exec python -m community.serve " in entrypoint
    assert "exec daphne" not in entrypoint
    assert "-m community.serve" in (ROOT / "scripts" / "run").read_text()
    assert Path(ROOT / "community" / "serve.py").exists()


@pytest.mark.skipif(shutil.which("nginx") is None, reason="nginx is not installed (the map is checked above in Python)")
def test_a_real_nginx_with_the_shipped_log_format_redacts_tokens(tmp_path):
    """The shipped map and log_format, loaded by nginx itself in front of a
    stub location, and asked for every token path."""
    conf = (ROOT / "deploy" / "nginx.conf").read_text()
    block = re.search(r"\n(\s*map \$uri \$loggable_uri \{.*?\n\s*\})", conf, re.S).group(1)
    log_format = re.search(r"\n(\s*log_format main '[^']*';)", conf).group(1)
    port = free_port()
    (tmp_path / "nginx.conf").write_text(
        f"""daemon off; worker_processes 1; pid {tmp_path}/nginx.pid; error_log {tmp_path}/error.log;
events {{ worker_connections 64; }}
http {{
    client_body_temp_path {tmp_path}; proxy_temp_path {tmp_path}; fastcgi_temp_path {tmp_path};
    uwsgi_temp_path {tmp_path}; scgi_temp_path {tmp_path};
{block}
{log_format}
    access_log {tmp_path}/access.log main;
    server {{ listen 127.0.0.1:{port}; location / {{ return 404; }} }}
}}
"""
    )
    nginx = subprocess.Popen(["nginx", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")], stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 10
        while _safe_get(f"http://127.0.0.1:{port}/ready") != 404:
            assert nginx.poll() is None, nginx.stderr.read().decode()
            assert time.monotonic() < deadline
            time.sleep(0.1)
        for path in PATHS:
            _get(f"http://127.0.0.1:{port}{path}?from=zzquery")
    finally:
        nginx.terminate()
        nginx.wait(timeout=10)
    log = (tmp_path / "access.log").read_text()
    assert TOKEN not in log
    assert "zzquery" not in log
    for redacted in (
        "/meetups/feed/[redacted].ics",
        "/invite/[redacted]/",
        "/accounts/confirm-email/[redacted]/",
        "/accounts/password/reset/key/[redacted]/",
    ):
        assert f"GET {redacted}" in log
