"""Who may do what with measures (django-rules; autodiscovered).

- Everyone in the plan reads its measures (`plans.access_plan`).
- A measure's owner (someone holding its owner role now) and plan managers enter its values and
  comparator figures; either may import values (an owner only for the measures they own).
- Plan managers change a measure's target, tolerance, baseline and owner.
"""

import rules

from plans.rules import is_plan_manager, plan_access, plan_id_of


@rules.predicate
def owns_measure(user, measure) -> bool:
    if measure is None or measure.__class__.__name__ != "Measure" or measure.owner_id is None:
        return False
    return measure.owner_id in plan_access(user, measure.plan_id).role_ids


@rules.predicate
def owns_a_measure(user, obj) -> bool:
    """Holds the owner role of at least one of the plan's measures (read once per request and plan)."""
    plan_id = plan_id_of(obj)
    held = plan_access(user, plan_id).role_ids
    if not held:
        return False
    cache = user.__dict__.setdefault("_owned_measures_cache", {})
    if plan_id not in cache:
        from .models import Measure

        cache[plan_id] = Measure.objects.filter(plan_id=plan_id, owner_id__in=held).exists()
    return cache[plan_id]


rules.add_perm("measures.enter_value", owns_measure | is_plan_manager)
rules.add_perm("measures.import_values", owns_a_measure | is_plan_manager)
rules.add_perm("measures.edit_measure", is_plan_manager)
