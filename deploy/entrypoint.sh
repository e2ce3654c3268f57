#!/bin/sh
# The container's roles. `web` and `worker` never migrate: with two or more
# replicas they would race; the one-shot `migrate` role runs first.
set -eu
cd /app

case "${1:-web}" in
  web)
    # Daphne through community.serve: its access log leaves out query strings
    # and redacts calendar-feed, invitation and account-key tokens.
    # --proxy-headers: nginx sets X-Forwarded-For, so logs and rate limits
    # see the member's address, not nginx's. --websocket_timeout: a socket
    # closes after a day (the page reconnects and resumes), well inside the
    # channel layer's CHANNEL_GROUP_EXPIRY, so no socket outlives its groups.
    exec python -m community.serve --bind 0.0.0.0 --port 8000 --proxy-headers \
      --application-close-timeout 10 --websocket_timeout 86400 alumni.asgi:application
    ;;
  worker)
    # The periodic jobs (crisis escalation, meetup reminders, mentor request
    # expiry, check-ins) run beside the task worker; each job takes a Redis
    # lock per time slot, so several worker containers never double-run one.
    python manage.py run_schedule &
    exec python manage.py db_worker
    ;;
  migrate)
    python manage.py migrate --noinput
    # Refresh the static volume nginx serves from (hashed names: old pages
    # keep working while their files stay, new ones load the new files).
    python manage.py collectstatic --noinput
    exec python manage.py check --deploy --fail-level WARNING
    ;;
  *)
    exec "$@"
    ;;
esac
