"""The one table of the top floor: the program's weekly figures, kept once a
week has closed (alumni/program.py)."""

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
