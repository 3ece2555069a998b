from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from plans.compiled import CompiledQuery
from plans.models import Plan
from plans.permissions import get_plan_for

from . import charts, services
from . import status as st
from .forms import ComparatorValueForm, ConfirmImportForm, MeasureForm, UploadForm, ValueForm
from .models import Measure, ValueImport, read_latest
from .queries import measure_summary, one_measure_series, recommendation_links

# A measure of a plan with its owner, on every measure page: compiled once per process (plans/compiled.py).
_MEASURE = CompiledQuery(
    lambda plan_id, pk: Measure.objects.select_related("owner").filter(plan_id=plan_id, pk=pk),
    plan_id=(-801, -802),
    pk=(-803, -804),
)


def _measure_for(request: HttpRequest, slug: str, pk: int, perm: str = "plans.access_plan") -> Measure:
    """The measure, for someone in its plan (404 otherwise) whose part allows `perm` (403 otherwise)."""
    plan = get_plan_for(request, slug)
    found = _MEASURE(plan_id=plan.pk, pk=pk)
    measure = found[0] if found else get_object_or_404(Measure.objects.select_related("owner"), plan=plan, pk=pk)
    measure.plan = plan
    if perm != "plans.access_plan" and not request.user.has_perm(perm, measure):
        raise PermissionDenied
    return measure


def _crumbs(plan: Plan, *more) -> list:
    return [
        (plan.title, plan.get_absolute_url()),
        ("Measures", reverse("measures:measure_list", args=[plan.slug])),
        *more,
    ]


def _add_errors(form, error: ValidationError) -> None:
    """Put a model's or a service's validation errors on the form's fields (or the form)."""
    if hasattr(error, "error_dict"):
        for name, messages_ in error.message_dict.items():
            for message in messages_:
                form.add_error(name if name in form.fields else None, message)
    else:
        for message in error.messages:
            form.add_error(None, message)


@require_GET
def measure_list(request: HttpRequest, slug: str) -> HttpResponse:
    plan = get_plan_for(request, slug)
    measures = read_latest(list(plan.measures.with_latest().select_related("owner").order_by("code")))
    summaries = {m.pk: measure_summary(m, plan_slug=plan.slug) | {"owner": m.owner} for m in measures}
    links = recommendation_links(plan)
    groups = []
    for recommendation in plan.recommendations.order_by("order"):
        rows = [summaries[m.pk] for m in measures if recommendation.pk in links.get(m.pk, ())]
        if rows:
            groups.append({"recommendation": recommendation, "measures": rows})
    unlinked = [summaries[m.pk] for m in measures if not links.get(m.pk)]
    if unlinked:
        groups.append({"recommendation": None, "measures": unlinked})
    totals = dict.fromkeys((st.GREEN, st.AMBER, st.RED, None), 0)
    for summary in summaries.values():
        totals[summary["status"]] += 1
    return render(
        request,
        "measures/measure_list.html",
        {
            "plan": plan,
            "nav": "measures",
            "groups": groups,
            "measure_count": len(measures),
            "totals": [
                ("Green", totals[st.GREEN], st.STATUS_TAGS[st.GREEN]),
                ("Amber", totals[st.AMBER], st.STATUS_TAGS[st.AMBER]),
                ("Red", totals[st.RED], st.STATUS_TAGS[st.RED]),
                ("No status (no target or no value yet)", totals[None], "govuk-tag--grey"),
            ],
            "can_import": request.user.has_perm("measures.import_values", plan),
            "crumbs": [(plan.title, plan.get_absolute_url()), ("Measures", None)],
        },
    )


def _latest_two(values: list) -> tuple:
    """The latest figure and the one before it, skipping gaps and suppressed periods."""
    figures = [item for item in values if item.value is not None and not item.suppressed]
    latest = figures[-1] if figures else None
    previous = figures[-2] if len(figures) > 1 else None
    return latest, previous


@require_GET
def measure_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    measure = _measure_for(request, slug, pk)
    plan = measure.plan
    values, comparators = one_measure_series(measure)
    latest, previous = _latest_two(values)
    measure.latest_value = latest.value if latest else None
    measure.latest_period = latest.period if latest else None
    measure.previous_value = previous.value if previous else None
    measure.previous_period = previous.period if previous else None
    return render(
        request,
        "measures/measure_detail.html",
        {
            "plan": plan,
            "nav": "measures",
            "measure": measure,
            "summary": measure_summary(measure, plan_slug=plan.slug),
            "chart": charts.measure_chart(measure, values, comparators),
            "values": values,
            "comparators": comparators,
            "statements": list(measure.statements.order_by("order")),
            "actions": list(measure.actions.order_by("order")),
            "recommendations": list(measure.recommendations.order_by("order")),
            "can_enter": request.user.has_perm("measures.enter_value", measure),
            "can_edit": request.user.has_perm("measures.edit_measure", measure),
            "crumbs": _crumbs(plan, (measure.code, None)),
        },
    )


@require_http_methods(["GET", "POST"])
def value_create(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    measure = _measure_for(request, slug, pk, "measures.enter_value")
    existing = None
    initial = {}
    if request.method == "GET" and request.GET.get("period"):
        try:
            period = st.parse_period(request.GET["period"], kind=measure.frequency)
        except st.PeriodError:
            period = None
        if period is not None:
            initial["period"] = period.code
            existing = measure.values.filter(period=period.start).first()
            if existing is not None:
                existing.measure = measure
                initial |= {
                    "value": "" if existing.numerator is not None else st.format_number(existing.value, places=4),
                    "numerator": existing.numerator_display,
                    "denominator": existing.denominator_display,
                    "suppressed": existing.suppressed,
                    "note": existing.note,
                }
    form = ValueForm(request.POST or None, measure=measure, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            item = services.measure_value_record(
                measure=measure,
                period=data["period"].start,
                value=data["value"],
                numerator=data["numerator"],
                denominator=data["denominator"],
                suppressed=data["suppressed"],
                note=data["note"],
                by=request.user,
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, f"{measure.code} for {item.period_label}: {item.display} saved.")
            return redirect(measure)
    return render(
        request,
        "measures/value_form.html",
        {
            "plan": measure.plan,
            "nav": "measures",
            "measure": measure,
            "form": form,
            "existing": existing,
            "crumbs": _crumbs(measure.plan, (measure.code, measure.get_absolute_url()), ("Enter a value", None)),
        },
    )


@require_http_methods(["GET", "POST"])
def comparator_value_create(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    measure = _measure_for(request, slug, pk, "measures.enter_value")
    form = ComparatorValueForm(request.POST or None, measure=measure)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            item = services.comparator_value_record(
                measure=measure,
                name=data["name"],
                period=data["period"],
                value=data["value"],
                source=data["source"],
                by=request.user,
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, f"{item.comparator.name} for {item.period_label} saved.")
            return redirect(measure)
    return render(
        request,
        "measures/comparator_form.html",
        {
            "plan": measure.plan,
            "nav": "measures",
            "measure": measure,
            "form": form,
            "crumbs": _crumbs(
                measure.plan, (measure.code, measure.get_absolute_url()), ("Add a comparator figure", None)
            ),
        },
    )


@require_http_methods(["GET", "POST"])
def measure_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    measure = _measure_for(request, slug, pk, "measures.edit_measure")
    form = MeasureForm(request.POST or None, measure=measure)
    if request.method == "POST" and form.is_valid():
        try:
            services.measure_update(
                measure=measure,
                by=request.user,
                **{name: form.cleaned_data[name] for name in services.MEASURE_EDITABLE},
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, f"{measure.code} saved.")
            return redirect(measure)
    return render(
        request,
        "measures/measure_form.html",
        {
            "plan": measure.plan,
            "nav": "measures",
            "measure": measure,
            "form": form,
            "crumbs": _crumbs(measure.plan, (measure.code, measure.get_absolute_url()), ("Edit", None)),
        },
    )


@require_http_methods(["GET", "POST"])
def value_import(request: HttpRequest, slug: str) -> HttpResponse:
    plan = get_plan_for(request, slug, "measures.import_values")
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        preview = services.measure_value_import_preview(
            plan=plan,
            content=upload.read(),
            filename=upload.name,
            fmt=services.guess_format(upload.name),
            by=request.user,
        )
        return redirect("measures:value_import_preview", slug=plan.slug, pk=preview.pk)
    return render(
        request,
        "measures/import_upload.html",
        {
            "plan": plan,
            "nav": "measures",
            "form": form,
            "columns": services.IMPORT_COLUMNS,
            "measures": list(plan.measures.select_related("owner").order_by("code")),
            "crumbs": _crumbs(plan, ("Import values", None)),
        },
    )


@require_http_methods(["GET", "POST"])
def value_import_preview(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    plan = get_plan_for(request, slug, "measures.import_values")
    preview = get_object_or_404(ValueImport, pk=pk, plan=plan, uploaded_by=request.user)
    problems: list[str] = []
    if request.method == "POST":
        form = ConfirmImportForm(request.POST)
        if form.is_valid() and preview.state == ValueImport.State.PREVIEWED:
            if form.cleaned_data["decision"] == "cancel":
                services.measure_value_import_cancel(preview=preview)
                messages.info(request, f"The import of {preview.filename} was cancelled; nothing was saved.")
                return redirect("measures:value_import", slug=plan.slug)
            try:
                written = services.measure_value_import_confirm(preview=preview, by=request.user)
            except ValidationError as error:
                problems = error.messages
            else:
                messages.success(
                    request, f"Imported {preview.filename}: {written} value{'s' if written != 1 else ''} saved."
                )
                return redirect("measures:measure_list", slug=plan.slug)
    rows = preview.rows
    return render(
        request,
        "measures/import_preview.html",
        {
            "plan": plan,
            "nav": "measures",
            "preview": preview,
            "problems": problems,
            "rows": rows,
            "counts": {action: sum(1 for r in rows if r["action"] == action) for action in ("add", "change", "same")},
            "crumbs": _crumbs(
                plan, ("Import values", reverse("measures:value_import", args=[plan.slug])), ("Check", None)
            ),
        },
    )
