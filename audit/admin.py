from django.contrib import admin

from .models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only, for superusers: the log is append-only, so nothing here adds, edits or deletes."""

    list_display = ["at", "kind", "username", "ip", "plan_slug", "object_type", "object_repr", "old", "new"]
    list_filter = ["kind", "at"]
    search_fields = ["username", "object_repr", "old", "new", "plan_slug", "ip"]
    date_hierarchy = "at"
    list_select_related = False
    readonly_fields = [field.name for field in AuditEvent._meta.fields]
    actions = None

    def has_module_permission(self, request) -> bool:
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.is_active and request.user.is_superuser

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
