from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Comparator, ComparatorValue, Measure, MeasureValue, ValueImport


class MeasureValueInline(admin.TabularInline):
    model = MeasureValue
    extra = 0
    fields = ["period", "value", "numerator", "denominator", "suppressed", "note", "entered_by", "entered_at"]
    readonly_fields = ["entered_by", "entered_at"]
    ordering = ["-period"]


class ComparatorInline(admin.TabularInline):
    model = Comparator
    extra = 0
    fields = ["order", "name"]
    show_change_link = True


@admin.register(Measure)
class MeasureAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name", "plan", "unit", "polarity", "frequency", "target", "owner"]
    list_filter = ["plan", "unit", "polarity", "frequency"]
    search_fields = ["code", "name", "definition"]
    list_select_related = ["plan", "owner"]
    filter_horizontal = ["recommendations", "actions", "statements"]
    inlines = [ComparatorInline, MeasureValueInline]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "owner":
            kwargs["queryset"] = db_field.related_model.objects.select_related("plan")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(MeasureValue)
class MeasureValueAdmin(SimpleHistoryAdmin):
    list_display = ["measure", "period", "value", "numerator", "denominator", "suppressed", "entered_by", "entered_at"]
    list_filter = ["measure__plan", "suppressed"]
    search_fields = ["measure__code", "measure__name", "note"]
    list_select_related = ["measure", "entered_by"]
    date_hierarchy = "period"


class ComparatorValueInline(admin.TabularInline):
    model = ComparatorValue
    extra = 0
    fields = ["period", "period_kind", "value", "source"]


@admin.register(Comparator)
class ComparatorAdmin(SimpleHistoryAdmin):
    list_display = ["name", "measure", "order"]
    search_fields = ["name", "measure__code"]
    list_select_related = ["measure"]
    inlines = [ComparatorValueInline]


@admin.register(ValueImport)
class ValueImportAdmin(admin.ModelAdmin):
    list_display = ["filename", "plan", "uploaded_by", "uploaded_at", "state", "written"]
    list_filter = ["state"]
    readonly_fields = [
        "plan",
        "uploaded_by",
        "uploaded_at",
        "filename",
        "format",
        "rows",
        "warnings",
        "errors",
        "written",
    ]
