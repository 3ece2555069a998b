"""Pages that combine the plan with its monitoring: the action page, My actions, updates, evidence."""

import datetime as dt
from itertools import groupby

from django.contrib import messages
from django.core.exceptions import SuspiciousFileOperation, ValidationError
from django.db.models import Prefetch
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.text import get_valid_filename
from django.views.decorators.http import require_GET, require_http_methods

import audit
from measures.models import Measure
from measures.queries import charts_for_measures, measure_statuses_for_plan
from measures.status import impact_warning
from plans.compiled import CompiledQuery
from plans.concurrency import EditConflict
from plans.models import Action, Recommendation, Statement, attach_leads
from plans.permissions import get_in_plan_or_404, get_plan_for, require

from . import services
from .flags import action_flags, read_status, with_status
from .forms import CloseActionForm, EditActionForm, EvidenceForm, UpdateForm, WithdrawActionForm, WithdrawEvidenceForm
from .meetings import action_challenges
from .models import RAG_DEFINITIONS, ActionUpdate, Evidence, Rag, month_start
from .rendering import timeline_items
from .timeline import action_evidence, action_timeline

# An action of a plan, with its recommendation (and its latest update up to a period): compiled once.
_IDS, _PERIODS = (-101, -102), (dt.date(1901, 1, 1), dt.date(1902, 2, 1))
_ACTION = CompiledQuery(
    lambda plan_id, pk: Action.objects.select_related("recommendation").filter(plan_id=plan_id, pk=pk),
    plan_id=_IDS,
    pk=(-103, -104),
)
_ACTION_WITH_STATUS = CompiledQuery(
    lambda plan_id, pk, period: with_status(
        Action.objects.select_related("recommendation").filter(plan_id=plan_id, pk=pk), period
    ),
    plan_id=_IDS,
    pk=(-103, -104),
    period=_PERIODS,
)


def _get_action(request: HttpRequest, slug: str, pk: int, perm: str = "plans.access_plan", *, period=None) -> Action:
    plan = get_plan_for(request, slug)
    if period is None:
        found = _ACTION(plan_id=plan.pk, pk=pk)
    else:
        found = _ACTION_WITH_STATUS(plan_id=plan.pk, pk=pk, period=month_start(period))
    if not found:
        get_in_plan_or_404(request, plan, Action, plan=plan, pk=pk)  # records the miss and answers 404
        raise Http404("Not found.")
    action = found[0]
    if period is not None:
        read_status([action], period)
    attach_leads([action])
    action.plan = action.recommendation.plan = plan
    # Who closed it and what superseded it are read only for the few actions that have them (one query each).
    if action.superseded_by_id:
        action.superseded_by.plan = plan  # its link needs the plan's slug
    require(request.user, perm, action, request=request)
    return action


def _crumbs(action: Action, last: str | None = None) -> list[tuple[str, str | None]]:
    crumbs = [
        (action.plan.title, action.plan.get_absolute_url()),
        (f"Recommendation {action.recommendation.reference}", action.recommendation.get_absolute_url()),
        (f"Action {action.reference}", action.get_absolute_url() if last else None),
    ]
    if last:
        crumbs.append((last, None))
    return crumbs


def _conflict_message(request: HttpRequest, conflict: EditConflict) -> None:
    details = "; ".join(conflict.describe()) or "no field you changed"
    messages.error(
        request,
        f"Someone else saved this while you were editing, so your change was not saved. What is there now: "
        f"{details}. Your entries are below: check them and save again.",
    )


@require_GET
def action_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    period = services.current_period()
    action = _get_action(request, slug, pk, period=period)
    statements = list(action.statements.order_by("order"))
    evidence = action_evidence(action)
    timeline = action_timeline(action, evidence)
    timeline_items(timeline, action.plan)
    user = request.user
    return render(
        request,
        "governance/action_detail.html",
        {
            "plan": action.plan,
            "nav": "actions",
            "action": action,
            "crumbs": _crumbs(action),
            "leads": action.lead_roles(),
            "period": period,
            "flags": action_flags(action, period),
            "latest_status": Rag(action.latest_status) if action.latest_status else None,
            "outcomes": [s for s in statements if s.kind == Statement.Kind.OUTCOME],
            "measures": [s for s in statements if s.kind == Statement.Kind.MEASURE],
            "evidence": [item for item in evidence if not item.withdrawn_at],
            "timeline": timeline,
            "challenges": action_challenges(action),
            "can_update": user.has_perm("plans.submit_update", action),
            "can_manage": user.has_perm("plans.manage_plan", action.plan),
        },
    )


@require_GET
def my_actions(request: HttpRequest) -> HttpResponse:
    period = services.current_period()
    actions = list(
        with_status(
            Action.objects.held_by(request.user).working().select_related("plan", "recommendation"),
            period,
        ).order_by("plan__title", "plan_id", "order")
    )
    read_status(actions, period)
    attach_leads(actions)
    for action in actions:
        action.flags = action_flags(action, period)
        action.latest_rag = Rag(action.latest_status) if action.latest_status else None
    groups = []
    for plan, plan_actions in groupby(actions, key=lambda a: a.plan):
        plan_actions = list(plan_actions)
        by_rec = [(rec, list(items)) for rec, items in groupby(plan_actions, key=lambda a: a.recommendation)]
        groups.append((plan, by_rec, sum(1 for a in plan_actions if a.period_update_id is None)))
    return render(
        request,
        "governance/my_actions.html",
        {"groups": groups, "period": period, "nav": "my_actions", "action_count": len(actions)},
    )


def _evidence_from(form_data, *, action, period, by, file_key, url_key, title_key, date_key) -> list[Evidence]:
    if form_data.get(file_key):
        return [
            services.evidence_build_file(
                action=action,
                period=period,
                title=form_data[title_key],
                evidence_date=form_data[date_key],
                upload=form_data[file_key],
                by=by,
            )
        ]
    if form_data.get(url_key):
        return [
            services.evidence_build_link(
                action=action,
                period=period,
                title=form_data[title_key],
                evidence_date=form_data[date_key],
                url=form_data[url_key],
                by=by,
            )
        ]
    return []


def _apply_validation_error(form, error: ValidationError, field_map: dict[str, str] | None = None) -> None:
    field_map = field_map or {}
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            target = field_map.get(field, field)
            form.add_error(target if target in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


@require_http_methods(["GET", "POST"])
def update_submit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    action = _get_action(request, slug, pk, "plans.submit_update")
    period = services.current_period()
    existing = ActionUpdate.objects.filter(action=action, period=period).first()
    last_status = services.previous_status(action=action, period=period)
    if request.method == "POST":
        form = UpdateForm(request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            try:
                evidence = _evidence_from(
                    data,
                    action=action,
                    period=period,
                    by=request.user,
                    file_key="evidence_file",
                    url_key="evidence_url",
                    title_key="evidence_title",
                    date_key="evidence_date",
                )
                services.action_update_submit(
                    action=action,
                    period=period,
                    status=data["status"],
                    narrative=data["narrative"],
                    next_steps=data["next_steps"],
                    risks=data["risks"],
                    reason=data["reason"],
                    by=request.user,
                    # An update saved since this form was opened empty is a conflict, not a revision.
                    expected_version=(data["version"] or 0) if existing else None,
                    new_evidence=evidence,
                )
            except EditConflict as conflict:
                _conflict_message(request, conflict)
                form = UpdateForm(request.POST, request.FILES)
                form.data = form.data.copy()
                form.data["version"] = conflict.current.version
                form.is_valid()
            except ValidationError as error:
                _apply_validation_error(
                    form, error, {"file": "evidence_file", "url": "evidence_url", "title": "evidence_title"}
                )
            else:
                messages.success(
                    request,
                    f"Your {period:%B %Y} update for action {action.reference} is saved ({Rag(data['status']).label}).",
                )
                return redirect(action)
    else:
        initial = {"version": existing.version} if existing else {}
        if existing:
            initial |= {f: getattr(existing, f) for f in ("status", "narrative", "next_steps", "risks", "reason")}
        form = UpdateForm(initial=initial)
    return render(
        request,
        "governance/update_form.html",
        {
            "plan": action.plan,
            "nav": "my_actions",
            "action": action,
            "form": form,
            "period": period,
            "existing": existing,
            "last_status": Rag(last_status) if last_status else None,
            "definitions": [(rag, RAG_DEFINITIONS[rag]) for rag in Rag],
            "crumbs": _crumbs(action, f"{period:%B %Y} update"),
        },
    )


@require_http_methods(["GET", "POST"])
def evidence_add(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    action = _get_action(request, slug, pk, "plans.submit_update")
    period = services.current_period()
    form = EvidenceForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            items = _evidence_from(
                form.cleaned_data,
                action=action,
                period=period,
                by=request.user,
                file_key="file",
                url_key="url",
                title_key="title",
                date_key="evidence_date",
            )
            services.evidence_save(evidence=items[0])
        except ValidationError as error:
            _apply_validation_error(form, error)
        else:
            messages.success(request, f"Evidence “{items[0].title}” added to action {action.reference}.")
            return redirect(action)
    return render(
        request,
        "governance/evidence_form.html",
        {
            "plan": action.plan,
            "nav": "actions",
            "action": action,
            "form": form,
            "crumbs": _crumbs(action, "Add evidence"),
        },
    )


def _get_evidence(request: HttpRequest, slug: str, pk: int) -> Evidence:
    plan = get_plan_for(request, slug)
    evidence = get_in_plan_or_404(request, plan, Evidence.objects.select_related("action"), action__plan=plan, pk=pk)
    evidence.action.plan = plan
    return evidence


@require_GET
def evidence_download(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    evidence = _get_evidence(request, slug, pk)
    audit.record(
        kind=audit.Kind.EVIDENCE_DOWNLOAD,
        request=request,
        plan=evidence.action.plan,
        obj=evidence,
        action=evidence.action.reference,
        evidence_kind=evidence.kind,
    )
    if evidence.kind != Evidence.Kind.FILE:
        return redirect(evidence.url)
    suffix = "." + evidence.file.name.rsplit(".", 1)[-1] if "." in evidence.file.name else ""
    try:
        stem = get_valid_filename(evidence.original_name.rsplit(".", 1)[0]).lstrip(".") or "evidence"
    except SuspiciousFileOperation:  # nothing safe is left of the name (e.g. "<>.pdf", ".pdf")
        stem = "evidence"
    response = FileResponse(
        evidence.file.open("rb"),
        as_attachment=True,
        filename=f"{stem[:80]}{suffix}",
        content_type=evidence.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@require_http_methods(["GET", "POST"])
def evidence_withdraw(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    evidence = _get_evidence(request, slug, pk)
    require(request.user, "plans.withdraw_evidence", evidence, request=request)
    form = WithdrawEvidenceForm(request.POST or None, initial={"version": evidence.version})
    if request.method == "POST" and form.is_valid():
        try:
            services.evidence_withdraw(
                evidence=evidence,
                by=request.user,
                reason=form.cleaned_data["reason"],
                expected_version=form.cleaned_data["version"],
            )
        except EditConflict as conflict:
            _conflict_message(request, conflict)
        except ValidationError as error:
            _apply_validation_error(form, error)
        else:
            messages.success(request, f"Evidence “{evidence.title}” was withdrawn. It stays in the history.")
            return redirect(evidence.action)
    return render(
        request,
        "governance/evidence_withdraw.html",
        {
            "plan": evidence.action.plan,
            "nav": "actions",
            "evidence": evidence,
            "action": evidence.action,
            "form": form,
            "crumbs": _crumbs(evidence.action, "Withdraw evidence"),
        },
    )


def _manage_action(request, slug, pk, form_class, template, title, do, success):
    action = _get_action(request, slug, pk, "plans.manage_plan")
    kwargs = {"action": action} if form_class is WithdrawActionForm else {}
    initial = {"version": action.version}
    if form_class is EditActionForm:
        initial |= {"description": action.description, "start_text": action.start_text, "due_text": action.due_text}
    form = form_class(request.POST or None, initial=initial, **kwargs)
    if request.method == "POST" and form.is_valid():
        try:
            do(action, form.cleaned_data)
        except EditConflict as conflict:
            _conflict_message(request, conflict)
        except ValidationError as error:
            _apply_validation_error(form, error)
        else:
            messages.success(request, success(action))
            return redirect(action)
    return render(
        request,
        template,
        {
            "plan": action.plan,
            "nav": "actions",
            "action": action,
            "form": form,
            "title": title,
            "crumbs": _crumbs(action, title),
        },
    )


@require_http_methods(["GET", "POST"])
def action_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    def do(action, data):
        services.action_edit(
            action=action,
            by=request.user,
            expected_version=data["version"],
            description=data["description"],
            start_text=data["start_text"],
            due_text=data["due_text"],
        )

    return _manage_action(
        request, slug, pk, EditActionForm, "governance/action_form.html", "Edit the action", do,
        lambda a: f"Action {a.reference} saved.",
    )  # fmt: skip


@require_http_methods(["GET", "POST"])
def action_close(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    def do(action, data):
        services.action_close(
            action=action, by=request.user, authority=data["closure_authority"], expected_version=data["version"]
        )

    return _manage_action(
        request, slug, pk, CloseActionForm, "governance/action_form.html", "Sign off and close", do,
        lambda a: f"Action {a.reference} is closed.",
    )  # fmt: skip


@require_http_methods(["GET", "POST"])
def action_withdraw(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    def do(action, data):
        services.action_withdraw(
            action=action,
            by=request.user,
            reason=data["state_reason"],
            superseded_by=data["superseded_by"],
            expected_version=data["version"],
        )

    return _manage_action(
        request, slug, pk, WithdrawActionForm, "governance/action_form.html", "Withdraw or supersede", do,
        lambda a: f"Action {a.reference} is {a.get_state_display().lower()}.",
    )  # fmt: skip


@require_GET
def recommendation_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """A recommendation: its actions' BRAG beside its measures' status (delivery beside impact)."""
    plan = get_plan_for(request, slug)
    recommendation = get_in_plan_or_404(request, plan, Recommendation, plan=plan, pk=pk)
    recommendation.plan = plan
    period = services.current_period()
    actions = list(with_status(recommendation.actions.order_by("order"), period))
    read_status(actions, period)
    attach_leads(actions)
    for action in actions:
        action.plan, action.recommendation = plan, recommendation
        action.flags = action_flags(action, period)
    statements = list(
        recommendation.statements.order_by("order").prefetch_related(
            Prefetch(
                "actions",
                queryset=Action.objects.order_by("order").only("id", "reference", "order", "plan_id"),
                to_attr="linked_actions",
            )
        )
    )
    measures = measure_statuses_for_plan(plan, period).get(recommendation.pk, [])
    # Chart the measures that have figures; the table lists them all.
    with_figures = [m["id"] for m in measures if m["value"]]
    charted = list(Measure.objects.filter(pk__in=with_figures).select_related("plan").order_by("code"))
    charts = charts_for_measures(charted)
    open_statuses = [a.latest_status for a in actions if a.is_working]
    return render(
        request,
        "governance/recommendation_detail.html",
        {
            "plan": plan,
            "nav": "plans",
            "recommendation": recommendation,
            "crumbs": [(plan.title, plan.get_absolute_url()), (f"Recommendation {recommendation.reference}", None)],
            "period": period,
            "actions": actions,
            "outcomes": [s for s in statements if s.kind == Statement.Kind.OUTCOME],
            "key_measures": [s for s in statements if s.kind == Statement.Kind.MEASURE],
            "measures": measures,
            "charts": [charts[m.pk] for m in charted if m.pk in charts],
            "impact_warning": impact_warning(open_statuses, [m["status"] for m in measures]),
            "delivery": {
                "open": len(open_statuses),
                "on_track": sum(1 for s in open_statuses if s in (Rag.BLUE, Rag.GREEN)),
            },
            "measure_reds": sum(1 for m in measures if m["status"] == "red"),
            "measure_rated": sum(1 for m in measures if m["status"]),
        },
    )
