"""How delivery is overseen: monthly updates by leads, with their evidence."""

import datetime as dt
import secrets
from pathlib import Path

from django.conf import settings
from django.db import models
from django.urls import reverse
from simple_history.models import HistoricalRecords

from plans.models import Action, Plan


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def previous_period(period: dt.date) -> dt.date:
    return (period - dt.timedelta(days=1)).replace(day=1)


def next_period(period: dt.date) -> dt.date:
    return (period.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


class Rag(models.TextChoices):
    """BRAG status. Always shown as a word and a colour, never colour alone."""

    BLUE = "blue", "Blue"
    GREEN = "green", "Green"
    AMBER = "amber", "Amber"
    RED = "red", "Red"


RAG_DEFINITIONS = {
    Rag.BLUE: "Complete and evidenced.",
    Rag.GREEN: "On track.",
    Rag.AMBER: "At risk, with recovery in hand.",
    Rag.RED: "Off track and needs the board's help.",
}
# Lower is better: used for direction of travel.
RAG_RANK = {Rag.BLUE: 0, Rag.GREEN: 1, Rag.AMBER: 2, Rag.RED: 3}


class PeriodLock(models.Model):
    """A reporting month whose updates can no longer change (the board froze its papers)."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="period_locks")
    period = models.DateField(help_text="The first day of the month.")
    locked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    locked_at = models.DateTimeField(auto_now_add=True)
    reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["plan", "period"]
        constraints = [models.UniqueConstraint(fields=["plan", "period"], name="periodlock_unique_period")]

    def __str__(self) -> str:
        return f"{self.plan} {self.period:%B %Y} locked"


class ActionUpdateQuerySet(models.QuerySet):
    def for_period(self, period: dt.date):
        return self.filter(period=period)

    def for_plan(self, plan):
        return self.filter(action__plan=plan)


class ActionUpdate(models.Model):
    """A lead's monthly word on one action: status, narrative, next steps, risks.

    One per action per period; submitting again in the period revises it, and every revision
    stays in the history.
    """

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="updates")
    period = models.DateField(help_text="The reporting month (its first day).")
    status = models.CharField(max_length=10, choices=Rag.choices)
    narrative = models.TextField("progress")
    next_steps = models.TextField(blank=True)
    risks = models.TextField("risks and issues", blank=True)
    reason = models.TextField(
        "reason for the change of status", blank=True, help_text="Required when the status differs from last period's."
    )
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField()
    is_demo = models.BooleanField(default=False, help_text="Made by load_demo, not by a person.")
    version = models.PositiveIntegerField(default=1)

    objects = ActionUpdateQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["version"])

    class Meta:
        ordering = ["action", "-period"]
        constraints = [models.UniqueConstraint(fields=["action", "period"], name="actionupdate_one_per_period")]
        indexes = [models.Index(fields=["period", "action"])]

    def __str__(self) -> str:
        return f"{self.action.reference} {self.period:%B %Y}: {self.get_status_display()}"

    def get_absolute_url(self) -> str:
        return self.action.get_absolute_url() + f"#update-{self.pk}"

    def is_locked(self) -> bool:
        return PeriodLock.objects.filter(plan_id=self.action.plan_id, period=self.period).exists()


def evidence_path(instance, filename: str) -> str:
    # A random name outside static/: the original name is kept in the database only.
    return f"evidence/{instance.action.plan_id}/{secrets.token_hex(16)}{Path(filename).suffix.lower()[:10]}"


class EvidenceQuerySet(models.QuerySet):
    def current(self):
        return self.filter(withdrawn_at__isnull=True)


class Evidence(models.Model):
    """A file or a link that shows what an update says."""

    class Kind(models.TextChoices):
        FILE = "file", "File"
        LINK = "link", "Link"

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="evidence")
    update = models.ForeignKey(ActionUpdate, null=True, blank=True, on_delete=models.SET_NULL, related_name="evidence")
    period = models.DateField(help_text="The reporting month it was added in.")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    title = models.CharField(max_length=200)
    evidence_date = models.DateField("date it evidences")
    file = models.FileField(upload_to=evidence_path, blank=True, max_length=200)
    original_name = models.CharField(max_length=255, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveIntegerField(default=0)
    url = models.URLField(max_length=1000, blank=True)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField()
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    withdrawn_reason = models.TextField(blank=True)
    is_demo = models.BooleanField(default=False)
    version = models.PositiveIntegerField(default=1)

    objects = EvidenceQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["version"])

    class Meta:
        ordering = ["action", "-evidence_date", "-added_at"]
        verbose_name_plural = "evidence"
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(kind="file") & ~models.Q(file="")) | (models.Q(kind="link") & ~models.Q(url="")),
                name="evidence_file_or_link",
            )
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        if self.kind == self.Kind.LINK:
            return self.url
        return reverse("governance:evidence_download", args=[self.action.plan.slug, self.pk])
