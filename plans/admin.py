from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import (
    Action,
    ActionLead,
    Finding,
    Invitation,
    Membership,
    Plan,
    PlanImport,
    Recommendation,
    Role,
    RoleHolder,
    Statement,
)


class FindingInline(admin.TabularInline):
    model = Finding
    extra = 0


class RecommendationInline(admin.TabularInline):
    model = Recommendation
    extra = 0
    fields = ["order", "reference", "text"]
    show_change_link = True


class RoleInline(admin.TabularInline):
    model = Role
    extra = 0
    show_change_link = True


@admin.register(Plan)
class PlanAdmin(SimpleHistoryAdmin):
    list_display = ["title", "organisation", "slug", "inspection_type", "published"]
    list_filter = ["organisation", "inspection_type", "inspection_judgement"]
    search_fields = ["title", "organisation", "slug"]
    prepopulated_fields = {"slug": ["title"]}
    readonly_fields = ["published"]
    inlines = [FindingInline, RecommendationInline, RoleInline]


class ActionInline(admin.TabularInline):
    model = Action
    extra = 0
    fields = ["order", "reference", "description", "due_text"]
    show_change_link = True


class StatementInline(admin.TabularInline):
    model = Statement
    extra = 0
    fields = ["order", "kind", "text"]


@admin.register(Recommendation)
class RecommendationAdmin(SimpleHistoryAdmin):
    list_display = ["reference", "text", "plan", "order"]
    list_filter = ["plan"]
    search_fields = ["reference", "text", "letter_text"]
    list_select_related = ["plan"]
    inlines = [ActionInline, StatementInline]


class ActionLeadInline(admin.TabularInline):
    model = ActionLead
    extra = 0
    autocomplete_fields = ["role"]

    def get_queryset(self, request):
        # Each row's label names its action and role.
        return super().get_queryset(request).select_related("action", "role")


@admin.register(Action)
class ActionAdmin(SimpleHistoryAdmin):
    list_display = ["reference", "description", "plan", "recommendation", "due_text", "due_date", "description_missing"]
    search_fields = ["reference", "description", "due_text", "leads__title"]
    list_select_related = ["plan", "recommendation"]
    readonly_fields = ["due_date", "due_recurrence", "start_date", "original_due_text", "original_due_date", "version"]
    list_filter = ["plan", "state", "description_missing", "due_recurrence"]
    inlines = [ActionLeadInline]

    def save_model(self, request, obj, form, change):
        obj.derive_dates()
        super().save_model(request, obj, form, change)


class RoleHolderInline(admin.TabularInline):
    model = RoleHolder
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Role)
class RoleAdmin(SimpleHistoryAdmin):
    list_display = ["title", "organisation", "plan"]
    list_filter = ["plan", "organisation"]
    search_fields = ["title", "organisation"]
    inlines = [RoleHolderInline]


@admin.register(Statement)
class StatementAdmin(admin.ModelAdmin):
    list_display = ["text", "kind", "recommendation", "plan"]
    list_filter = ["plan", "kind"]
    search_fields = ["text"]
    filter_horizontal = ["actions"]
    list_select_related = ["plan", "recommendation"]


@admin.register(Finding)
class FindingAdmin(admin.ModelAdmin):
    list_display = ["text", "kind", "plan", "order"]
    list_filter = ["plan", "kind"]
    search_fields = ["text"]


@admin.register(RoleHolder)
class RoleHolderAdmin(SimpleHistoryAdmin):
    list_display = ["user", "role", "since", "until"]
    list_filter = ["role__plan"]
    search_fields = ["user__username", "role__title"]
    autocomplete_fields = ["user", "role"]


@admin.register(PlanImport)
class PlanImportAdmin(admin.ModelAdmin):
    list_display = ["filename", "format", "status", "uploaded_by", "uploaded_at"]
    list_filter = ["status", "format"]
    search_fields = ["filename"]
    readonly_fields = [f.name for f in PlanImport._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(Membership)
class MembershipAdmin(SimpleHistoryAdmin):
    list_display = ["user", "plan", "kind", "organisation", "added_at"]
    list_filter = ["plan", "kind"]
    search_fields = ["user__username", "user__email", "organisation"]
    autocomplete_fields = ["user"]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["email", "plan", "kind", "invited_by", "created_at", "expires_at", "accepted_at"]
    list_filter = ["plan", "kind"]
    search_fields = ["email"]
    readonly_fields = ["token_hash", "accepted_at", "accepted_by"]
