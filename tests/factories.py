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
