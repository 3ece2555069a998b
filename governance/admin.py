from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import ActionUpdate, Board, Challenge, Decision, Evidence, FeedToken, Meeting, PeriodLock, ReminderLog


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


class MeetingInline(admin.TabularInline):
    model = Meeting
    extra = 0
    fields = ["date", "period", "cutoff", "status"]
    show_change_link = True


@admin.register(Board)
class BoardAdmin(SimpleHistoryAdmin):
    list_display = ["name", "plan", "chair_role", "cadence"]
    list_filter = ["plan"]
    search_fields = ["name", "description"]
    raw_id_fields = ["chair_role"]
    inlines = [MeetingInline]


class DecisionInline(admin.TabularInline):
    model = Decision
    extra = 0
    fields = ["text", "owner_role", "due", "status"]
    raw_id_fields = ["owner_role"]


@admin.register(Meeting)
class MeetingAdmin(SimpleHistoryAdmin):
    list_display = ["board", "date", "period", "cutoff", "status"]
    list_filter = ["status", "board__plan"]
    search_fields = ["minutes", "board__name"]
    list_select_related = ["board"]
    filter_horizontal = ["attendees"]
    inlines = [DecisionInline]


@admin.register(Decision)
class DecisionAdmin(SimpleHistoryAdmin):
    list_display = ["text", "meeting", "owner_role", "due", "status"]
    list_filter = ["status", "meeting__board__plan"]
    search_fields = ["text"]
    raw_id_fields = ["meeting", "owner_role", "actions", "recommendations"]


@admin.register(Challenge)
class ChallengeAdmin(SimpleHistoryAdmin):
    list_display = ["action", "status", "raised_by", "raised_at", "responded_at", "closed_at"]
    list_filter = ["status", "action__plan"]
    search_fields = ["text", "response", "action__reference"]
    list_select_related = ["action", "raised_by"]
    raw_id_fields = ["action", "meeting", "raised_by", "responded_by", "closed_by"]
    readonly_fields = ["version"]


@admin.register(FeedToken)
class FeedTokenAdmin(admin.ModelAdmin):
    """Tokens are made in the app (shown once); here they can be seen and revoked, never read."""

    list_display = ["name", "plan", "prefix", "created_by", "created_at", "revoked_at", "last_used_at"]
    list_filter = ["plan"]
    search_fields = ["name", "prefix"]
    readonly_fields = ["plan", "name", "prefix", "token_hash", "created_by", "created_at", "last_used_at"]

    def has_add_permission(self, request):
        return False


@admin.register(ReminderLog)
class ReminderLogAdmin(admin.ModelAdmin):
    list_display = ["user", "plan", "period", "action", "sent_on", "sent_by"]
    list_filter = ["plan", "period"]
    search_fields = ["user__username", "user__email"]
    readonly_fields = ["user", "plan", "period", "action", "sent_on", "sent_at", "sent_by", "actions_listed"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


from . import admin_packs  # noqa: E402,F401
