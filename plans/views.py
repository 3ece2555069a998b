from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError, connection
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods
from django_tables2 import RequestConfig

from . import formats, services
from .filters import ActionFilter
from .forms import ConfirmImportForm, PlanUploadForm
from .models import Plan, PlanImport
from .permissions import can_import_plans, get_plan_for, plans_for
from .rules import plan_access
from .tables import ActionTable


@login_not_required
@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return JsonResponse({"status": "error", "database": "unavailable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


def _plan_overview(request: HttpRequest, plan: Plan) -> HttpResponse:
    recommendations = plan.recommendations.annotate(action_count=Count("actions")).order_by("order")
    findings = list(plan.findings.order_by("order"))
    return render(
        request,
        "plans/plan_detail.html",
        {
            "plan": plan,
            "nav": "plans",
            "recommendations": recommendations,
            "strengths": [f for f in findings if f.kind == "strength"],
            "areas": [f for f in findings if f.kind == "area_for_improvement"],
            "action_total": sum(r.action_count for r in recommendations),
        },
    )


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    mine = plans_for(request.user)
    plans = list(mine.order_by("title")[:2])
    if len(plans) == 1:
        # Each person's home: the board's dashboard for members, My actions for a lead.
        access = plan_access(request.user, plans[0].pk)
        if access.kind is not None:
            return redirect("governance:dashboard", slug=plans[0].slug)
        if access.role_ids:
            return redirect("governance:my_actions")
        return _plan_overview(request, plans[0])
    return render(
        request,
        "plans/plan_list.html",
        {"plans": mine.with_counts().order_by("organisation", "title"), "nav": "plans"},
    )


@require_GET
def plan_detail(request: HttpRequest, slug: str) -> HttpResponse:
    return _plan_overview(request, get_plan_for(request, slug))


ACTION_LIST_FIELDS = [
    "plan_id", "recommendation_id", "reference", "description", "description_missing", "order",
    "due_text", "due_date", "due_recurrence", "state",
]  # fmt: skip


@require_GET
def action_list(request: HttpRequest, slug: str) -> HttpResponse:
    plan = get_plan_for(request, slug)
    # Only what the table shows: a row's other fields (long texts, `extra` JSON) cost time to load.
    queryset = plan.actions.select_related("recommendation").only(
        *ACTION_LIST_FIELDS, "recommendation__reference", "recommendation__order"
    )
    action_filter = ActionFilter(request.GET or None, queryset=queryset, plan=plan)
    table = ActionTable(action_filter.qs)
    RequestConfig(request, paginate={"per_page": 50}).configure(table)
    table.action_rows = table.rows_for(list(table.page.object_list.data), plan)
    return render(
        request,
        "plans/action_list.html",
        {
            "plan": plan,
            "nav": "actions",
            "filter": action_filter,
            "table": table,
            "crumbs": [(plan.title, plan.get_absolute_url()), ("Actions", None)],
        },
    )


@require_GET
def plan_export(request: HttpRequest, slug: str, fmt: str) -> HttpResponse:
    if fmt not in formats.FORMATS:
        raise Http404("No such format.")
    plan = get_plan_for(request, slug)
    response = HttpResponse(services.plan_export(plan=plan, fmt=fmt), content_type=services.CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{plan.slug}.{fmt}"'
    return response


def _require_importer(request: HttpRequest) -> None:
    if not can_import_plans(request.user):
        raise PermissionDenied


@require_http_methods(["GET", "POST"])
def import_upload(request: HttpRequest) -> HttpResponse:
    _require_importer(request)
    form = PlanUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        preview = services.plan_import_preview(
            content=upload.read(),
            filename=upload.name,
            fmt=formats.guess_format(upload.name),
            replace=form.cleaned_data["replace"],
            by=request.user,
        )
        return redirect("plans:import_preview", pk=preview.pk)
    return render(request, "plans/import_upload.html", {"form": form, "nav": "import"})


@require_http_methods(["GET", "POST"])
def import_preview(request: HttpRequest, pk: int) -> HttpResponse:
    _require_importer(request)
    preview = get_object_or_404(PlanImport, pk=pk, uploaded_by=request.user)
    if request.method == "POST":
        form = ConfirmImportForm(request.POST)
        if form.is_valid() and preview.status == PlanImport.Status.PREVIEWED:
            if form.cleaned_data["decision"] == "cancel":
                preview.status = PlanImport.Status.CANCELLED
                preview.data = None
                preview.save(update_fields=["status", "data"])
                messages.info(request, f"The import of {preview.filename} was cancelled; nothing was imported.")
                return redirect("plans:import_upload")
            if not preview.errors:
                plan = services.plan_import_confirm(preview=preview, by=request.user)
                messages.success(request, f"Imported {plan.title}: {plan.actions.count()} actions.")
                return redirect(plan)
    summary = None
    if preview.data:
        recommendations = preview.data.get("recommendations", [])
        summary = {
            "title": preview.data.get("title"),
            "organisation": preview.data.get("organisation"),
            "slug": preview.data.get("slug") or "",
            "findings": len(preview.data.get("findings", [])),
            "roles": len(preview.data.get("roles", [])),
            "recommendations": [
                {"reference": r["reference"], "text": r["text"], "actions": len(r.get("actions", []))}
                for r in recommendations
            ],
            "actions": sum(len(r.get("actions", [])) for r in recommendations),
        }
    return render(
        request,
        "plans/import_preview.html",
        {"preview": preview, "summary": summary, "nav": "import"},
    )
