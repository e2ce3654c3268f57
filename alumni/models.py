"""The top floor's tables: the program's weekly figures (alumni/program.py)
and the families' side (alumni/family.py), which spans members, chat, meetups
and milestones."""

from django.db import models
from django.utils import timezone


class ProgramWeek(models.Model):
    """A closed week's aggregate figures, already suppressed, stored once and
    never recomputed: later changes (an erasure, a deleted check-in) cannot be
    read off by comparing two downloads."""

    week = models.DateField(unique=True, help_text="The Monday the week starts on.")
    figures = models.JSONField(default=dict)
    computed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["week"]

    def __str__(self) -> str:
        return f"Program week of {self.week}"


class FamilyRequest(models.Model):
    """An alumnus asks for a family member or friend to join the families'
    side; staff approve (an invitation is sent) or decline. The address is
    seen by the alumnus who typed it and by staff, nobody else."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for staff"
        APPROVED = "approved", "Approved: invitation sent"
        DECLINED = "declined", "Declined"
        WITHDRAWN = "withdrawn", "Withdrawn"

    alumnus = models.ForeignKey("community.User", on_delete=models.CASCADE, related_name="family_requests")
    email = models.EmailField()
    relationship = models.CharField(max_length=60, help_text="For example: mother, partner, friend.")
    note = models.CharField(max_length=300, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey("community.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    invitation = models.OneToOneField(
        "community.Invitation", null=True, blank=True, on_delete=models.SET_NULL, related_name="family_request"
    )

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self) -> str:
        return f"Family request {self.pk} ({self.status})"


class FamilyLink(models.Model):
    """A family member linked to the alumnus who asked for them. The link
    shows the family member nothing unless the alumnus turns on sharing of
    their milestones; either side may end it."""

    alumnus = models.ForeignKey("community.User", on_delete=models.CASCADE, related_name="family_links")
    family_member = models.ForeignKey("community.User", on_delete=models.CASCADE, related_name="family_of_links")
    relationship = models.CharField(max_length=60)
    shares_milestones = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["alumnus", "family_member"],
                condition=models.Q(ended_at__isnull=True),
                name="one_open_family_link",
            )
        ]

    def __str__(self) -> str:
        return f"Family link {self.pk}"


class FamilyResource(models.Model):
    """A page of education for families, kept by staff: what recovery looks
    like, how to support without enabling, where families get help."""

    title = models.CharField(max_length=120)
    body = models.TextField(max_length=4000, help_text="Plain text; blank lines separate paragraphs.")
    url = models.URLField(max_length=500, blank=True, help_text="Optional link to read more.")
    position = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.title
