import factory
from django.contrib.auth import get_user_model

from plans.models import Action, ActionLead, Plan, Recommendation, Role, Statement


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name", locale="en_GB")
    last_name = factory.Faker("last_name", locale="en_GB")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.django.Password("correct-horse-battery")


class PlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Plan

    slug = factory.Sequence(lambda n: f"plan-{n}")
    title = factory.Sequence(lambda n: f"Improvement plan {n}")
    organisation = "Test Borough Council"


class RecommendationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Recommendation

    plan = factory.SubFactory(PlanFactory)
    reference = factory.Sequence(lambda n: str(n + 1))
    text = factory.Faker("sentence")
    order = factory.Sequence(lambda n: n + 1)


class RoleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Role

    plan = factory.SubFactory(PlanFactory)
    title = factory.Sequence(lambda n: f"Head of Service {n}")
    organisation = "Test Borough Council"


class ActionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Action

    recommendation = factory.SubFactory(RecommendationFactory)
    plan = factory.SelfAttribute("recommendation.plan")
    reference = factory.Sequence(lambda n: f"1.{n + 1}")
    description = factory.Faker("sentence")
    due_text = "December 2019"
    order = factory.Sequence(lambda n: n + 1)

    @factory.post_generation
    def derive(self, create, extracted, **kwargs):
        self.derive_dates()
        if create:
            self.save()


def add_lead(action: Action, role: Role, order: int = 0) -> ActionLead:
    return ActionLead.objects.create(action=action, role=role, order=order)


def add_statement(action: Action, kind: str, text: str, order: int) -> Statement:
    statement = Statement.objects.create(
        plan=action.plan, recommendation=action.recommendation, kind=kind, text=text, order=order
    )
    statement.actions.add(action)
    return statement


def build_plan(slug: str, actions: int, *, recommendations: int = 10, roles: int = 20) -> Plan:
    """A plan of any size, written with bulk_create (for query-count tests at scale)."""
    plan = Plan.objects.create(slug=slug, title=f"Plan {slug}", organisation="Test Borough Council")
    recs = Recommendation.objects.bulk_create(
        Recommendation(plan=plan, reference=str(i + 1), text=f"Recommendation {i + 1}", order=i + 1)
        for i in range(recommendations)
    )
    role_objects = Role.objects.bulk_create(
        Role(plan=plan, title=f"Head of Service {i + 1}", organisation=["Council", "NHS trust", "CCG"][i % 3])
        for i in range(roles)
    )
    per_rec = max(1, actions // recommendations)
    action_objects = Action.objects.bulk_create(
        Action(
            plan=plan,
            recommendation=recs[min(i // per_rec, recommendations - 1)],
            reference=f"{min(i // per_rec, recommendations - 1) + 1}.{i % per_rec + 1}",
            description=f"Action number {i + 1} of the plan",
            due_text="December 2019",
            due_date="2019-12-31",
            order=i + 1,
        )
        for i in range(actions)
    )
    ActionLead.objects.bulk_create(
        ActionLead(action=action, role=role_objects[(i + k) % roles], order=k)
        for i, action in enumerate(action_objects)
        for k in range(2)
    )
    statements = Statement.objects.bulk_create(
        Statement(
            plan=plan,
            recommendation=action.recommendation,
            kind=Statement.Kind.OUTCOME if k == 0 else Statement.Kind.MEASURE,
            text=f"Statement {k} of action {i + 1}",
            order=2 * i + k + 1,
        )
        for i, action in enumerate(action_objects)
        for k in range(2)
    )
    Through = Statement.actions.through
    Through.objects.bulk_create(
        Through(statement_id=statement.pk, action_id=action_objects[(statement.order - 1) // 2].pk)
        for statement in statements
    )
    return plan


def drop_plans(plans) -> None:
    """Remove test plans built at scale, quickly: bulk-deleted updates and no history for the deletion."""
    from django.test import override_settings

    from governance.models import ActionUpdate, Evidence

    ids = [plan.pk for plan in plans]
    with override_settings(SIMPLE_HISTORY_ENABLED=False):
        Evidence.objects.filter(action__plan_id__in=ids).delete()
        updates = ActionUpdate.objects.filter(action__plan_id__in=ids)
        updates._raw_delete(updates.db)
        Plan.objects.filter(pk__in=ids).delete()
