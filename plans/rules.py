"""Who may do what in a plan: every rule, in one module (django-rules).

- A plan manager does everything in their plan.
- A board member reads everything in the plan and changes nothing.
- A lead (someone holding one of an action's roles now) submits and revises that action's updates
  and evidence.
- Anyone not in the plan is told it does not exist (views answer 404).

Checks are made on the server for every request, and templates ask the same rules (`{% has_perm %}`
or `perms`) so that nobody sees a button they cannot use. Access is read once per request and plan.
"""

from dataclasses import dataclass

import rules


@dataclass(frozen=True)
class PlanAccess:
    kind: str | None  # the membership kind, if any
    role_ids: frozenset[int]  # roles in this plan the user holds now

    @property
    def is_plan_manager(self) -> bool:
        return self.kind == "plan_manager"

    @property
    def is_board_member(self) -> bool:
        return self.kind == "board_member"

    @property
    def in_plan(self) -> bool:
        return self.kind is not None or bool(self.role_ids)


NO_ACCESS = PlanAccess(None, frozenset())


def plan_id_of(obj) -> int | None:
    """The plan an object belongs to: a plan, or anything with `plan_id` or an `action`."""
    if obj is None:
        return None
    if obj.__class__.__name__ == "Plan":
        return obj.pk
    if hasattr(obj, "plan_id"):
        return obj.plan_id
    action = getattr(obj, "action", None)
    return action.plan_id if action is not None else None


def plan_access(user, plan_id: int | None) -> PlanAccess:
    if plan_id is None or not user.is_authenticated or not user.is_active:
        return NO_ACCESS
    cache = user.__dict__.setdefault("_plan_access_cache", {})
    if plan_id not in cache:
        from django.db.models import CharField, F, Value
        from django.db.models.functions import Cast

        from .models import Membership, RoleHolder

        # One query: the membership kind and the roles held, as ("m", kind) and ("r", role id) rows.
        memberships = (
            Membership.objects.filter(user=user, plan_id=plan_id)
            .annotate(what=Value("m", output_field=CharField()), value=F("kind"))
            .order_by()
            .values_list("what", "value")
        )
        roles = (
            RoleHolder.objects.filter(user=user, role__plan_id=plan_id, until__isnull=True)
            .annotate(what=Value("r", output_field=CharField()), value=Cast("role_id", CharField()))
            .order_by()
            .values_list("what", "value")
        )
        rows = list(memberships.union(roles, all=True))
        kind = next((value for what, value in rows if what == "m"), None)
        cache[plan_id] = PlanAccess(kind, frozenset(int(value) for what, value in rows if what == "r"))
    access = cache[plan_id]
    # Someone made a plan manager during a session that never passed two-factor sign-in (the middleware
    # marks a request's user with `otp_verified`; code outside a request has no such mark).
    if access.is_plan_manager and getattr(user, "otp_verified", True) is False:
        from .twofactor import TwoFactorRequired

        raise TwoFactorRequired
    return access


def forget_access(user) -> None:
    user.__dict__.pop("_plan_access_cache", None)


def action_role_ids(action) -> set[int]:
    """The action's lead roles, from the prefetch when there is one."""
    attached = action.__dict__.get("_lead_links")
    if attached is not None:
        return {link.role_id for link in attached}
    prefetched = getattr(action, "_prefetched_objects_cache", {})
    if "action_leads" in prefetched:
        return {link.role_id for link in prefetched["action_leads"]}
    cached = action.__dict__.get("_lead_role_ids")
    if cached is None:
        cached = action.__dict__["_lead_role_ids"] = set(action.action_leads.values_list("role_id", flat=True))
    return cached


def _action_of(obj):
    return obj if obj.__class__.__name__ == "Action" else getattr(obj, "action", None)


@rules.predicate
def in_plan(user, obj) -> bool:
    return plan_access(user, plan_id_of(obj)).in_plan


@rules.predicate
def is_plan_manager(user, obj) -> bool:
    return plan_access(user, plan_id_of(obj)).is_plan_manager


@rules.predicate
def is_board_member(user, obj) -> bool:
    return plan_access(user, plan_id_of(obj)).is_board_member


@rules.predicate
def leads_action(user, obj) -> bool:
    action = _action_of(obj)
    if action is None:
        return False
    held = plan_access(user, action.plan_id).role_ids
    return bool(held and held & action_role_ids(action))


@rules.predicate
def leads_any_action(user, obj) -> bool:
    return bool(plan_access(user, plan_id_of(obj)).role_ids)


@rules.predicate
def added_it(user, obj) -> bool:
    return getattr(obj, "added_by_id", None) == user.pk


@rules.predicate
def action_is_working(user, obj) -> bool:
    action = _action_of(obj)
    return action is not None and action.is_working


# Reading: anyone in the plan.
rules.add_perm("plans.access_plan", in_plan)
# The plan itself: its actions' wording and dates, roles and who holds them, members, sign-off.
rules.add_perm("plans.manage_plan", is_plan_manager)
# Monthly updates and evidence on an action.
rules.add_perm("plans.submit_update", (leads_action & action_is_working) | is_plan_manager)
rules.add_perm("plans.withdraw_evidence", (added_it & leads_action) | is_plan_manager)
