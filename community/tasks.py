"""Background work for members: emails. Run by `manage.py db_worker`."""

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django_tasks import task

from .models import Invitation, Notification


@task()
def send_invitation_email(invitation_id: int) -> None:
    invitation = Invitation.objects.select_related("cohort").filter(pk=invitation_id).first()
    if invitation is None or not invitation.is_usable:
        return
    context = {"invitation": invitation, "url": invitation.get_accept_url(), "site_name": settings.SITE_NAME}
    send_mail(
        subject=f"You're invited to the {settings.SITE_NAME}",
        message=render_to_string("community/email/invitation.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[invitation.email],
    )


@task()
def send_notification_email(notification_id: int) -> None:
    notification = Notification.objects.select_related("recipient").filter(pk=notification_id).first()
    if notification is None or not notification.recipient.is_active:
        return
    context = {"notification": notification, "site_url": settings.SITE_URL, "site_name": settings.SITE_NAME}
    send_mail(
        subject=f"[{settings.SITE_NAME}] {notification.get_kind_display()}",
        message=render_to_string("community/email/notification.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[notification.recipient.email],
    )
