from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import ActionUpdate, Evidence, PeriodLock


def _locked(obj) -> bool:
    return obj is not None and PeriodLock.objects.filter(plan_id=obj.action.plan_id, period=obj.period).exists()


class LockAwareAdmin(SimpleHistoryAdmin):
    """Locked periods are read-only here as in the app: no change, no delete."""

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and not _locked(obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not _locked(obj)


@admin.register(ActionUpdate)
class ActionUpdateAdmin(LockAwareAdmin):
    list_display = ["action", "period", "status", "submitted_by", "submitted_at", "is_demo"]
    list_filter = ["status", "period", "is_demo", "action__plan"]
    search_fields = ["action__reference", "narrative", "reason"]
    list_select_related = ["action", "submitted_by"]
    readonly_fields = ["version"]
    raw_id_fields = ["action", "submitted_by"]


@admin.register(Evidence)
class EvidenceAdmin(LockAwareAdmin):
    list_display = ["title", "action", "kind", "period", "evidence_date", "added_by", "withdrawn_at"]
    list_filter = ["kind", "period", "action__plan"]
    search_fields = ["title", "original_name", "url", "action__reference"]
    list_select_related = ["action", "added_by"]
    readonly_fields = ["version", "content_type", "size", "original_name"]
    raw_id_fields = ["action", "update", "added_by", "withdrawn_by"]


@admin.register(PeriodLock)
class PeriodLockAdmin(admin.ModelAdmin):
    list_display = ["plan", "period", "locked_by", "locked_at", "reason"]
    list_filter = ["plan"]
    search_fields = ["reason"]

    def has_delete_permission(self, request, obj=None):
        return False  # unlocking would let frozen papers change

    def has_change_permission(self, request, obj=None):
        return False


from . import admin_packs  # noqa: E402,F401
