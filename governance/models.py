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


# The board ---------------------------------------------------------------------------------


class BoardManager(models.Manager):
    def get_by_natural_key(self, plan_slug, name):
        return self.get(plan__slug=plan_slug, name=name)


class Board(models.Model):
    """The body that oversees a plan. Its members are the plan's board-member memberships."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="boards")
    name = models.CharField(max_length=200)
    chair_role = models.ForeignKey(
        "plans.Role", null=True, blank=True, on_delete=models.SET_NULL, related_name="chaired_boards"
    )
    cadence = models.CharField(max_length=100, default="Monthly")
    description = models.TextField(blank=True)

    objects = BoardManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["plan", "name"]
        constraints = [models.UniqueConstraint(fields=["plan", "name"], name="board_unique_name")]

    def __str__(self) -> str:
        return self.name

    def natural_key(self):
        return (*self.plan.natural_key(), self.name)

    natural_key.dependencies = ["plans.plan", "plans.role"]

    def get_absolute_url(self) -> str:
        return reverse("governance:board_detail", args=[self.plan.slug, self.pk])


class Meeting(models.Model):
    class Status(models.TextChoices):
        PLANNED = "planned", "Planned"
        PAPERS_ISSUED = "papers_issued", "Papers issued"
        HELD = "held", "Held"

    board = models.ForeignKey(Board, on_delete=models.CASCADE, related_name="meetings")
    date = models.DateField()
    period = models.DateField("period reviewed", help_text="The reporting month the board reviews (its first day).")
    cutoff = models.DateField("update cut-off", help_text="Updates after this date miss the papers.")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PLANNED)
    attendees = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="meetings_attended")
    minutes = models.TextField(blank=True)

    history = HistoricalRecords(m2m_fields=[attendees])

    class Meta:
        ordering = ["board", "-date"]
        constraints = [models.UniqueConstraint(fields=["board", "date"], name="meeting_unique_date")]

    def __str__(self) -> str:
        return f"{self.board.name}, {self.date.day} {self.date:%B %Y}"

    def get_absolute_url(self) -> str:
        return reverse("governance:meeting_detail", args=[self.board.plan.slug, self.pk])


class Decision(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", "Open"
        DONE = "done", "Done"

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="decisions")
    text = models.TextField()
    owner_role = models.ForeignKey("plans.Role", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    due = models.DateField(null=True, blank=True)
    actions = models.ManyToManyField(Action, blank=True, related_name="decisions")
    recommendations = models.ManyToManyField("plans.Recommendation", blank=True, related_name="decisions")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)

    history = HistoricalRecords()

    class Meta:
        ordering = ["meeting", "id"]

    def __str__(self) -> str:
        return self.text[:80]


class Challenge(models.Model):
    """A board member's challenge on an action; the lead responds; the board closes it."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        RESPONDED = "responded", "Responded"
        CLOSED = "closed", "Closed"

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="challenges")
    meeting = models.ForeignKey(Meeting, null=True, blank=True, on_delete=models.SET_NULL, related_name="challenges")
    text = models.TextField()
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    raised_at = models.DateTimeField()
    response = models.TextField(blank=True)
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    responded_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    history = HistoricalRecords(excluded_fields=["version"])

    class Meta:
        ordering = ["-raised_at"]

    def __str__(self) -> str:
        return self.text[:80]

    @property
    def is_open(self) -> bool:
        return self.status != self.Status.CLOSED


class BoardPack(models.Model):
    """The board's papers for a meeting, frozen: a JSON snapshot and its PDF, each with a SHA-256.

    A pack never changes; a correction is a new version with a reason, and both stay.
    """

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="packs")
    version = models.PositiveIntegerField(default=1)
    snapshot = models.JSONField()
    snapshot_sha256 = models.CharField(max_length=64)
    pdf = models.BinaryField()
    pdf_sha256 = models.CharField(max_length=64)
    frozen_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    frozen_at = models.DateTimeField()
    correction_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["meeting", "-version"]
        constraints = [models.UniqueConstraint(fields=["meeting", "version"], name="boardpack_unique_version")]

    def __str__(self) -> str:
        return f"Papers for {self.meeting} (version {self.version})"

    def get_absolute_url(self) -> str:
        return reverse("governance:pack_detail", args=[self.meeting.board.plan.slug, self.pk])


class ReminderLog(models.Model):
    """A reminder sent to a lead, so nobody gets the same one twice in a day."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="+")
    period = models.DateField()
    action = models.ForeignKey(Action, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    sent_on = models.DateField()
    sent_at = models.DateTimeField()
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actions_listed = models.JSONField(default=list)

    def __str__(self) -> str:
        return f"Reminder to {self.user} for {self.period:%B %Y} on {self.sent_on}"

    class Meta:
        ordering = ["-sent_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "plan", "period", "sent_on"],
                condition=models.Q(action__isnull=True),
                name="reminder_once_a_day",
            ),
            models.UniqueConstraint(
                fields=["user", "action", "period", "sent_on"],
                condition=models.Q(action__isnull=False),
                name="reminder_once_a_day_per_action",
            ),
        ]


class FeedToken(models.Model):
    """A read-only token for a plan's data feed, for BI tools. Only its hash is stored."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="feed_tokens")
    name = models.CharField(max_length=100, help_text='Who uses it, e.g. "Power BI performance report".')
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField(max_length=8, help_text="The token's first characters, to recognise it.")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"
