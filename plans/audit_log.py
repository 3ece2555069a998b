"""A plan's audit log, for its plan managers (and superusers): search it, page through it, download it."""

import csv
import datetime as dt
import io
import json

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET
from django_tables2 import RequestConfig

from audit.filters import AuditEventFilter
from audit.models import AuditEvent
from audit.tables import AuditEventTable

from .formats import escape_formula
from .models import Plan
from .permissions import get_plan_for

CSV_HEADER = ["at_utc", "at_uk", "event", "user", "ip", "object_type", "object_id", "object", "old", "new", "detail"]


def _filtered(request: HttpRequest, plan: Plan) -> AuditEventFilter:
    events = AuditEvent.objects.for_plan(plan.pk)
    usernames = list(events.exclude(username="").order_by("username").values_list("username", flat=True).distinct())
    return AuditEventFilter(request.GET or None, queryset=events.newest_first(), usernames=usernames)


@require_GET
def audit_log(request: HttpRequest, slug: str) -> HttpResponse:
    plan = get_plan_for(request, slug, "plans.manage_plan")
    events = _filtered(request, plan)
    table = AuditEventTable(events.qs)
    RequestConfig(request, paginate={"per_page": 50}).configure(table)
    people_url = reverse("plans:people", args=[plan.slug])
    return render(
        request,
        "audit/audit_log.html",
        {
            "plan": plan,
            "nav": "plans",
            "filter": events,
            "table": table,
            "query": request.GET.urlencode(),
            "crumbs": [(plan.title, plan.get_absolute_url()), ("People", people_url), ("Audit log", None)],
        },
    )


def _cell(value) -> str:
    text = "" if value is None else str(value)
    # As the other exports: a cell a spreadsheet would run as a formula starts with '.
    return "'" + text if text[:1] in ("\t", "\r") else escape_formula(text)


def _csv_lines(events):
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")

    def line(row) -> str:
        writer.writerow([_cell(value) for value in row])
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    yield "\ufeff" + line(CSV_HEADER)  # a byte-order mark, so spreadsheets read UTF-8
    for event in events.iterator(chunk_size=1000):
        yield line(
            [
                event.at.astimezone(dt.UTC).isoformat(),
                timezone.localtime(event.at).strftime("%d/%m/%Y %H:%M:%S"),
                event.get_kind_display(),
                event.username,
                event.ip,
                event.object_type,
                event.object_id,
                event.object_repr,
                event.old,
                event.new,
                json.dumps(event.detail, ensure_ascii=False, sort_keys=True) if event.detail else "",
            ]
        )


@require_GET
def audit_log_csv(request: HttpRequest, slug: str) -> HttpResponse:
    plan = get_plan_for(request, slug, "plans.manage_plan")
    events = _filtered(request, plan)
    if events.is_bound and not events.form.is_valid():
        return HttpResponse(
            "The filters are not valid: " + "; ".join(e for errors in events.form.errors.values() for e in errors),
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    stamp = timezone.localtime().strftime("%Y-%m-%d")
    response = StreamingHttpResponse(_csv_lines(events.qs), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{plan.slug}-audit-log-{stamp}.csv"'
    response["Cache-Control"] = "private, no-store"
    return response
