"""The audit log: who did what to which plan object, when and from where (beside the model history).

`plans`, `measures` and `governance` call `audit.record(...)`; this app imports none of them.
"""

from .kinds import Kind
from .services import record

__all__ = ["Kind", "record"]
