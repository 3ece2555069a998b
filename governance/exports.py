"""A dashboard as plain JSON data (a snapshot), and that snapshot as PDF, XLSX and CSV.

A frozen board pack stores the snapshot and renders it again, never the live data; the live
dashboard's exports go through the same snapshot, so both look the same. Everything a renderer
needs is in the snapshot: dates are ISO strings, chart geometry is text, no floats (so the JSON's
SHA-256 is the same on SQLite and PostgreSQL).

Since "board-pack/2" a snapshot also holds the plan's key measures as at its period (latest figure,
status, direction, a chart of the last 13 periods) and, per recommendation, its measures' counts and
the impact warning (actions on track, measures off target). Older snapshots have neither, and are
shown without them.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import mimetypes
import posixpath
from decimal import Decimal
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils import timezone

from measures import charts as measure_charts
from measures import status as mst
from measures.models import Measure, read_latest
from measures.queries import ComparatorSeries, impact_warning, measure_series, measure_summary, recommendation_links
from plans.formats import escape_formula
from plans.models import Recommendation

from .dashboard import DIRECTION_WORDS, STATUS_KEYS, STATUS_LABELS, Dashboard
from .models import ActionUpdate, Board, Challenge, Decision, Evidence, Meeting

FORMAT = "board-pack/2"  # 2: key measures and the impact warning
EXPORT_FORMATS = ("pdf", "xlsx", "csv")
CONTENT_TYPES = {
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}
# Colours of the GOV.UK palette, as the app's stacked bars use them (static/app.css .app-bar--*).
FILLS = {"blue": "#1d70b8", "green": "#0f7a52", "amber": "#f47738", "red": "#ca3535", "none": "#cecece"}
# A measure's chart in a snapshot covers its last 13 periods up to the pack's period (for a monthly
# measure, a year and the same month a year before), so that packs and their PDFs stay small.
CHART_PERIODS = 13
MEASURE_STATUS_KEYS = [mst.GREEN, mst.AMBER, mst.RED, "none"]
MEASURE_STATUS_WORDS = {mst.GREEN: "Green", mst.AMBER: "Amber", mst.RED: "Red", "none": "No status"}
EXCEPTION_SECTIONS = [
    ("new_red", "New Reds", "Actions rated Red this period that were not Red last period."),
    ("overdue", "Overdue", "Past their due month and not complete."),
    ("no_update", "No update this period", "No update for this period."),
    ("stale", "Stale", "No update for two periods or more."),
    ("slipped", "Slipped deadlines", "Due dates moved later than the plan first said."),
    ("changed", "Status changes", "Status different from last period, with the lead's reason."),
]


def _iso(value: dt.date | dt.datetime | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).isoformat() if timezone.is_aware(value) else value.isoformat()
    return value.isoformat()


def _person(user) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


# Building a snapshot ---------------------------------------------------------------------------


def update_data(update) -> dict:
    """An update (or a historical record of one) as snapshot data."""
    return {
        "status": update.status,
        "narrative": update.narrative,
        "next_steps": update.next_steps,
        "risks": update.risks,
        "reason": update.reason,
        "submitted_by": _person(update.submitted_by),
        "submitted_at": _iso(update.submitted_at),
    }


def evidence_data(item: Evidence) -> dict:
    return {
        "id": item.pk,
        "title": item.title,
        "kind": item.kind,
        "evidence_date": _iso(item.evidence_date),
        "period": _iso(item.period),
        "name": item.original_name if item.kind == Evidence.Kind.FILE else "",
        "url": item.url if item.kind == Evidence.Kind.LINK else "",
    }


def challenge_data(challenge: Challenge, *, status: str | None = None, response: str | None = None) -> dict:
    status = status or challenge.status
    return {
        "id": challenge.pk,
        "action_id": challenge.action_id,
        "action_reference": challenge.action.reference,
        "text": challenge.text,
        "raised_by": _person(challenge.raised_by),
        "raised_at": _iso(challenge.raised_at),
        "status": status,
        "status_label": Challenge.Status(status).label,
        "response": challenge.response if response is None else response,
    }


def decision_data(decision: Decision, *, overdue_before: dt.date) -> dict:
    return {
        "id": decision.pk,
        "text": decision.text,
        "due": _iso(decision.due),
        "owner": decision.owner_role.title if decision.owner_role else "",
        "meeting": str(decision.meeting),
        "overdue": bool(decision.due and decision.due < overdue_before),
    }


def load_live_details(dashboard: Dashboard) -> None:
    """Attach each action's update for the period and its current evidence, and the open decisions
    (three queries), as they are now. `packs.dashboard_as_at` attaches them as at a cut-off instead."""
    ids = [action.pk for action in dashboard.actions]
    updates = {
        update.action_id: update_data(update)
        for update in ActionUpdate.objects.filter(action_id__in=ids, period=dashboard.period).select_related(
            "submitted_by"
        )
    }
    evidence: dict[int, list[dict]] = {}
    for item in Evidence.objects.current().filter(action_id__in=ids, period__lte=dashboard.period):
        evidence.setdefault(item.action_id, []).append(evidence_data(item))
    for action in dashboard.actions:
        action.snapshot_update = updates.get(action.pk)
        action.snapshot_evidence = evidence.get(action.pk, [])
    dashboard.challenge_data = [challenge_data(c) for c in dashboard.challenges]
    today = timezone.localdate()
    dashboard.decision_data = [
        decision_data(d, overdue_before=today)
        for d in Decision.objects.filter(meeting__board__plan=dashboard.plan, status=Decision.Status.OPEN)
        .select_related("owner_role", "meeting__board")
        .order_by("due", "id")
    ]


def _action_data(action) -> dict:
    due = action.due_date
    return {
        "id": action.pk,
        "reference": action.reference,
        "description": action.description,
        "description_missing": action.description_missing,
        "recommendation": action.recommendation.reference,
        "state": action.state,
        "state_label": action.get_state_display(),
        "state_reason": action.state_reason,
        "is_working": action.is_working,
        "leads": [str(role) for role in action.lead_roles()],
        "due_text": action.due_text,
        "due_date": _iso(due),
        "original_due_text": action.original_due_text,
        "original_due_date": _iso(action.original_due_date),
        "status": action.period_status or None,
        "previous_status": action.previous_status or None,
        "direction": action.direction,
        "direction_word": action.direction_word,
        "flags": [{"key": f.key, "label": f.label, "description": f.description} for f in action.flags],
        "update": action.snapshot_update,
        "evidence": action.snapshot_evidence,
    }


def _number(value) -> str | None:
    """A figure as plain text ("78.5", "80", "-2.25"): the same on SQLite and PostgreSQL."""
    if value is None:
        return None
    text = f"{Decimal(str(value)).quantize(Decimal('0.0001')):f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _chart_window(measure: Measure, values: list, comparators: list[ComparatorSeries], as_of: dt.date):
    """A measure's values and comparator figures up to `as_of`, trimmed to its last CHART_PERIODS
    periods (those ending with its latest period up to then); comparator figures are kept where
    their period overlaps that window."""
    kind = measure.frequency
    upto = [item for item in values if item.period <= as_of]
    last = max((item.period for item in upto), default=mst.period_start(as_of, kind))
    first = mst.add_months(last, -(CHART_PERIODS - 1) * mst.MONTHS_IN[kind])
    kept = [item for item in upto if item.period >= first]
    series = []
    for comparator in comparators:
        items = [
            item
            for item in comparator.values
            if item.period <= as_of and mst.Period(item.period, item.period_kind).end > first
        ]
        if items:
            series.append(ComparatorSeries(comparator.name, items))
    return kept, series


def measures_data(plan, period: dt.date) -> tuple[list[dict], dict[int, list[dict]]]:
    """Every measure of the plan as at `period` (its values for periods up to and including it), as
    snapshot data, and the same dicts per recommendation id.

    Five queries whatever the number of measures, values or comparators: the measures with their
    latest figures, their links to recommendations, the recommendations' references, their values
    and their comparators' figures.
    """
    measures = read_latest(list(Measure.objects.for_plan(plan).with_latest(period).order_by("code")))
    if not measures:
        return [], {}
    for measure in measures:
        measure.plan = plan
    links = recommendation_links(plan)
    references = list(Recommendation.objects.filter(plan=plan).order_by("order").values_list("id", "reference"))
    rank = {pk: index for index, (pk, _reference) in enumerate(references)}
    reference_of = dict(references)
    values, comparators = measure_series(measures)
    data: list[dict] = []
    by_recommendation: dict[int, list[dict]] = {}
    for measure in measures:
        summary = measure_summary(measure, plan_slug=plan.slug)
        recommendation_ids = sorted(links.get(measure.pk, ()), key=lambda pk: rank.get(pk, len(rank)))
        chart_values, chart_comparators = _chart_window(measure, values[measure.pk], comparators[measure.pk], period)
        item = {
            "id": measure.pk,
            "code": measure.code,
            "name": measure.name,
            "unit": measure.unit,
            "unit_label": measure.get_unit_display(),
            "polarity": measure.polarity,
            "polarity_label": measure.get_polarity_display(),
            "frequency": measure.frequency,
            "target": summary["target"],
            "target_date": summary["target_date"],
            "tolerance": measure.tolerance_display,
            "baseline": summary["baseline"],
            "baseline_period_label": summary["baseline_period_label"],
            "value": summary["value"],
            "period": summary["period"],
            "period_label": summary["period_label"],
            "previous_value": summary["previous_value"],
            "previous_period_label": summary["previous_period_label"],
            "status": summary["status"],
            "status_label": summary["status_label"],
            "direction": summary["direction"],
            "direction_label": summary["direction_label"],
            "direction_since_baseline": summary["direction_since_baseline"],
            "direction_since_baseline_label": summary["direction_since_baseline_label"],
            # The figures as plain numbers (text), for spreadsheets.
            "numbers": {
                "value": _number(measure.latest_value),
                "previous_value": _number(measure.previous_value),
                "target": _number(measure.target),
                "tolerance": _number(measure.tolerance),
                "baseline": _number(measure.baseline_value),
            },
            "recommendations": [reference_of[pk] for pk in recommendation_ids if pk in reference_of],
            "chart": measure_charts.measure_chart(measure, chart_values, chart_comparators),
        }
        data.append(item)
        for pk in recommendation_ids:
            by_recommendation.setdefault(pk, []).append(item)
    return data, by_recommendation


def _impact(recommendation_id: int, open_statuses: dict[int, list], measures: dict[int, list[dict]]) -> dict:
    """A recommendation's measures by status, and delivery beside impact (the impact warning)."""
    statuses = open_statuses.get(recommendation_id, [])
    linked = measures.get(recommendation_id, [])
    counts = dict.fromkeys(MEASURE_STATUS_KEYS, 0)
    for item in linked:
        counts[item["status"] or "none"] += 1
    return {
        "measures": [item["code"] for item in linked],
        "measure_counts": counts,
        "delivery": {"open": len(statuses), "on_track": sum(1 for s in statuses if s in ("blue", "green"))},
        "impact_warning": impact_warning(statuses, [item["status"] for item in linked]),
    }


PDF_CHART_LIMIT = 6


def _pdf_charted(measures: list[dict]) -> list[dict]:
    charted = [m for m in measures if m["charted"]]
    charted.sort(key=lambda m: (m["status"] != "red", m["code"]))
    return charted[:PDF_CHART_LIMIT]


def snapshot_from_dashboard(
    dashboard: Dashboard,
    *,
    board: Board | None = None,
    meeting: Meeting | None = None,
    as_at: dt.datetime | None = None,
) -> dict:
    """The dashboard as JSON-safe data: what a board pack stores and every export renders."""
    if not getattr(dashboard, "details_loaded", False):
        load_live_details(dashboard)
    plan = dashboard.plan
    board = board or (meeting.board if meeting else None)
    measures, measures_by_recommendation = measures_data(plan, dashboard.period)
    # Each recommendation's open actions' statuses for the period (None: no update), for the impact warning.
    open_statuses: dict[int, list] = {}
    for action in dashboard.actions:
        if action.is_working:
            open_statuses.setdefault(action.recommendation_id, []).append(action.period_status or None)
    recommendations = [
        {
            "id": rec["recommendation"].pk,
            "reference": rec["recommendation"].reference,
            "text": rec["recommendation"].text,
            "counts": dict(rec["counts"]),
            "actions": rec["actions"],
            "segments": [{**s, "x": f"{s['x']:.3f}", "width": f"{s['width']:.3f}"} for s in rec.get("segments", [])],
            **_impact(rec["recommendation"].pk, open_statuses, measures_by_recommendation),
        }
        for rec in dashboard.recommendations
    ]
    return {
        "format": FORMAT,
        "kind": "pack" if meeting else "live",
        "plan": {"slug": plan.slug, "title": plan.title, "organisation": plan.organisation},
        "board": {
            "id": board.pk,
            "name": board.name,
            "chair": str(board.chair_role) if board.chair_role else "",
        }
        if board
        else None,
        "meeting": {
            "id": meeting.pk,
            "date": _iso(meeting.date),
            "period": _iso(meeting.period),
            "cutoff": _iso(meeting.cutoff),
        }
        if meeting
        else None,
        "period": _iso(dashboard.period),
        "previous": _iso(dashboard.previous),
        "as_at": _iso(as_at or timezone.now()),
        "totals": dict(dashboard.totals),
        "recommendations": recommendations,
        "measures": measures,
        "actions": [_action_data(action) for action in dashboard.actions],
        "exceptions": {key: [action.pk for action in items] for key, items in dashboard.exceptions.items()},
        "challenges": dashboard.challenge_data,
        "decisions": dashboard.decision_data,
    }


def live_snapshot(plan, period: dt.date) -> dict:
    """The live dashboard for a period, as a snapshot (for the dashboard's own exports)."""
    from .dashboard import build_dashboard

    board = Board.objects.filter(plan=plan).select_related("chair_role").first()
    return snapshot_from_dashboard(build_dashboard(plan, period), board=board)


# Reading a snapshot back for templates ------------------------------------------------------


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def _datetime(value: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value) if value else None


def present(snapshot: dict) -> dict:
    """Template context from a snapshot alone: dates parsed, exceptions resolved to their actions."""
    actions = []
    by_id = {}
    for data in snapshot["actions"]:
        action = {
            **data,
            "due_date": _date(data["due_date"]),
            "original_due_date": _date(data["original_due_date"]),
            "direction_arrow": DIRECTION_WORDS.get(data["direction"], ("", ""))[1],
            "update": {**data["update"], "submitted_at": _datetime(data["update"]["submitted_at"])}
            if data["update"]
            else None,
            "evidence": [
                {**e, "evidence_date": _date(e["evidence_date"]), "period": _date(e["period"])}
                for e in data["evidence"]
            ],
        }
        actions.append(action)
        by_id[data["id"]] = action
    recommendations = [
        {
            **rec,
            "segments": [
                {**s, "x": float(s["x"]), "width": float(s["width"]), "fill": FILLS[s["key"]]} for s in rec["segments"]
            ],
            "measure_rated": sum(rec.get("measure_counts", {}).get(key, 0) for key in (mst.GREEN, mst.AMBER, mst.RED)),
        }
        for rec in snapshot["recommendations"]
    ]
    # Packs frozen before key measures existed have none: None, so their pages leave the section out.
    measures = snapshot.get("measures")
    if measures is not None:
        measures = [
            {
                **m,
                "status_tag": mst.STATUS_TAGS.get(m["status"], "govuk-tag--grey"),
                "direction_arrow": mst.DIRECTION_WORDS[m["direction"]][1] if m["direction"] else "",
                "charted": m["status"] in (mst.RED, mst.AMBER),
            }
            for m in measures
        ]
    exceptions = [
        (key, title, hint, [by_id[pk] for pk in snapshot["exceptions"].get(key, []) if pk in by_id])
        for key, title, hint in EXCEPTION_SECTIONS
    ]
    since = snapshot.get("since_last_board")
    issued = snapshot.get("issued")
    meeting = snapshot.get("meeting")
    return {
        "snapshot": snapshot,
        "kind": snapshot["kind"],
        "plan_data": snapshot["plan"],
        "board_data": snapshot["board"],
        "meeting_data": {**meeting, "date": _date(meeting["date"]), "cutoff": _date(meeting["cutoff"])}
        if meeting
        else None,
        "period": _date(snapshot["period"]),
        "previous": _date(snapshot["previous"]),
        "as_at": _datetime(snapshot["as_at"]),
        "issued": {**issued, "at": _datetime(issued["at"])} if issued else None,
        "totals": [(key, STATUS_LABELS[key], snapshot["totals"][key], FILLS[key]) for key in STATUS_KEYS],
        "total_all": snapshot["totals"]["all"],
        "recommendations": recommendations,
        "measures": measures,
        # The PDF charts the measures furthest off target, Red first, up to a limit: each chart costs
        # about 0.2 s to lay out, and the pack page charts them all.
        "charted_measures": _pdf_charted(measures or []),
        "uncharted_count": max(0, sum(1 for m in measures or [] if m["charted"]) - PDF_CHART_LIMIT),
        "actions": actions,
        "exceptions": exceptions,
        "challenges": [{**c, "raised_at": _datetime(c["raised_at"])} for c in snapshot["challenges"]],
        "decisions": [{**d, "due": _date(d["due"])} for d in snapshot["decisions"]],
        "since": {**since, "previous_date": _date(since["previous"]["meeting_date"])} if since else None,
        "status_labels": STATUS_LABELS,
    }


def snapshot_title(snapshot: dict) -> str:
    period = _date(snapshot["period"])
    if snapshot["kind"] == "pack" and snapshot.get("board") and snapshot.get("meeting"):
        meeting_date = _date(snapshot["meeting"]["date"])
        return f"{snapshot['board']['name']}: papers for {meeting_date.day} {meeting_date:%B %Y}"
    return f"{snapshot['plan']['title']}: dashboard, {period:%B %Y}"


# PDF -------------------------------------------------------------------------------------------

# The PDF's base URL: a host that never resolves, so that only the fetcher below can answer.
PDF_BASE_URL = "https://app.invalid"


def fetch_static(url: str):
    """Serve `url` only if it names one of the app's own static files; refuse anything else."""
    from weasyprint.urls import URLFetcherResponse

    parts = urlsplit(url)
    static_url = urlsplit(settings.STATIC_URL)
    static_path = static_url.path if static_url.path.endswith("/") else static_url.path + "/"
    if f"{parts.scheme}://{parts.netloc}" != PDF_BASE_URL or not parts.path.startswith(static_path):
        raise ValueError(f"Refused to fetch {url!r}: only the app's static files can be used in a PDF.")
    relative = unquote(parts.path[len(static_path) :])
    if not relative or posixpath.normpath(relative) != relative or relative.startswith(("/", "..")):
        raise ValueError(f"Refused to fetch {url!r}: not a static file's path.")
    path = finders.find(relative)
    if not path:
        raise ValueError(f"Refused to fetch {url!r}: no such static file.")
    with open(path, "rb") as file:
        body = file.read()
    mime_type = mimetypes.guess_type(relative)[0] or "application/octet-stream"
    return URLFetcherResponse(url, body, {"Content-Type": mime_type})


def static_url_fetcher():
    """A WeasyPrint fetcher (it needs a `URLFetcher`) that answers only with static files."""
    from weasyprint.urls import URLFetcher

    class StaticFilesFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            return fetch_static(url)

    # A refused or missing stylesheet stops the PDF rather than printing it without page numbers.
    return StaticFilesFetcher(fail_on_errors=True)


def static_pdf_url(name: str) -> str:
    return f"{PDF_BASE_URL}{urlsplit(settings.STATIC_URL).path.rstrip('/')}/{name}"


def pdf_html(snapshot: dict) -> str:
    context = present(snapshot) | {
        "title": snapshot_title(snapshot),
        "stylesheet_url": static_pdf_url("pdf.css"),
    }
    return render_to_string("governance/pdf/pack.html", context)


def pdf_from_snapshot(snapshot: dict) -> bytes:
    from weasyprint import HTML

    html = HTML(string=pdf_html(snapshot), base_url=PDF_BASE_URL + "/", url_fetcher=static_url_fetcher())
    return html.write_pdf(pdf_variant="pdf/ua-1")


# Spreadsheets ------------------------------------------------------------------------------------


def _cell(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, (int, Decimal)):
        return value
    return escape_formula(str(value))


def _decimal(text: str | None) -> Decimal | None:
    return Decimal(text) if text is not None else None


def _status_label(status: str | None) -> str:
    return STATUS_LABELS[status or "none"]


def _lines(items) -> str:
    return "\n".join(items)


ACTION_HEADER = [
    "Recommendation", "Action", "Description", "Leads", "Due (as written)", "Due date", "State",
    "Status", "Previous status", "Since last period", "Flags", "Progress", "Next steps",
    "Risks and issues", "Reason for the change of status", "Submitted by", "Submitted at", "Evidence",
]  # fmt: skip


MEASURE_HEADER = [
    "Measure", "Name", "Unit", "Polarity", "Latest value", "Latest value (as shown)", "Period",
    "Target", "Target date", "Amber tolerance", "Status", "Since previous", "Previous value",
    "Previous period", "Since baseline", "Baseline", "Baseline period", "Recommendations",
]  # fmt: skip


def action_rows(snapshot: dict) -> list[list]:
    rows = []
    for a in snapshot["actions"]:
        update = a["update"] or {}
        rows.append(
            [
                a["recommendation"],
                a["reference"],
                a["description"] or "(description missing in the source)",
                _lines(a["leads"]),
                a["due_text"],
                a["due_date"],
                a["state_label"],
                _status_label(a["status"]),
                _status_label(a["previous_status"]),
                a["direction_word"],
                _lines(f["label"] for f in a["flags"]),
                update.get("narrative", ""),
                update.get("next_steps", ""),
                update.get("risks", ""),
                update.get("reason", ""),
                update.get("submitted_by", ""),
                update.get("submitted_at", ""),
                _lines(f"{e['title']} ({e['evidence_date']})" for e in a["evidence"]),
            ]
        )
    return rows


def spreadsheet_sections(snapshot: dict) -> list[tuple[str, list[str], list[list]]]:
    """Each section of the papers as (sheet title, header, rows)."""
    refs = {a["id"]: a for a in snapshot["actions"]}
    summary = [
        ["Plan", snapshot["plan"]["title"]],
        ["Organisation", snapshot["plan"]["organisation"]],
        ["Board", (snapshot["board"] or {}).get("name", "")],
        ["Period reviewed", snapshot["period"][:7]],
        ["Compared with", snapshot["previous"][:7]],
        ["Updates as at", snapshot["as_at"]],
    ]
    if snapshot.get("meeting"):
        summary += [["Meeting", snapshot["meeting"]["date"]], ["Update cut-off", snapshot["meeting"]["cutoff"]]]
    if snapshot.get("issued"):
        issued = snapshot["issued"]
        summary += [
            ["Version", issued["version"]],
            ["Issued by", issued["by"]],
            ["Issued at", issued["at"]],
            ["Correction reason", issued["correction_reason"]],
        ]
    summary += [[f"Actions: {STATUS_LABELS[key]}", snapshot["totals"][key]] for key in STATUS_KEYS]
    summary.append(["Actions: all", snapshot["totals"]["all"]])
    sections = [("Summary", ["Item", "Value"], summary)]
    measures = snapshot.get("measures")
    by_recommendation_header = ["Recommendation", "Text", *(STATUS_LABELS[key] for key in STATUS_KEYS), "All"]
    by_recommendation = [
        [rec["reference"], rec["text"], *(rec["counts"][key] for key in STATUS_KEYS), rec["actions"]]
        for rec in snapshot["recommendations"]
    ]
    if measures is not None:
        by_recommendation_header += [
            *(f"Measures: {MEASURE_STATUS_WORDS[key]}" for key in MEASURE_STATUS_KEYS),
            "Actions on track but measures off target",
        ]
        for row, rec in zip(by_recommendation, snapshot["recommendations"], strict=True):
            row += [*(rec["measure_counts"][key] for key in MEASURE_STATUS_KEYS), rec["impact_warning"]]
    sections.append(("By recommendation", by_recommendation_header, by_recommendation))
    if measures is not None:
        sections.append(
            (
                "Measures",
                MEASURE_HEADER,
                [
                    [
                        m["code"], m["name"], m["unit_label"], m["polarity_label"],
                        _decimal(m["numbers"]["value"]), m["value"], m["period_label"],
                        _decimal(m["numbers"]["target"]), m["target_date"], _decimal(m["numbers"]["tolerance"]),
                        m["status_label"], m["direction_label"], m["previous_value"], m["previous_period_label"],
                        m["direction_since_baseline_label"], m["baseline"], m["baseline_period_label"],
                        ", ".join(m["recommendations"]),
                    ]
                    for m in measures
                ],
            )
        )  # fmt: skip
    since = snapshot.get("since_last_board")
    if since is not None:
        rows = []
        for item in since["status_changes"]:
            rows.append(
                ["Status changed", item["reference"], item["description"],
                 f"{_status_label(item['before'])} → {_status_label(item['after'])}", item["reason"]]
            )  # fmt: skip
        for key, label in (
            ("closed", "Closed"),
            ("withdrawn", "Withdrawn"),
            ("added", "Added"),
            ("removed", "Removed"),
        ):
            for item in since[key]:
                rows.append(
                    [label, item["reference"], item["description"], item.get("state_label", ""), item.get("reason", "")]
                )
        for item in since["deadlines_moved"]:
            rows.append(
                ["Deadline moved", item["reference"], item["description"],
                 f"{item['before_text']} → {item['after_text']}", item["direction"]]
            )  # fmt: skip
        sections.append(("Since last board", ["Change", "Action", "Description", "What", "Reason"], rows))
    exception_rows = []
    for key, title, _hint in EXCEPTION_SECTIONS:
        for pk in snapshot["exceptions"].get(key, []):
            a = refs.get(pk)
            if a:
                exception_rows.append(
                    [title, a["reference"], a["description"], _status_label(a["status"]),
                     _status_label(a["previous_status"]), (a["update"] or {}).get("reason", "")]
                )  # fmt: skip
    sections.append(
        ("Exceptions", ["Exception", "Action", "Description", "Status", "Previous status", "Reason"], exception_rows)
    )
    sections.append(
        (
            "Challenges",
            ["Action", "Challenge", "Raised by", "Raised at", "Status", "Response"],
            [
                [c["action_reference"], c["text"], c["raised_by"], c["raised_at"], c["status_label"], c["response"]]
                for c in snapshot["challenges"]
            ],
        )
    )
    sections.append(
        (
            "Decisions",
            ["Decision", "Owner", "Due", "Overdue", "From"],
            [[d["text"], d["owner"], d["due"], d["overdue"], d["meeting"]] for d in snapshot["decisions"]],
        )
    )
    sections.append(("Actions", ACTION_HEADER, action_rows(snapshot)))
    sections.append(
        (
            "Evidence",
            ["Action", "Title", "Kind", "Date it evidences", "Period added", "File name", "Link"],
            [
                [a["reference"], e["title"], e["kind"], e["evidence_date"], e["period"], e["name"], e["url"]]
                for a in snapshot["actions"]
                for e in a["evidence"]
            ],
        )
    )
    return sections


def xlsx_from_snapshot(snapshot: dict) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell.cell import TYPE_STRING
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, header, rows in spreadsheet_sections(snapshot):
        sheet = workbook.create_sheet(title)
        sheet.append([_cell(name) for name in header])
        for row in rows:
            sheet.append([_cell(value) for value in row])
            # Text stays text, never a formula, whatever it starts with.
            for cell in sheet[sheet.max_row]:
                if isinstance(cell.value, str):
                    cell.data_type = TYPE_STRING
                cell.alignment = Alignment(wrap_text=True, vertical="top")
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        sheet.freeze_panes = "A2"
        for index in range(1, len(header) + 1):
            sheet.column_dimensions[get_column_letter(index)].width = 18 if index > 3 else 14
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_from_snapshot(snapshot: dict) -> bytes:
    """The actions section (one row per action), as the spreadsheet's "Actions" sheet has it."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(ACTION_HEADER)
    writer.writerows([[_cell(value) for value in row] for row in action_rows(snapshot)])
    # A byte-order mark so that spreadsheet programs read the file as UTF-8.
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def render_export(snapshot: dict, fmt: str) -> bytes:
    if fmt == "pdf":
        return pdf_from_snapshot(snapshot)
    if fmt == "xlsx":
        return xlsx_from_snapshot(snapshot)
    if fmt == "csv":
        return csv_from_snapshot(snapshot)
    raise ValueError(f"Unknown export format {fmt!r}")


__all__ = [
    "EXPORT_FORMATS",
    "csv_from_snapshot",
    "fetch_static",
    "live_snapshot",
    "pdf_from_snapshot",
    "present",
    "snapshot_from_dashboard",
    "static_url_fetcher",
    "xlsx_from_snapshot",
]
