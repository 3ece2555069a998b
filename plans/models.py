"""What a council promised: the plan, its recommendations, actions, leads and statements.

General enough for any council's plan: references are free text and not unique for actions,
"by when" is kept as written beside the date derived from it, and whatever a source has that
these fields lack is kept in `extra`.
"""

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Count, Prefetch, Q
from simple_history.models import HistoricalRecords

from .dates import read_when
from .links import cached_reverse


class PlanQuerySet(models.QuerySet):
    def with_counts(self):
        return self.annotate(
            action_count=Count("actions", distinct=True),
            recommendation_count=Count("recommendations", distinct=True),
        )


class PlanManager(models.Manager.from_queryset(PlanQuerySet)):
    def get_by_natural_key(self, slug):
        return self.get(slug=slug)


class Plan(models.Model):
    slug = models.SlugField(max_length=100, unique=True)
    title = models.CharField(max_length=300)
    organisation = models.CharField(max_length=200)
    summary = models.TextField(blank=True)
    governance = models.TextField(blank=True, help_text="How delivery of the plan is overseen.")
    published_text = models.CharField("published (as written)", max_length=100, blank=True, help_text='e.g. "May 2019"')
    published = models.DateField(null=True, blank=True, help_text="Derived from the words.")
    inspection_type = models.CharField(max_length=100, blank=True, help_text='e.g. "ILACS"')
    inspection_start = models.DateField(null=True, blank=True)
    inspection_end = models.DateField(null=True, blank=True)
    inspection_judgement = models.CharField(max_length=200, blank=True)
    report_published = models.DateField("inspection report published", null=True, blank=True)
    source = models.TextField(blank=True, help_text="Where the plan's text came from.")
    extra = models.JSONField(default=dict, blank=True, help_text="What the source had beyond these fields.")

    objects = PlanManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["title", "id"]

    def __str__(self) -> str:
        return self.title

    def natural_key(self):
        return (self.slug,)

    def get_absolute_url(self) -> str:
        return cached_reverse("plans:plan_detail", self.slug)

    def clean(self):
        self.published = read_when(self.published_text, month_end=False).date


def new_data_token() -> str:
    return uuid.uuid4().hex


class PlanDataVersion(models.Model):
    """A token that changes whenever anything shown about the plan changes (`plans/versioning.py`).

    Caches of a plan's computed pages are keyed by it, so a write makes them unreachable at once.
    It is a row of its own, not a field of Plan, so that saving a Plan read earlier cannot put an
    old token back. The token is random rather than a counter, so it never repeats after a restore,
    a flush or a rolled-back transaction.
    """

    plan = models.OneToOneField(Plan, on_delete=models.CASCADE, primary_key=True, related_name="data_version")
    token = models.CharField(max_length=32, default=new_data_token)

    def __str__(self) -> str:
        return f"{self.plan_id}:{self.token}"


class FindingManager(models.Manager):
    def get_by_natural_key(self, plan_slug, order):
        return self.get(plan__slug=plan_slug, order=order)


class Finding(models.Model):
    class Kind(models.TextChoices):
        STRENGTH = "strength", "Strength"
        AREA_FOR_IMPROVEMENT = "area_for_improvement", "Area for improvement"

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="findings")
    kind = models.CharField(max_length=30, choices=Kind.choices)
    text = models.TextField()
    order = models.PositiveIntegerField()

    objects = FindingManager()

    class Meta:
        ordering = ["plan", "order"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "order"], name="finding_unique_order"),
        ]

    def __str__(self) -> str:
        return self.text

    def natural_key(self):
        return (*self.plan.natural_key(), self.order)

    natural_key.dependencies = ["plans.plan"]


class RecommendationManager(models.Manager):
    def get_by_natural_key(self, plan_slug, reference):
        return self.get(plan__slug=plan_slug, reference=reference)


class Recommendation(models.Model):
    """A recommendation, theme or area for improvement that groups actions."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="recommendations")
    reference = models.CharField(max_length=100, help_text='Free text: "1", "Area 3", "17. (57, 138)".')
    text = models.TextField()
    letter_text = models.TextField(blank=True, help_text="The inspection letter's own wording, where it differs.")
    order = models.PositiveIntegerField()
    extra = models.JSONField(default=dict, blank=True)

    objects = RecommendationManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["plan", "order"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "reference"], name="recommendation_unique_reference"),
            models.UniqueConstraint(fields=["plan", "order"], name="recommendation_unique_order"),
        ]

    def __str__(self) -> str:
        return f"{self.reference}. {self.text}"

    def natural_key(self):
        return (*self.plan.natural_key(), self.reference)

    natural_key.dependencies = ["plans.plan"]

    def get_absolute_url(self) -> str:
        # Shown with its monitoring (actions' status beside measures'), so governance serves it.
        return cached_reverse("governance:recommendation_detail", self.plan.slug, self.pk)


class RoleManager(models.Manager):
    def get_by_natural_key(self, plan_slug, title, organisation):
        return self.get(plan__slug=plan_slug, title=title, organisation=organisation)


class Role(models.Model):
    """A lead as a plan names it: usually a job title, sometimes a person or a partner body."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="roles")
    title = models.CharField(max_length=300)
    organisation = models.CharField(max_length=200, blank=True)

    objects = RoleManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["plan", "title", "organisation"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "title", "organisation"], name="role_unique_title"),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.organisation})" if self.organisation else self.title

    def natural_key(self):
        return (*self.plan.natural_key(), self.title, self.organisation)

    natural_key.dependencies = ["plans.plan"]


class ActionQuerySet(models.QuerySet):
    def for_plan(self, plan):
        return self.filter(plan=plan)

    def due_before(self, date):
        return self.filter(due_date__lte=date)

    def due_after(self, date):
        return self.filter(due_date__gte=date)

    def led_by(self, role):
        return self.filter(leads=role)

    def working(self):
        """Actions still being delivered: not closed, withdrawn or superseded."""
        return self.filter(state__in=[Action.State.OPEN, Action.State.PROPOSED_COMPLETE])

    def held_by(self, user):
        """Actions whose roles the user holds now."""
        return self.filter(leads__holders__user=user, leads__holders__until__isnull=True).distinct()

    def with_leads(self):
        return self.prefetch_related(
            Prefetch("action_leads", queryset=ActionLead.objects.select_related("role").order_by("order"))
        )

    def search(self, text):
        return self.filter(Q(description__icontains=text) | Q(reference__icontains=text) | Q(due_text__icontains=text))


class ActionManager(models.Manager.from_queryset(ActionQuerySet)):
    def get_by_natural_key(self, plan_slug, order):
        return self.get(plan__slug=plan_slug, order=order)


class Action(models.Model):
    class State(models.TextChoices):
        OPEN = "open", "Open"
        PROPOSED_COMPLETE = "proposed_complete", "Proposed complete"
        CLOSED = "closed", "Closed"
        WITHDRAWN = "withdrawn", "Withdrawn"
        SUPERSEDED = "superseded", "Superseded"

    class Recurrence(models.TextChoices):
        NONE = "", "Does not recur"
        WEEKLY = "weekly", "Weekly"
        FORTNIGHTLY = "fortnightly", "Fortnightly"
        MONTHLY = "monthly", "Monthly"
        BIMONTHLY = "bimonthly", "Every two months"
        QUARTERLY = "quarterly", "Quarterly"
        SIX_MONTHLY = "six_monthly", "Six-monthly"
        ANNUALLY = "annually", "Annually"

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="actions")
    recommendation = models.ForeignKey(Recommendation, on_delete=models.CASCADE, related_name="actions")
    reference = models.CharField(max_length=100, help_text='Free text and not unique: "1.1", "4.1.7", "2.1 (A)".')
    description = models.TextField(blank=True)
    description_missing = models.BooleanField(
        "description missing in the source",
        default=False,
        help_text="The source gives no description; none is invented.",
    )
    leads = models.ManyToManyField(Role, through="ActionLead", related_name="actions", blank=True)
    start_text = models.CharField("start (as written)", max_length=100, blank=True)
    start_date = models.DateField(null=True, blank=True, help_text="Derived from the words.")
    due_text = models.CharField("by when (as written)", max_length=100, blank=True)
    due_date = models.DateField(null=True, blank=True, help_text="Derived from the words: a month means its last day.")
    due_recurrence = models.CharField(max_length=20, choices=Recurrence.choices, blank=True, default=Recurrence.NONE)
    order = models.PositiveIntegerField(help_text="Position in the plan.")
    extra = models.JSONField(default=dict, blank=True)
    # What the plan first said, so a moved deadline shows as slipped.
    original_due_text = models.CharField("original by when", max_length=100, blank=True)
    original_due_date = models.DateField(null=True, blank=True)
    state = models.CharField(max_length=20, choices=State.choices, default=State.OPEN)
    state_reason = models.TextField(blank=True, help_text="Why it was withdrawn or superseded.")
    superseded_by = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="supersedes"
    )
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    closure_authority = models.CharField(
        max_length=300, blank=True, help_text='On whose authority, e.g. "agreed at the board of 14 May 2020".'
    )
    version = models.PositiveIntegerField(default=1, help_text="Bumped by every edit, to refuse lost updates.")

    objects = ActionManager()
    history = HistoricalRecords(excluded_fields=["version"])

    class Meta:
        ordering = ["plan", "order"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "order"], name="action_unique_order"),
        ]
        indexes = [models.Index(fields=["plan", "due_date"])]

    def __str__(self) -> str:
        return f"{self.reference} {self.description[:80]}".strip()

    def natural_key(self):
        return (*self.plan.natural_key(), self.order)

    natural_key.dependencies = ["plans.plan", "plans.recommendation", "plans.role"]

    def get_absolute_url(self) -> str:
        # The action page shows the plan's words with their monitoring, so governance serves it.
        return cached_reverse("governance:action_detail", self.plan.slug, self.pk)

    def derive_dates(self) -> None:
        due = read_when(self.due_text)
        self.due_date, self.due_recurrence = due.date, due.recurrence
        self.start_date = read_when(self.start_text, month_end=False).date

    def keep_original_due(self) -> None:
        self.original_due_text, self.original_due_date = self.due_text, self.due_date

    @property
    def is_working(self) -> bool:
        return self.state in (self.State.OPEN, self.State.PROPOSED_COMPLETE)

    @property
    def is_complete(self) -> bool:
        return self.state in (self.State.PROPOSED_COMPLETE, self.State.CLOSED)

    @property
    def has_slipped(self) -> bool:
        """The due date was moved later than the plan first said."""
        return bool(self.due_date and self.original_due_date and self.due_date > self.original_due_date)

    def clean(self):
        self.derive_dates()

    def lead_links(self) -> list["ActionLead"]:
        """The action's lead links (with their roles) in the plan's order: those `attach_leads` loaded, else
        the prefetch from `with_leads`, else a query."""
        attached = self.__dict__.get("_lead_links")
        return attached if attached is not None else list(self.action_leads.all())

    def lead_roles(self) -> list[Role]:
        """Leads in the order the plan writes them (see `lead_links`)."""
        return [link.role for link in self.lead_links()]


def share_loaded(objects, name: str, value) -> None:
    """`obj.<name> = value` for each of `objects` whose foreign key `name` already points at `value` (loaded
    once, e.g. the plan of a plan's actions): the related object is cached without the descriptor's checks,
    which it would pass (same id, same database), and which cost a dashboard a third of a millisecond.
    Any other object is set through the descriptor as usual."""
    fields = {}
    for obj in objects:
        field = fields.get(obj.__class__) or fields.setdefault(obj.__class__, obj._meta.get_field(name))
        if getattr(obj, field.attname) == value.pk and obj._state.db == value._state.db:
            obj._state.fields_cache[field.cache_name] = value
        else:
            setattr(obj, name, value)


def attach_leads(actions, *, rows=None) -> None:
    """Load the lead links (with their roles) of many actions in one query, for `Action.lead_links`.

    The same rows as `with_leads()`, grouped here: `prefetch_related` makes a queryset for every action,
    which cost a dashboard of 50 actions about 5 ms. `rows`: links already loaded (with their roles, in
    order), of these actions and perhaps others."""
    links: dict[int, list] = {action.pk: [] for action in actions}
    if links:
        if rows is None:
            rows = ActionLead.objects.filter(action_id__in=links).select_related("role").order_by("action_id", "order")
        for link in rows:
            if link.action_id in links:
                links[link.action_id].append(link)
    for action in actions:
        action.__dict__["_lead_links"] = links[action.pk]


class ActionLeadManager(models.Manager):
    def get_by_natural_key(self, plan_slug, action_order, order):
        return self.get(action__plan__slug=plan_slug, action__order=action_order, order=order)


class ActionLead(models.Model):
    """An action's lead, kept in the order the plan lists them."""

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="action_leads")
    role = models.ForeignKey(Role, on_delete=models.CASCADE, related_name="action_leads")
    order = models.PositiveIntegerField(default=0)

    objects = ActionLeadManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["action", "order"]
        constraints = [
            models.UniqueConstraint(fields=["action", "role"], name="actionlead_unique_role"),
            models.UniqueConstraint(fields=["action", "order"], name="actionlead_unique_order"),
        ]

    def __str__(self) -> str:
        return f"{self.action.reference}: {self.role}"

    def clean(self):
        # A lead is one of the plan's roles: pages read an action's leads through its plan's roles.
        if self.action_id and self.role_id and self.role.plan_id != self.action.plan_id:
            raise ValidationError({"role": "Choose a role of this action's plan."})

    def natural_key(self):
        return (*self.action.natural_key(), self.order)

    natural_key.dependencies = ["plans.action", "plans.role"]


class StatementManager(models.Manager):
    def get_by_natural_key(self, plan_slug, order):
        return self.get(plan__slug=plan_slug, order=order)


class Statement(models.Model):
    """An outcome (success criterion) or key measure sentence of a recommendation.

    It belongs to its recommendation and is linked to the action(s) on whose rows it stands.
    """

    class Kind(models.TextChoices):
        OUTCOME = "outcome", "Outcome"
        MEASURE = "measure", "Key measure"

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="statements")
    recommendation = models.ForeignKey(Recommendation, on_delete=models.CASCADE, related_name="statements")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    text = models.TextField()
    actions = models.ManyToManyField(Action, related_name="statements", blank=True)
    order = models.PositiveIntegerField()

    objects = StatementManager()

    class Meta:
        ordering = ["plan", "order"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "order"], name="statement_unique_order"),
        ]

    def __str__(self) -> str:
        return self.text

    def natural_key(self):
        return (*self.plan.natural_key(), self.order)

    natural_key.dependencies = ["plans.plan", "plans.recommendation", "plans.action"]


class PlanImport(models.Model):
    """An upload waiting for confirmation: its parsed plan, warnings and errors."""

    class Status(models.TextChoices):
        PREVIEWED = "previewed", "Waiting for confirmation"
        IMPORTED = "imported", "Imported"
        CANCELLED = "cancelled", "Cancelled"

    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)
    filename = models.CharField(max_length=255)
    format = models.CharField(max_length=10)
    replace = models.BooleanField(default=False)
    data = models.JSONField(null=True, blank=True)
    warnings = models.JSONField(default=list, blank=True)
    errors = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PREVIEWED)
    plan = models.ForeignKey(Plan, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-uploaded_at"]

    def __str__(self) -> str:
        return f"{self.filename} ({self.get_status_display()})"


class RoleHolder(models.Model):
    """A person who holds a role in a plan, from one date until (optionally) another.

    Past holders are kept, so who led an action at any time can be told.
    """

    role = models.ForeignKey(Role, on_delete=models.CASCADE, related_name="holders")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="held_roles")
    since = models.DateField(null=True, blank=True)
    until = models.DateField(null=True, blank=True, help_text="Empty while the role is held.")

    history = HistoricalRecords()

    class Meta:
        ordering = ["role", "since"]
        constraints = [
            models.CheckConstraint(
                condition=Q(until__isnull=True) | Q(since__isnull=True) | Q(until__gte=models.F("since")),
                name="roleholder_until_after_since",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} holds {self.role}"


class Membership(models.Model):
    """Who is part of a plan, and as what. Leads are part of it by holding its roles."""

    class Kind(models.TextChoices):
        BOARD_MEMBER = "board_member", "Board member"
        PLAN_MANAGER = "plan_manager", "Plan manager"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="memberships")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    organisation = models.CharField(max_length=200, blank=True, help_text="The organisation they represent.")
    added_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["plan", "kind", "user__last_name"]
        constraints = [models.UniqueConstraint(fields=["user", "plan"], name="membership_unique_user_plan")]

    def __str__(self) -> str:
        return f"{self.user} – {self.get_kind_display()} of {self.plan}"


class Invitation(models.Model):
    """A one-time link, sent by email, to join a plan and set a password."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()
    first_name = models.CharField(max_length=150, blank=True)
    last_name = models.CharField(max_length=150, blank=True)
    kind = models.CharField(
        max_length=20, choices=Membership.Kind.choices, blank=True, help_text="Empty: a lead through roles only."
    )
    roles = models.ManyToManyField(Role, blank=True, related_name="+")
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Invitation for {self.email} to {self.plan}"
