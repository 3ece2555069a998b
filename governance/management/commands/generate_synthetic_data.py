"""Synthetic plans at scale, for benchmarks: `manage.py generate_synthetic_data --plans 150 …`.

Everything is written with bulk_create (history rows only for the updates, which the action page's
timeline shows), so 150 plans of 50 actions with three years of monthly updates and 30 measures take
minutes, not hours. Deterministic: the same
--seed gives the same plans, words and figures. Running it again first removes every plan whose
slug starts with "synthetic-" (and the synthetic users), then writes the new ones.
"""

import datetime as dt
import hashlib
import random
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.test import override_settings
from django.utils import timezone

from governance.models import (
    ActionUpdate,
    Board,
    BoardPack,
    Evidence,
    Meeting,
    PeriodLock,
    Rag,
    next_period,
)
from governance.packs import build_pack_snapshot, canonical_json
from measures.models import Comparator, ComparatorValue, Frequency, Measure, MeasureValue, Polarity, Unit
from plans.models import Action, ActionLead, Membership, Plan, Recommendation, Role, RoleHolder, Statement
from plans.versioning import bump_plan_version

SLUG_PREFIX = "synthetic-"
USER_PREFIX = "synthetic-"
BATCH = 2000
FIRST_PERIOD = dt.date(2019, 6, 1)
# Packs hold a real snapshot but a placeholder PDF: rendering WeasyPrint for each would take hours.
PLACEHOLDER_PDF = b"%PDF-1.4 synthetic"
PACKS_PER_PLAN = 3
# Only the first plans get packs: a real snapshot takes about half a second each.
PACK_PLANS = 5
RECOMMENDATIONS = 6
ROLES = 15
BOARD_MEMBERS = 6
PLAN_MANAGERS = 2
LIMITS = {"plans": 1000, "actions_per_plan": 500, "months": 120, "measures_per_plan": 200}

THEMES = [
    "Early Help",
    "the front door (MASH)",
    "management oversight",
    "permanence planning",
    "care leavers",
    "child protection planning",
    "the quality of assessments",
    "workforce stability",
    "placement sufficiency",
    "participation of children and young people",
]
ROLE_TITLES = [
    "Director of Children's Services",
    "Director of Operations",
    "Head of Quality Assurance",
    "Head of Early Help",
    "Head of Children in Care",
    "Head of Assessment and Intervention",
    "Principal Social Worker",
    "Head of Workforce Development",
    "Service Manager, MASH",
    "Service Manager, Care Leavers",
    "Head of Performance and Intelligence",
    "Designated Nurse for Safeguarding",
    "Detective Inspector, Public Protection",
    "Head of Commissioning",
    "Independent Reviewing Service Manager",
    "Head of Legal Services",
    "Virtual School Head",
    "Head of Housing Options",
]
ORGANISATIONS = ["Council", "Council", "Council", "NHS trust", "Police", "CCG"]
VERBS = ["Embed", "Review", "Strengthen", "Audit", "Introduce", "Improve", "Refresh", "Monitor"]
OBJECTS = [
    "the quality assurance framework",
    "supervision and management oversight",
    "the threshold document",
    "the permanence tracker",
    "the pathway plan template",
    "return home interviews",
    "the practice standards",
    "multi-agency audits",
    "the sufficiency strategy",
    "the performance dashboard",
]
PROGRESS = [
    "A dip-sample of {n} case files was audited this month.",
    "{p}% of audited cases met the practice standard.",
    "The working group met twice and agreed the next milestones.",
    "Team managers were briefed and {n} practitioners attended training.",
    "The monthly performance clinic reviewed progress against the plan.",
    "Partners agreed the revised approach at the multi-agency meeting.",
    "Data quality improved; {p}% of records are now complete.",
    "Feedback from {n} children and families was gathered and shared.",
]
ISSUES = [
    "vacancies in the team slowed progress",
    "a data migration delayed the reports",
    "partner sign-off took longer than planned",
    "rising demand stretched capacity",
]
NEXT_STEPS = {
    Rag.GREEN: "Continue monthly oversight and report to the next board.",
    Rag.AMBER: "Deliver the recovery plan and report back next month.",
    Rag.RED: "Escalate to the board and agree the extra help needed.",
    Rag.BLUE: "Present the evidence to the board for sign-off.",
}
# Month-to-month status changes: (next status, weight) from each status.
MOVES = {
    Rag.GREEN: ((Rag.GREEN, 82), (Rag.AMBER, 12), (Rag.RED, 1)),
    Rag.AMBER: ((Rag.AMBER, 45), (Rag.GREEN, 40), (Rag.RED, 15)),
    Rag.RED: ((Rag.RED, 40), (Rag.AMBER, 50), (Rag.GREEN, 10)),
}
MEASURE_NAMES = [
    ("Re-referrals within 12 months", Unit.PERCENTAGE, Polarity.LOWER, 22),
    ("Assessments completed within 45 days", Unit.PERCENTAGE, Polarity.HIGHER, 80),
    ("Children seen within 5 working days of a strategy meeting", Unit.PERCENTAGE, Polarity.HIGHER, 85),
    ("Children subject to a child protection plan", Unit.RATE_PER_10000, Polarity.LOWER, 45),
    ("Average days from entering care to adoption", Unit.DAYS, Polarity.LOWER, 426),
    ("Care leavers in education, employment or training", Unit.PERCENTAGE, Polarity.HIGHER, 55),
    ("Agency social workers", Unit.COUNT, Polarity.LOWER, 30),
    ("Case audits rated good or better", Unit.PERCENTAGE, Polarity.HIGHER, 60),
    ("Weeks to complete care proceedings", Unit.WEEKS, Polarity.LOWER, 26),
    ("Practice quality score", Unit.SCORE, Polarity.HIGHER, 7),
]


def add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def month_end(period: dt.date) -> dt.date:
    return next_period(period) - dt.timedelta(days=1)


def drop_synthetic() -> int:
    """Remove every synthetic plan and user, quickly: raw-deleted updates, their history rows and values."""
    ids = list(Plan.objects.filter(slug__startswith=SLUG_PREFIX).values_list("pk", flat=True))
    with override_settings(SIMPLE_HISTORY_ENABLED=False):
        if ids:
            Evidence.objects.filter(action__plan_id__in=ids).delete()
            for queryset in (
                ActionUpdate.history.model.objects.filter(action__plan_id__in=ids),
                ActionUpdate.objects.filter(action__plan_id__in=ids),
                MeasureValue.objects.filter(measure__plan_id__in=ids),
                ComparatorValue.objects.filter(comparator__measure__plan_id__in=ids),
            ):
                queryset._raw_delete(queryset.db)
            BoardPack.objects.filter(meeting__board__plan_id__in=ids).delete()
            Plan.objects.filter(pk__in=ids).delete()
        get_user_model().objects.filter(username__startswith=USER_PREFIX).delete()
    return len(ids)


class Generator:
    def __init__(self, *, plans: int, actions: int, months: int, measures: int, seed: int):
        self.plans, self.actions, self.months, self.measures = plans, actions, months, measures
        self.rng = random.Random(seed)  # noqa: S311 - reproducible made-up data, not security
        self.periods = [add_months(FIRST_PERIOD, i) for i in range(months)]
        self.password = make_password(None)  # unusable: synthetic people never sign in
        self.counts: dict[str, int] = {}

    def count(self, name: str, objects: list) -> list:
        self.counts[name] = self.counts.get(name, 0) + len(objects)
        return objects

    def run(self) -> dict[str, int]:
        for number in range(1, self.plans + 1):
            self.plan(number)
        return self.counts

    def at(self, day: dt.date, hour: int = 10) -> dt.datetime:
        return timezone.make_aware(dt.datetime(day.year, day.month, day.day, hour, self.rng.randint(0, 59)))

    def plan(self, number: int) -> None:
        rng = self.rng
        User = get_user_model()
        plan = Plan.objects.create(
            slug=f"{SLUG_PREFIX}{number}",
            title=f"Synthetic plan {number}",
            organisation=f"Synthetic Borough Council {number}",
            summary="Synthetic data for benchmarks, made by generate_synthetic_data.",
            published_text=f"{FIRST_PERIOD:%B %Y}",
            published=FIRST_PERIOD,
            inspection_type="ILACS",
            extra={"synthetic": True},
        )
        self.count("plans", [plan])
        themes = rng.sample(THEMES, RECOMMENDATIONS)
        recs = Recommendation.objects.bulk_create(
            [
                Recommendation(plan=plan, reference=str(i + 1), text=f"Improve {theme}.", order=i + 1)
                for i, theme in enumerate(themes)
            ]
        )
        titles = rng.sample(ROLE_TITLES, ROLES)
        roles = Role.objects.bulk_create(
            [Role(plan=plan, title=title, organisation=rng.choice(ORGANISATIONS)) for title in titles]
        )
        people = ROLES + BOARD_MEMBERS + PLAN_MANAGERS
        users = User.objects.bulk_create(
            [
                User(
                    username=f"{USER_PREFIX}p{number}-u{i + 1}",
                    first_name=f"Person{i + 1}",
                    last_name=f"Plan{number}",
                    email=f"{USER_PREFIX}p{number}-u{i + 1}@example.org",
                    password=self.password,
                )
                for i in range(people)
            ]
        )
        holders = users[:ROLES]
        board_members = users[ROLES : ROLES + BOARD_MEMBERS]
        managers = users[ROLES + BOARD_MEMBERS :]
        self.count("users", users)
        RoleHolder.objects.bulk_create(
            RoleHolder(role=role, user=user, since=FIRST_PERIOD) for role, user in zip(roles, holders, strict=True)
        )
        Membership.objects.bulk_create(
            [Membership(user=u, plan=plan, kind=Membership.Kind.BOARD_MEMBER) for u in board_members]
            + [Membership(user=u, plan=plan, kind=Membership.Kind.PLAN_MANAGER) for u in managers]
        )
        actions, leads = self.plan_actions(plan, recs, roles)
        holder_of = {role.pk: user for role, user in zip(roles, holders, strict=True)}
        self.plan_updates(actions, leads, holder_of)
        self.plan_measures(plan, recs, roles, actions, managers[0])
        self.plan_board(plan, roles, managers[0])
        bump_plan_version(plan.pk)  # bulk writes send no signals

    def plan_actions(self, plan, recs, roles):
        rng = self.rng
        last = self.periods[-1]
        actions = []
        for i in range(self.actions):
            rec = recs[i * len(recs) // self.actions]
            due = month_end(add_months(FIRST_PERIOD, rng.randint(2, max(3, self.months + 3))))
            due_text = f"{due:%B %Y}"
            actions.append(
                Action(
                    plan=plan,
                    recommendation=rec,
                    reference=f"{rec.reference}.{sum(1 for a in actions if a.recommendation is rec) + 1}",
                    description=f"{rng.choice(VERBS)} {rng.choice(OBJECTS)} for {rec.text[8:-1]}.",
                    due_text=due_text,
                    due_date=due,
                    original_due_text=due_text,
                    original_due_date=due,
                    order=i + 1,
                )
            )
        Action.objects.bulk_create(actions, batch_size=BATCH)
        self.count("actions", actions)
        leads: dict[int, list[Role]] = {}
        links = []
        for action in actions:
            chosen = rng.sample(roles, 1 if rng.random() < 0.6 else 2)
            leads[action.pk] = chosen
            links += [ActionLead(action=action, role=role, order=k) for k, role in enumerate(chosen)]
        ActionLead.objects.bulk_create(links, batch_size=BATCH)
        statements = Statement.objects.bulk_create(
            Statement(
                plan=plan,
                recommendation=rec,
                kind=kind,
                text=f"{label} for recommendation {rec.reference}.",
                order=2 * i + k + 1,
            )
            for i, rec in enumerate(recs)
            for k, (kind, label) in enumerate(
                [(Statement.Kind.OUTCOME, "Children are safer"), (Statement.Kind.MEASURE, "Audits improve")]
            )
        )
        first_of = {}
        for action in actions:
            first_of.setdefault(action.recommendation_id, action)
        Through = Statement.actions.through
        Through.objects.bulk_create(
            Through(statement_id=s.pk, action_id=first_of[s.recommendation_id].pk)
            for s in statements
            if s.recommendation_id in first_of
        )
        self._due = {action.pk: action.due_date for action in actions}
        self._last = last
        return actions, leads

    def plan_updates(self, actions, leads, holder_of) -> None:
        rng = self.rng
        updates, evidence, finished = [], [], []
        for action in actions:
            by = holder_of[leads[action.pk][0].pk]
            status, previous = Rag.GREEN if rng.random() < 0.85 else Rag.AMBER, None
            for period in self.periods:
                if rng.random() < 0.03:  # a month with no update
                    continue
                if previous is not None:
                    near_due = period >= self._due[action.pk].replace(day=1)
                    if status == Rag.GREEN and rng.random() < (0.5 if near_due else 0.01):
                        status = Rag.BLUE
                    else:
                        moves = MOVES[status]
                        status = rng.choices([m[0] for m in moves], [m[1] for m in moves])[0]
                words = {"n": rng.randint(8, 60), "p": rng.randint(40, 95)}
                issue = rng.choice(ISSUES)
                narrative = rng.choice(PROGRESS).format(**words)
                if status in (Rag.AMBER, Rag.RED):
                    narrative += f" {'At risk' if status == Rag.AMBER else 'Off track'}: {issue}."
                day = month_end(period) - dt.timedelta(days=6) + dt.timedelta(days=rng.randint(0, 10))
                update = ActionUpdate(
                    action_id=action.pk,
                    period=period,
                    status=status,
                    narrative=f"(Synthetic data) {narrative}",
                    next_steps=NEXT_STEPS[status],
                    risks=issue[0].upper() + issue[1:] + "." if status in (Rag.AMBER, Rag.RED) else "",
                    reason=f"Status moved from {previous} to {status}." if previous and previous != status else "",
                    submitted_by_id=by.pk,
                    submitted_at=self.at(day, rng.randint(9, 17)),
                    is_demo=True,
                )
                # Its history row, as a lead's submission through the page writes: the action page's
                # timeline is made from these.
                update._history_date, update._history_user = update.submitted_at, by
                updates.append(update)
                if status == Rag.BLUE or rng.random() < 0.15:
                    evidence.append(update)
                previous = status
                if status == Rag.BLUE:
                    finished.append(action.pk)
                    break
        ActionUpdate.objects.bulk_create(updates, batch_size=BATCH)
        ActionUpdate.history.bulk_history_create(updates, batch_size=BATCH)
        self.count("updates", updates)
        links = [
            Evidence(
                action_id=u.action_id,
                update=u,
                period=u.period,
                kind=Evidence.Kind.LINK,
                title=f"{'Completion report' if u.status == Rag.BLUE else 'Audit summary'}, {u.period:%B %Y}",
                evidence_date=u.period + dt.timedelta(days=rng.randint(3, 20)),
                url=f"https://intranet.example.org/synthetic/action-{u.action_id}/{u.period:%Y-%m}",
                added_by_id=u.submitted_by_id,
                added_at=u.submitted_at,
                is_demo=True,
            )
            for u in evidence
        ]
        Evidence.objects.bulk_create(links, batch_size=BATCH)
        self.count("evidence", links)
        Action.objects.filter(pk__in=finished).update(state=Action.State.PROPOSED_COMPLETE)

    def plan_measures(self, plan, recs, roles, actions, manager) -> None:
        rng = self.rng
        measures = []
        for i in range(self.measures):
            name, unit, polarity, target = MEASURE_NAMES[i % len(MEASURE_NAMES)]
            target = Decimal(target)
            measures.append(
                Measure(
                    plan=plan,
                    code=f"SYN-{i + 1:02d}",
                    name=name if i < len(MEASURE_NAMES) else f"{name} ({i // len(MEASURE_NAMES) + 1})",
                    unit=unit,
                    polarity=polarity,
                    frequency=Frequency.MONTHLY,
                    target=target,
                    tolerance=(target * Decimal("0.05")).quantize(Decimal("0.1")),
                    source="Synthetic data",
                    owner=rng.choice(roles),
                )
            )
        Measure.objects.bulk_create(measures, batch_size=BATCH)
        self.count("measures", measures)
        Measure.recommendations.through.objects.bulk_create(
            Measure.recommendations.through(measure_id=m.pk, recommendation_id=recs[i % len(recs)].pk)
            for i, m in enumerate(measures)
        )
        Measure.actions.through.objects.bulk_create(
            Measure.actions.through(measure_id=m.pk, action_id=rng.choice(actions).pk) for m in measures
        )
        values, comparators = [], []
        entered_at = self.at(self.periods[-1])
        for measure in measures:
            target = float(measure.target)
            level = target * rng.uniform(0.7, 1.3)
            for period in self.periods:
                roll = rng.random()
                if roll < 0.05:  # a gap: no figure for the month
                    continue
                level = max(0.0, level + rng.gauss(0, target * 0.04) + (target - level) * 0.05)
                if measure.unit == Unit.PERCENTAGE:
                    level = min(level, 100.0)
                if roll < 0.07:
                    values.append(
                        MeasureValue(
                            measure_id=measure.pk,
                            period=period,
                            suppressed=True,
                            entered_by_id=manager.pk,
                            entered_at=entered_at,
                        )
                    )
                else:
                    value = Decimal(f"{level:.1f}")
                    values.append(
                        MeasureValue(
                            measure_id=measure.pk,
                            period=period,
                            value=value,
                            entered_by_id=manager.pk,
                            entered_at=entered_at,
                        )
                    )
            comparators.append(Comparator(measure=measure, name="England", order=0))
        MeasureValue.objects.bulk_create(values, batch_size=BATCH)
        self.count("measure_values", values)
        Comparator.objects.bulk_create(comparators, batch_size=BATCH)
        years = sorted({p.replace(month=1) for p in self.periods})
        ComparatorValue.objects.bulk_create(
            (
                ComparatorValue(comparator=c, period=year, value=c.measure.target, source="Synthetic data")
                for c in comparators
                for year in years
            ),
            batch_size=BATCH,
        )

    def plan_board(self, plan, roles, manager) -> None:
        board = Board.objects.create(
            plan=plan, name=f"Synthetic improvement board {plan.slug[len(SLUG_PREFIX) :]}", chair_role=roles[0]
        )
        meetings = []
        for period in self.periods:
            date = next_period(period) + dt.timedelta(days=13)
            meetings.append(
                Meeting(
                    board=board,
                    date=date,
                    period=period,
                    cutoff=date - dt.timedelta(days=7),
                    status=Meeting.Status.HELD,
                )
            )
        Meeting.objects.bulk_create(meetings, batch_size=BATCH)
        self.count("meetings", meetings)
        if int(plan.slug[len(SLUG_PREFIX) :]) > PACK_PLANS:
            return
        for meeting in meetings[-PACKS_PER_PLAN:]:
            frozen_at = timezone.make_aware(dt.datetime.combine(meeting.cutoff + dt.timedelta(days=1), dt.time(9)))
            snapshot = build_pack_snapshot(meeting=meeting, by=manager, version=1, at=frozen_at)
            BoardPack.objects.create(
                meeting=meeting,
                version=1,
                snapshot=snapshot,
                snapshot_sha256=hashlib.sha256(canonical_json(snapshot)).hexdigest(),
                pdf=PLACEHOLDER_PDF,
                pdf_sha256=hashlib.sha256(PLACEHOLDER_PDF).hexdigest(),
                frozen_by=manager,
                frozen_at=frozen_at,
            )
            PeriodLock.objects.create(
                plan=plan, period=meeting.period, locked_by=manager, reason="Papers issued (synthetic)"
            )
            self.count("packs", [meeting])


class Command(BaseCommand):
    help = (
        "Write synthetic plans for benchmarks (slugs synthetic-N, titles 'Synthetic plan N', "
        'Plan.extra {"synthetic": true}, updates and evidence marked is_demo), deterministically from --seed. '
        "Replaces any synthetic plans already there. Bulk-written, with history rows for updates only. "
        f"The first {PACK_PLANS} plans' last {PACKS_PER_PLAN} meetings get a frozen pack with a real snapshot "
        f"but a placeholder PDF ({PLACEHOLDER_PDF!r} and its SHA-256), not a WeasyPrint rendering."
    )

    def add_arguments(self, parser):
        parser.add_argument("--plans", type=int, default=15)
        parser.add_argument("--actions-per-plan", type=int, default=50)
        parser.add_argument("--months", type=int, default=36)
        parser.add_argument("--measures-per-plan", type=int, default=30)
        parser.add_argument("--seed", type=int, default=2019)

    def handle(self, *args, **options):
        sizes = {name: options[name] for name in LIMITS}
        for name, value in sizes.items():
            if not 1 <= value <= LIMITS[name]:
                raise CommandError(f"--{name.replace('_', '-')} must be between 1 and {LIMITS[name]} (got {value}).")
        if sizes["actions_per_plan"] < RECOMMENDATIONS:
            raise CommandError(f"--actions-per-plan must be at least {RECOMMENDATIONS}: one per recommendation.")
        started = timezone.now()
        with transaction.atomic():
            dropped = drop_synthetic()
            counts = Generator(
                plans=sizes["plans"],
                actions=sizes["actions_per_plan"],
                months=sizes["months"],
                measures=sizes["measures_per_plan"],
                seed=options["seed"],
            ).run()
        # Fresh statistics for the query planner after a bulk load, as a DBA would after an import:
        # autovacuum may be off or not have run yet, and plans made from empty tables' estimates are poor.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        seconds = (timezone.now() - started).total_seconds()
        summary = ", ".join(f"{value:,} {name}" for name, value in counts.items())
        self.stdout.write(f"Removed {dropped} synthetic plans; wrote {summary} in {seconds:.1f} s.")
