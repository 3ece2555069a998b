"""The board's pages: the board and its meetings, decisions, challenges, reminders and the data feed.

Feeds answer a signed-in member of the plan or a feed token (`Authorization: Bearer <token>`) of
that plan, and nobody else: 401 without a usable token (never saying whether another plan exists),
404 for someone signed in who is not in the plan.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections import Counter

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Count, Prefetch, Q
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from plans.concurrency import EditConflict
from plans.formats import escape_formula
from plans.models import Action, ActionLead, Membership, Plan, RoleHolder
from plans.permissions import get_in_plan_or_404, get_plan_for, require

from . import meetings
from .dashboard import STATUS_LABELS, build_dashboard
from .models import Board, BoardPack, Challenge, Decision, FeedToken, Meeting, Rag, month_start
from .services import current_period
from .views import _apply_validation_error, _conflict_message, _get_action
from .views import _crumbs as _action_crumbs

# Forms -------------------------------------------------------------------------------------

DATE_HELP = "For example, 12/11/2019."


def _date_field(label: str, *, required: bool = True, help_text: str = DATE_HELP) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=required,
        help_text=help_text,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
        error_messages={"required": f"Enter the {label.lower()}.", "invalid": f"Enter the {label.lower()} as a date."},
    )


class MeetingForm(forms.Form):
    date = _date_field("Date of the meeting")
    period = _date_field(
        "Month reviewed",
        required=False,
        help_text="Any day in the month whose updates the board reviews. Leave empty for the month before the meeting.",
    )
    cutoff = _date_field(
        "Update cut-off",
        required=False,
        help_text="Updates after this date miss the papers. Leave empty for a week before the meeting.",
    )


class MeetingUpdateForm(forms.Form):
    status = forms.ChoiceField(label="Status", choices=Meeting.Status.choices, widget=forms.RadioSelect)
    attendees = forms.ModelMultipleChoiceField(
        label="Who attended", queryset=None, required=False, widget=forms.CheckboxSelectMultiple
    )
    minutes = forms.CharField(label="Minutes", required=False, widget=forms.Textarea(attrs={"rows": 10}))

    def __init__(self, *args, plan: Plan, **kwargs):
        super().__init__(*args, **kwargs)
        organisations = dict(plan.memberships.values_list("user_id", "organisation"))
        self.fields["attendees"].queryset = meetings.plan_people(plan)
        self.fields["attendees"].label_from_instance = lambda u: _person(u, organisations.get(u.pk))


class DecisionForm(forms.Form):
    text = forms.CharField(
        label="Decision", widget=forms.Textarea(attrs={"rows": 4}), error_messages={"required": "Write the decision."}
    )
    owner_role = forms.ModelChoiceField(label="Owner", queryset=None, required=False, empty_label="No owner")
    due = _date_field("Due date", required=False, help_text=f"Optional. {DATE_HELP}")
    actions = forms.ModelMultipleChoiceField(
        label="Actions it concerns", queryset=None, required=False, widget=forms.CheckboxSelectMultiple
    )
    recommendations = forms.ModelMultipleChoiceField(
        label="Recommendations it concerns", queryset=None, required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, plan: Plan, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner_role"].queryset = plan.roles.order_by("title")
        self.fields["actions"].queryset = plan.actions.order_by("order")
        self.fields["actions"].label_from_instance = lambda a: f"{a.reference} {a.description[:100]}"
        self.fields["recommendations"].queryset = plan.recommendations.order_by("order")
        self.fields["recommendations"].label_from_instance = lambda r: f"{r.reference}. {r.text[:100]}"


class DecisionStatusForm(forms.Form):
    status = forms.ChoiceField(choices=Decision.Status.choices)


class ChallengeForm(forms.Form):
    text = forms.CharField(
        label="Your challenge",
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="For example: the evidence does not show an impact on caseloads.",
        error_messages={"required": "Say what the challenge is."},
    )
    meeting = forms.ModelChoiceField(label="Raised at", queryset=None, required=False, empty_label="Not at a meeting")

    def __init__(self, *args, plan: Plan, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["meeting"].queryset = Meeting.objects.filter(board__plan=plan).select_related("board")
        self.fields["meeting"].label_from_instance = lambda m: f"{m} ({m.get_status_display().lower()})"


class ChallengeResponseForm(forms.Form):
    response = forms.CharField(
        label="Your response",
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={"required": "Write your response."},
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


class VersionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)


class FeedTokenForm(forms.Form):
    name = forms.CharField(
        label="Who will use it",
        max_length=100,
        help_text="For example, Power BI performance report.",
        error_messages={"required": "Say who will use the token."},
    )


def _person(user, organisation: str | None = None) -> str:
    name = user.get_full_name() or user.get_username()
    return f"{name} ({organisation})" if organisation else name


def _safe_next(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


# The board and its meetings ----------------------------------------------------------------


def _crumbs(plan: Plan, board: Board | None = None, meeting: Meeting | None = None, last: str | None = None):
    crumbs = [(plan.title, plan.get_absolute_url())]
    if board is not None:
        crumbs.append((board.name, board.get_absolute_url() if meeting or last else None))
    if meeting is not None:
        crumbs.append((f"{meeting.date.day} {meeting.date:%B %Y}", meeting.get_absolute_url() if last else None))
    if last:
        crumbs.append((last, None))
    return crumbs


def _render_board(request: HttpRequest, plan: Plan, board: Board | None, form: MeetingForm | None = None):
    can_manage = request.user.has_perm("plans.manage_plan", plan)
    boards = list(plan.boards.select_related("chair_role").order_by("name"))
    context = {
        "plan": plan,
        "nav": "board",
        "board": board,
        "other_boards": [b for b in boards if board is None or b.pk != board.pk],
        "can_manage": can_manage,
        "crumbs": _crumbs(plan, board),
    }
    if board is not None:
        board.plan = plan
        context |= {
            "members": list(
                plan.memberships.filter(kind=Membership.Kind.BOARD_MEMBER)
                .select_related("user")
                .order_by("user__last_name", "user__first_name", "pk")
            ),
            "chairs": list(
                RoleHolder.objects.filter(role_id=board.chair_role_id, until__isnull=True).select_related("user")
            )
            if board.chair_role_id
            else [],
            "meetings": list(
                board.meetings.annotate(
                    decision_count=Count("decisions", distinct=True),
                    open_challenges=Count("challenges", filter=~Q(challenges__status="closed"), distinct=True),
                ).order_by("-date")
            ),
            "form": form if form is not None else (MeetingForm() if can_manage else None),
        }
    return render(request, "governance/board.html", context)


@require_GET
def board(request: HttpRequest, slug: str) -> HttpResponse:
    """The plan's board (the first by name, where a plan has several)."""
    plan = get_plan_for(request, slug)
    return _render_board(request, plan, plan.boards.select_related("chair_role").order_by("name").first())


@require_GET
def board_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    plan = get_plan_for(request, slug)
    return _render_board(
        request, plan, get_in_plan_or_404(request, plan, Board.objects.select_related("chair_role"), plan=plan, pk=pk)
    )


@require_http_methods(["GET", "POST"])
def meeting_create(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    plan = get_plan_for(request, slug, "plans.manage_plan")
    board_obj = get_in_plan_or_404(request, plan, Board.objects.select_related("chair_role"), plan=plan, pk=pk)
    board_obj.plan = plan
    form = MeetingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            meeting = meetings.meeting_create(board=board_obj, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            _apply_validation_error(form, error)
        else:
            messages.success(request, f"Meeting of {meeting.date.day} {meeting.date:%B %Y} planned.")
            return redirect(meeting)
    return render(
        request,
        "governance/meeting_form.html",
        {
            "plan": plan,
            "nav": "board",
            "board": board_obj,
            "form": form,
            "title": "Plan a meeting",
            "crumbs": _crumbs(plan, board_obj, last="Plan a meeting"),
        },
    )


def _get_meeting(request: HttpRequest, slug: str, pk: int, perm: str = "plans.access_plan") -> Meeting:
    plan = get_plan_for(request, slug, perm)
    meeting = get_in_plan_or_404(request, plan, Meeting.objects.select_related("board"), board__plan=plan, pk=pk)
    meeting.board.plan = plan
    return meeting


@require_GET
def meeting_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    meeting = _get_meeting(request, slug, pk)
    plan = meeting.board.plan
    organisations = dict(plan.memberships.values_list("user_id", "organisation"))
    attendees = [_person(u, organisations.get(u.pk)) for u in meeting.attendees.order_by("first_name", "last_name")]
    decisions = list(
        meeting.decisions.select_related("owner_role").prefetch_related(
            Prefetch("actions", queryset=Action.objects.order_by("order")),
            Prefetch("recommendations", queryset=plan.recommendations.order_by("order")),
        )
    )
    challenges = list(
        meeting.challenges.select_related("action", "raised_by", "responded_by", "closed_by")
        .prefetch_related(Prefetch("action__action_leads", queryset=ActionLead.objects.order_by("order")))
        .order_by("-raised_at")
    )
    for challenge in challenges:
        challenge.action.plan = plan
    return render(
        request,
        "governance/meeting_detail.html",
        {
            "plan": plan,
            "nav": "board",
            "board": meeting.board,
            "meeting": meeting,
            "attendees": attendees,
            "decisions": decisions,
            "challenges": challenges,
            "can_manage": request.user.has_perm("plans.manage_plan", plan),
            "crumbs": _crumbs(plan, meeting.board, meeting),
        },
    )


@require_http_methods(["GET", "POST"])
def meeting_update(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    meeting = _get_meeting(request, slug, pk, "plans.manage_plan")
    plan = meeting.board.plan
    initial = {"status": meeting.status, "minutes": meeting.minutes, "attendees": list(meeting.attendees.all())}
    form = MeetingUpdateForm(request.POST or None, initial=initial, plan=plan)
    if request.method == "POST" and form.is_valid():
        try:
            meetings.meeting_update(meeting=meeting, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            _apply_validation_error(form, error)
        else:
            messages.success(request, "Meeting saved.")
            return redirect(meeting)
    return render(
        request,
        "governance/meeting_form.html",
        {
            "plan": plan,
            "nav": "board",
            "board": meeting.board,
            "meeting": meeting,
            "form": form,
            "title": "Attendees, minutes and status",
            "crumbs": _crumbs(plan, meeting.board, meeting, "Edit"),
        },
    )


@require_http_methods(["GET", "POST"])
def decision_add(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    meeting = _get_meeting(request, slug, pk, "plans.manage_plan")
    plan = meeting.board.plan
    form = DecisionForm(request.POST or None, plan=plan)
    if request.method == "POST" and form.is_valid():
        try:
            meetings.decision_add(meeting=meeting, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            _apply_validation_error(form, error)
        else:
            messages.success(request, "Decision recorded.")
            return redirect(meeting.get_absolute_url() + "#decisions")
    return render(
        request,
        "governance/decision_form.html",
        {
            "plan": plan,
            "nav": "board",
            "meeting": meeting,
            "form": form,
            "crumbs": _crumbs(plan, meeting.board, meeting, "Record a decision"),
        },
    )


@require_POST
def decision_set_status(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    plan = get_plan_for(request, slug, "plans.manage_plan")
    decision = get_in_plan_or_404(
        request, plan, Decision.objects.select_related("meeting__board"), meeting__board__plan=plan, pk=pk
    )
    decision.meeting.board.plan = plan
    form = DecisionStatusForm(request.POST)
    if form.is_valid():
        meetings.decision_set_status(decision=decision, status=form.cleaned_data["status"], by=request.user)
        messages.success(request, f"Decision marked {decision.get_status_display().lower()}.")
    else:
        messages.error(request, "Choose open or done.")
    return redirect(decision.meeting.get_absolute_url() + f"#decision-{decision.pk}")


# Challenges --------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def challenge_raise(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    action = _get_action(request, slug, pk, "governance.raise_challenge")
    plan = action.plan
    initial = {"meeting": meetings.next_meeting(plan, timezone.localdate())}
    form = ChallengeForm(request.POST or None, initial=initial, plan=plan)
    if request.method == "POST" and form.is_valid():
        try:
            meetings.challenge_raise(action=action, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            _apply_validation_error(form, error)
        else:
            messages.success(request, f"Challenge raised on action {action.reference}. Its leads can now respond.")
            return redirect(action.get_absolute_url() + "#challenges")
    return render(
        request,
        "governance/challenge_form.html",
        {
            "plan": plan,
            "nav": "actions",
            "action": action,
            "form": form,
            "crumbs": _action_crumbs(action, "Raise a challenge"),
        },
    )


def _get_challenge(request: HttpRequest, slug: str, pk: int, perm: str) -> Challenge:
    plan = get_plan_for(request, slug)
    challenge = get_in_plan_or_404(
        request,
        plan,
        Challenge.objects.select_related("action__recommendation", "raised_by", "responded_by", "meeting"),
        action__plan=plan,
        pk=pk,
    )
    challenge.action.plan = challenge.action.recommendation.plan = plan
    require(request.user, perm, challenge, request=request)
    return challenge


@require_http_methods(["GET", "POST"])
def challenge_respond(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    challenge = _get_challenge(request, slug, pk, "governance.respond_challenge")
    action = challenge.action
    form = ChallengeResponseForm(
        request.POST or None, initial={"response": challenge.response, "version": challenge.version}
    )
    if request.method == "POST" and form.is_valid():
        try:
            meetings.challenge_respond(
                challenge=challenge,
                response=form.cleaned_data["response"],
                by=request.user,
                expected_version=form.cleaned_data["version"],
            )
        except EditConflict as conflict:
            _conflict_message(request, conflict)
            form.data = form.data.copy()
            form.data["version"] = conflict.current.version
            challenge = conflict.current
        except ValidationError as error:
            _apply_validation_error(form, error)
        else:
            messages.success(request, f"Your response to the challenge on action {action.reference} is saved.")
            return redirect(action.get_absolute_url() + "#challenges")
    return render(
        request,
        "governance/challenge_respond.html",
        {
            "plan": action.plan,
            "nav": "actions",
            "action": action,
            "challenge": challenge,
            "form": form,
            "crumbs": _action_crumbs(action, "Respond to a challenge"),
        },
    )


@require_POST
def challenge_close(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    challenge = _get_challenge(request, slug, pk, "governance.close_challenge")
    form = VersionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "The challenge was not closed: reload the page and try again.")
    else:
        try:
            meetings.challenge_close(
                challenge=challenge, by=request.user, expected_version=form.cleaned_data["version"]
            )
        except EditConflict:
            messages.error(request, "Someone changed this challenge since you opened the page: read it again first.")
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, f"Challenge on action {challenge.action.reference} closed.")
    return redirect(_safe_next(request, challenge.action.get_absolute_url() + "#challenges"))


# Reminders ---------------------------------------------------------------------------------


def _names(users) -> str:
    return ", ".join(_person(u) for u in users)


@require_POST
def action_remind(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    action = _get_action(request, slug, pk, "plans.manage_plan")
    try:
        run = meetings.reminder_send_for_action(
            action=action, by=request.user, site_url=request.build_absolute_uri("/")
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        if run.sent:
            messages.success(
                request, f"Reminder about the {run.period:%B %Y} update sent to {_names(u for u, _ in run.sent)}."
            )
        if run.already:
            messages.info(request, f"{_names(run.already)}: reminded about this action today already, so not again.")
        if run.no_email:
            messages.error(request, f"{_names(run.no_email)}: no email address, so no reminder.")
        if run.failed:
            messages.error(
                request, f"The email to {_names(u for u, _ in run.failed)} could not be sent: try again later."
            )
    return redirect(action)


# Data-feed tokens --------------------------------------------------------------------------


def _feed_urls(request: HttpRequest, plan: Plan) -> dict[str, str]:
    return {
        fmt: request.build_absolute_uri(reverse(f"governance:plan_feed_{fmt}", args=[plan.slug]))
        for fmt in ("json", "csv")
    }


@require_http_methods(["GET", "POST"])
def feed_tokens(request: HttpRequest, slug: str) -> HttpResponse:
    plan = get_plan_for(request, slug, "plans.manage_plan")
    form = FeedTokenForm(request.POST or None)
    new_token = raw_token = None
    if request.method == "POST" and form.is_valid():
        try:
            new_token, raw_token = meetings.feed_token_create(
                plan=plan, name=form.cleaned_data["name"], by=request.user
            )
        except ValidationError as error:
            _apply_validation_error(form, error)
        else:
            form = FeedTokenForm()
    response = render(
        request,
        "governance/feed_tokens.html",
        {
            "plan": plan,
            "nav": "board",
            "tokens": list(plan.feed_tokens.select_related("created_by")),
            "form": form,
            "new_token": new_token,
            "raw_token": raw_token,  # shown on this response only; never stored
            "feed_urls": _feed_urls(request, plan),
            "crumbs": [(plan.title, plan.get_absolute_url()), ("Data feed tokens", None)],
        },
    )
    patch_cache_control(response, private=True, no_store=True)
    return response


@require_POST
def feed_token_revoke(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    plan = get_plan_for(request, slug, "plans.manage_plan")
    token = get_in_plan_or_404(request, plan, FeedToken, plan=plan, pk=pk)
    meetings.feed_token_revoke(token=token, by=request.user)
    messages.success(request, f"Token “{token.name}” ({token.prefix}…) revoked: it no longer opens the feed.")
    return redirect("governance:feed_tokens", slug=plan.slug)


# The data feed -----------------------------------------------------------------------------

FEED_COLUMNS = [
    "id", "recommendation", "reference", "description", "leads", "organisations", "state", "period",
    "status", "status_label", "previous_status", "direction", "latest_status", "latest_period", "flags",
    "start_date", "due_text", "due_date", "original_due_date", "slipped", "open_challenges", "url",
]  # fmt: skip


def _unauthorised(error: str = "") -> HttpResponse:
    response = HttpResponse(
        "Sign in as a member of the plan, or send its feed token: Authorization: Bearer <token>\n",
        status=401,
        content_type="text/plain; charset=utf-8",
    )
    response["WWW-Authenticate"] = 'Bearer realm="feed"' + (f', error="{error}"' if error else "")
    return response


def _feed_plan(request: HttpRequest, slug: str) -> tuple[Plan | None, HttpResponse | None]:
    """The plan a feed request may read, or the 401 to answer; 404 for a signed-in non-member."""
    header = request.headers.get("Authorization")
    if header is not None:
        scheme, _, raw = header.strip().partition(" ")
        if scheme.lower() != "bearer" or not raw.strip():
            return None, _unauthorised("invalid_request")
        token = meetings.feed_token_find(raw.strip(), slug=slug)
        if token is None:
            return None, _unauthorised("invalid_token")
        return token.plan, None
    if request.user.is_authenticated:
        return get_plan_for(request, slug), None
    return None, _unauthorised()


def _feed_response(response: HttpResponse) -> HttpResponse:
    patch_cache_control(response, private=True, no_store=True)
    patch_vary_headers(response, ["Authorization", "Cookie"])
    return response


def _feed_period(request: HttpRequest) -> dt.date:
    value = request.GET.get("period", "")
    try:
        return month_start(dt.date.fromisoformat(value + "-01" if len(value) == 7 else value))
    except ValueError:
        return current_period()


def plan_feed_rows(request: HttpRequest, plan: Plan, period: dt.date) -> list[dict]:
    """One row per action: its status for the period, flags and dates (a fixed number of queries)."""
    data = build_dashboard(plan, period)
    open_challenges = Counter(c.action_id for c in data.challenges)
    site = request.build_absolute_uri("/").rstrip("/")
    rows = []
    for action in data.actions:
        roles = action.lead_roles()
        rows.append(
            {
                "id": action.pk,
                "recommendation": action.recommendation.reference,
                "reference": action.reference,
                "description": action.description,
                "leads": [role.title for role in roles],
                "organisations": sorted({role.organisation for role in roles if role.organisation}),
                "state": action.state,
                "period": period,
                "status": action.period_status,
                "status_label": STATUS_LABELS[action.period_status or "none"],
                "previous_status": action.previous_status,
                "direction": action.direction,
                "latest_status": action.latest_status,
                "latest_period": action.latest_period,
                "flags": [flag.key for flag in action.flags],
                "start_date": action.start_date,
                "due_text": action.due_text,
                "due_date": action.due_date,
                "original_due_date": action.original_due_date,
                "slipped": action.has_slipped,
                "open_challenges": open_challenges[action.pk],
                "url": site + action.get_absolute_url(),
            }
        )
    return rows


def _plan_summary(plan: Plan) -> dict:
    return {"slug": plan.slug, "title": plan.title, "organisation": plan.organisation}


def _json(data: dict) -> HttpResponse:
    return JsonResponse(data, encoder=DjangoJSONEncoder, json_dumps_params={"ensure_ascii": False, "indent": 1})


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, list | tuple):
        if all(not isinstance(item, dict | list | tuple) for item in value):
            return "; ".join(_cell(item) for item in value)
        return json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False)
    if isinstance(value, dict):
        return json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False, sort_keys=True)
    return str(value)


def _csv(columns: list[str], rows: list[dict], filename: str) -> HttpResponse:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([escape_formula(str(c)) for c in columns])
    writer.writerows([escape_formula(_cell(row.get(c))) for c in columns] for row in rows)
    # A byte-order mark so that spreadsheet programs read the file as UTF-8.
    response = HttpResponse(("\ufeff" + buffer.getvalue()).encode(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_not_required
@require_GET
def plan_feed_json(request: HttpRequest, slug: str) -> HttpResponse:
    plan, refusal = _feed_plan(request, slug)
    if refusal:
        return refusal
    period = _feed_period(request)
    data = {
        "plan": _plan_summary(plan),
        "period": period,
        "generated_at": timezone.now(),
        "actions": plan_feed_rows(request, plan, period),
    }
    return _feed_response(_json(data))


@login_not_required
@require_GET
def plan_feed_csv(request: HttpRequest, slug: str) -> HttpResponse:
    plan, refusal = _feed_plan(request, slug)
    if refusal:
        return refusal
    period = _feed_period(request)
    rows = plan_feed_rows(request, plan, period)
    return _feed_response(_csv(FEED_COLUMNS, rows, f"{plan.slug}-{period:%Y-%m}.csv"))


def _feed_pack(request: HttpRequest, slug: str, pk: int) -> tuple[Plan | None, BoardPack | None, HttpResponse | None]:
    plan, refusal = _feed_plan(request, slug)
    if refusal:
        return None, None, refusal
    pack = get_in_plan_or_404(
        request, plan, BoardPack.objects.select_related("meeting__board"), meeting__board__plan=plan, pk=pk
    )
    return plan, pack, None


def pack_actions(pack: BoardPack) -> list[dict]:
    """The actions a frozen pack stored: `snapshot["actions"]`, read defensively."""
    snapshot = pack.snapshot if isinstance(pack.snapshot, dict) else {}
    actions = snapshot.get("actions")
    return [row for row in actions if isinstance(row, dict)] if isinstance(actions, list) else []


def _pack_summary(pack: BoardPack) -> dict:
    meeting = pack.meeting
    return {
        "id": pack.pk,
        "version": pack.version,
        "board": meeting.board.name,
        "meeting_date": meeting.date,
        "period": meeting.period,
        "frozen_at": pack.frozen_at,
        "snapshot_sha256": pack.snapshot_sha256,
        "correction_reason": pack.correction_reason,
    }


@login_not_required
@require_GET
def pack_feed_json(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    plan, pack, refusal = _feed_pack(request, slug, pk)
    if refusal:
        return refusal
    data = {"plan": _plan_summary(plan), "pack": _pack_summary(pack), "actions": pack_actions(pack)}
    return _feed_response(_json(data))


@login_not_required
@require_GET
def pack_feed_csv(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    plan, pack, refusal = _feed_pack(request, slug, pk)
    if refusal:
        return refusal
    # The live feed's columns, filled from the snapshot (its nested values flattened), so a BI
    # report reads a pack and the live plan the same way.
    snapshot = pack.snapshot if isinstance(pack.snapshot, dict) else {}
    challenges = [c for c in snapshot.get("challenges", []) if isinstance(c, dict)]
    rows = [_pack_feed_row(request, plan, snapshot, challenges, action) for action in pack_actions(pack)]
    filename = f"{plan.slug}-pack-{pack.meeting.date:%Y-%m-%d}-v{pack.version}.csv"
    return _feed_response(_csv(FEED_COLUMNS, rows, filename))


def _pack_feed_row(request: HttpRequest, plan: Plan, snapshot: dict, challenges: list[dict], action: dict) -> dict:
    flags = [f for f in action.get("flags", []) if isinstance(f, dict)]
    status = action.get("status")
    action_id = action.get("id")
    return {
        "id": action_id,
        "recommendation": action.get("recommendation"),
        "reference": action.get("reference"),
        "description": action.get("description"),
        "leads": "; ".join(str(lead) for lead in action.get("leads", [])),
        "organisations": "",
        "state": action.get("state"),
        "period": snapshot.get("period"),
        "status": status,
        "status_label": Rag(status).label if status in Rag.values else "No update",
        "previous_status": action.get("previous_status"),
        "direction": action.get("direction"),
        "latest_status": status,
        "latest_period": snapshot.get("period") if status else None,
        "flags": "; ".join(str(f.get("label", "")) for f in flags),
        "start_date": None,
        "due_text": action.get("due_text"),
        "due_date": action.get("due_date"),
        "original_due_date": action.get("original_due_date"),
        "slipped": any(f.get("key") == "slipped" for f in flags),
        "open_challenges": sum(1 for c in challenges if c.get("action_id") == action_id),
        "url": request.build_absolute_uri(reverse("governance:action_detail", args=[plan.slug, action_id]))
        if action_id
        else "",
    }
