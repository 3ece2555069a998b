"""Board packs and exports: the frozen papers of each meeting, and the live dashboard as files.

A pack's pages and files are made from its stored snapshot (and its PDF is the stored bytes),
never from live data. Everyone in the plan may read and download; only a plan manager issues papers.
"""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from plans.models import Plan
from plans.permissions import get_in_plan_or_404, get_plan_for

from .dashboard import default_period, requested_period
from .exports import CONTENT_TYPES, EXPORT_FORMATS, live_snapshot, present, render_export, snapshot_title
from .models import Board, BoardPack, Meeting
from .packs import board_pack_freeze, cutoff_moment, pack_snapshot_check, previous_pack
from .rendering import code_digest

# Everything but the snapshot and the PDF: enough to list packs.
PACK_LIST_FIELDS = ["id", "meeting_id", "version", "frozen_at", "frozen_by", "correction_reason", "snapshot_sha256"]


def _pack_for(plan: Plan, pk: int, *, defer_pdf: bool = True) -> BoardPack:
    packs = BoardPack.objects.select_related("meeting__board", "frozen_by")
    if defer_pdf:
        packs = packs.defer("pdf")
    return get_object_or_404(packs, pk=pk, meeting__board__plan=plan)


def _can_manage(request: HttpRequest, plan: Plan) -> bool:
    return request.user.has_perm("plans.manage_plan", plan)


def _packs_prefetch() -> Prefetch:
    return Prefetch(
        "packs", queryset=BoardPack.objects.only(*PACK_LIST_FIELDS).select_related("frozen_by").order_by("-version")
    )


def _download(content: bytes, fmt: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
def board_packs(request: HttpRequest, slug: str, board_pk: int) -> HttpResponse:
    """Every meeting of a board with its papers, newest first."""
    plan = get_plan_for(request, slug)
    board = get_in_plan_or_404(request, plan, Board, pk=board_pk, plan=plan)
    meetings = Meeting.objects.filter(board=board).prefetch_related(_packs_prefetch()).order_by("-date")
    return render(
        request,
        "governance/pack_list.html",
        {
            "plan": plan,
            "nav": "dashboard",
            "board": board,
            "meetings": meetings,
            "can_manage": _can_manage(request, plan),
            "crumbs": [
                (plan.title, plan.get_absolute_url()),
                (board.name, reverse("governance:board_detail", args=[plan.slug, board.pk])),
                ("Papers", None),
            ],
        },
    )


@require_GET
def meeting_packs(request: HttpRequest, slug: str, meeting_pk: int) -> HttpResponse:
    """The papers of one meeting: every version, the latest first."""
    plan = get_plan_for(request, slug)
    meeting = get_in_plan_or_404(
        request, plan, Meeting.objects.select_related("board"), pk=meeting_pk, board__plan=plan
    )
    meetings = Meeting.objects.filter(pk=meeting.pk).select_related("board").prefetch_related(_packs_prefetch())
    return render(
        request,
        "governance/pack_list.html",
        {
            "plan": plan,
            "nav": "dashboard",
            "board": meeting.board,
            "meeting": meeting,
            "meetings": meetings,
            "can_manage": _can_manage(request, plan),
            "crumbs": [*_meeting_crumbs(plan, meeting), ("Papers", None)],
        },
    )


@require_GET
def pack_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """The papers as the board saw them: rendered from the pack's snapshot alone."""
    plan = get_plan_for(request, slug)
    pack = get_in_plan_or_404(
        request,
        plan,
        BoardPack.objects.select_related("meeting__board", "frozen_by").defer("pdf", "snapshot"),
        pk=pk,
        meeting__board__plan=plan,
    )
    meeting = pack.meeting
    versions = BoardPack.objects.filter(meeting=meeting).only(*PACK_LIST_FIELDS).select_related("frozen_by")
    context = _pack_page(pack, plan) | {
        "plan": plan,
        "nav": "dashboard",
        "pack": pack,
        "meeting": meeting,
        "versions": versions,
        "crumbs": [
            *_meeting_crumbs(plan, meeting),
            ("Papers", reverse("governance:meeting_packs", args=[plan.slug, meeting.pk])),
            (f"Version {pack.version}", None),
        ],
    }
    return render(request, "governance/pack_detail.html", context)


# The snapshot's header facts the page shows above its sections.
PACK_HEADER_KEYS = ("plan_data", "board_data", "meeting_data", "period", "previous", "issued")
# How often a pack's integrity is checked again while its page is read (seconds).
PACK_CHECK_SECONDS = 10 * 60


PACK_BODY_TEMPLATES = (
    "governance/includes/pack_body.html",
    "includes/flags.html",
    "includes/rag_tag.html",
    "includes/stacked_bar.svg",
    "measures/includes/chart_figure.html",
    "measures/includes/chart.svg",
    "measures/includes/chart_table.html",
)


def _pack_page(pack: BoardPack, plan: Plan) -> dict:
    """What a pack's page shows from its snapshot: the header facts, the sections rendered, and the
    integrity check with when it ran. A frozen snapshot never changes (a correction is a new pack), so this
    is made once and cached by pack, checksums, plan slug (its links) and a digest of the code; the check
    runs again when the entry expires, every `PACK_CHECK_SECONDS` at most, and the page says when it ran."""
    version = code_digest(("governance.exports", "measures.chart_html"), PACK_BODY_TEMPLATES)
    key = f"pack-page:{version}:{pack.pk}:{pack.snapshot_sha256}:{pack.pdf_sha256}:{plan.slug}"
    page = cache.get(key)
    if page is None:
        full = BoardPack.objects.get(pk=pack.pk)
        presented = present(full.snapshot)
        page = {key: presented[key] for key in PACK_HEADER_KEYS} | {
            "title": snapshot_title(full.snapshot),
            "check": pack_snapshot_check(full),
            "checked_at": timezone.now(),
            "body_html": render_to_string("governance/includes/pack_body.html", presented | {"plan": plan}),
        }
        cache.set(key, page, PACK_CHECK_SECONDS)
    return page


@require_GET
def pack_download(request: HttpRequest, slug: str, pk: int, fmt: str) -> HttpResponse:
    """The pack's PDF exactly as stored, or its snapshot as XLSX or CSV."""
    if fmt not in EXPORT_FORMATS:
        raise Http404("No such format.")
    plan = get_plan_for(request, slug)
    pack = _pack_for(plan, pk, defer_pdf=fmt != "pdf")
    meeting = pack.meeting
    filename = f"{plan.slug}-papers-{meeting.date:%Y-%m-%d}-v{pack.version}"
    content = bytes(pack.pdf) if fmt == "pdf" else render_export(pack.snapshot, fmt)
    return _download(content, fmt, filename)


def _period_from(request: HttpRequest, plan: Plan) -> dt.date:
    return requested_period(request) or default_period(plan)


@require_GET
def dashboard_download(request: HttpRequest, slug: str, fmt: str) -> HttpResponse:
    """The live dashboard for a period (?period=YYYY-MM) as PDF, XLSX or CSV."""
    if fmt not in EXPORT_FORMATS:
        raise Http404("No such format.")
    plan = get_plan_for(request, slug)
    period = _period_from(request, plan)
    return _download(render_export(live_snapshot(plan, period), fmt), fmt, f"{plan.slug}-dashboard-{period:%Y-%m}")


class IssuePapersForm(forms.Form):
    correction_reason = forms.CharField(
        label="Why are the papers corrected?",
        help_text="Both versions are kept; the board sees this reason with the new one.",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
        required=False,
        error_messages={"required": "Say why the papers are corrected."},
    )

    def __init__(self, *args, correction: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.correction = correction
        if correction:
            self.fields["correction_reason"].required = True
        else:
            del self.fields["correction_reason"]


@require_http_methods(["GET", "POST"])
def pack_issue(request: HttpRequest, slug: str, meeting_pk: int) -> HttpResponse:
    """Issue the papers for a meeting (freeze its pack and lock its period), or correct them."""
    plan = get_plan_for(request, slug, "plans.manage_plan")
    meeting = get_in_plan_or_404(
        request, plan, Meeting.objects.select_related("board__plan"), pk=meeting_pk, board__plan=plan
    )
    latest = meeting.packs.only(*PACK_LIST_FIELDS).select_related("frozen_by").order_by("-version").first()
    form = IssuePapersForm(request.POST if request.method == "POST" else None, correction=latest is not None)
    if request.method == "POST" and form.is_valid():
        try:
            pack = board_pack_freeze(
                meeting=meeting, by=request.user, correction_reason=form.cleaned_data.get("correction_reason", "")
            )
        except ValidationError as error:
            errors = error.message_dict if hasattr(error, "error_dict") else {None: error.messages}
            for field, field_errors in errors.items():
                for message in field_errors:
                    form.add_error(field if field in form.fields else None, message)
        else:
            messages.success(request, f"Papers issued: version {pack.version}. {meeting.period:%B %Y} is locked.")
            return redirect(pack.get_absolute_url())
    previous = previous_pack(meeting)
    return render(
        request,
        "governance/pack_issue.html",
        {
            "plan": plan,
            "nav": "dashboard",
            "meeting": meeting,
            "latest": latest,
            "previous": previous,
            "cutoff_end": cutoff_moment(meeting),
            "form": form,
            "crumbs": [*_meeting_crumbs(plan, meeting), ("Correct the papers" if latest else "Issue papers", None)],
        },
    )


def _meeting_crumbs(plan: Plan, meeting: Meeting) -> list[tuple[str, str]]:
    board = meeting.board
    return [
        (plan.title, plan.get_absolute_url()),
        (board.name, reverse("governance:board_detail", args=[plan.slug, board.pk])),
        (
            f"{meeting.date.day} {meeting.date:%B %Y}",
            reverse("governance:meeting_detail", args=[plan.slug, meeting.pk]),
        ),
    ]
