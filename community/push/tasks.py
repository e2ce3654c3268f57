"""Background work for Web Push. Run by `manage.py db_worker` (in tests, where
they are enqueued).

community.actions.notify / notify_many call queue_push after commit, so every
kind of notification reaches phones through one path."""

from django_tasks import task

from community.models import Notification

from .delivery import configured, deliver
from .models import PushPreview, PushSettings


@task()
def send_push(notification_id: int) -> int:
    """Push one notification to its recipient's devices. Returns how many
    pushes the push services accepted."""
    notification = Notification.objects.select_related("recipient").filter(pk=notification_id).first()
    if notification is None:
        return 0
    return deliver(notification).sent


def queue_push(notifications: list[Notification], *, preview: str = "") -> int:
    """Queue a send_push task for each notification whose recipient has a
    subscription and wants its category (call after commit). One query for
    the whole batch; none when push is not configured. Returns how many were
    queued.

    The message words in `preview` are stored (PushPreview, deleted once
    sent) only for members who turned previews on; task arguments are kept
    in the task table for good, so the words never go there."""
    if not notifications or not configured():
        return 0
    recipients = {n.recipient_id for n in notifications}
    wanted = {
        choice.member_id: choice
        for choice in PushSettings.objects.filter(
            member_id__in=recipients, member__push_subscriptions__isnull=False
        ).distinct()
    }
    queued = 0
    for notification in notifications:
        choice = wanted.get(notification.recipient_id)
        if choice is None or not choice.wants(notification.kind):
            continue
        if preview and choice.previews:
            PushPreview.objects.update_or_create(notification=notification, defaults={"text": preview})
        send_push.enqueue(notification.pk)
        queued += 1
    return queued
