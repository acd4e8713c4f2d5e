"""The meeting's documents: the meeting pack (会议材料: agenda and every unit's part, Word in
the official layout; the figures as an Excel sheet) and the minutes (会议纪要, Word).

Everything is read through the reader's own scope: a unit that attends reads a pack with its own
part only.
"""

from __future__ import annotations

import io
from typing import Any

from django.http import HttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from openpyxl import Workbook  # type: ignore[import-untyped,unused-ignore]
from openpyxl.styles import Alignment, Font  # type: ignore[import-untyped,unused-ignore]

from documents.docx_official import OfficialDocument, chinese_date
from documents.exports import _clean
from meetings import selectors
from meetings.choices import Attendance
from meetings.models import Meeting

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _figure_headers() -> list[str]:
    return [_("Measures"), _("Open"), _("Overdue"), _("Returned"), _("Closed")]


def _attachment(data: bytes, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, filename) or ""
    return response


def _when(meeting: Meeting) -> str:
    start = timezone.localtime(meeting.starts_at)
    return f"{chinese_date(start.date())} {start:%H:%M}"


def _organizers(meeting: Meeting) -> str:
    names = [tf.name for tf in meeting.task_forces.all()]
    org = meeting.organization
    if meeting.by_office:
        names.append(org.office_name or str(_("the rectification office")))
    if meeting.by_leading_group:
        names.append(org.leading_group_name or str(_("the leading group")))
    return "、".join(names)


def _figures_line(figures: dict[str, Any]) -> str:
    return _(
        "%(total)s measures: %(open)s open, %(overdue)s overdue, %(returned)s returned, "
        "%(closed)s closed."
    ) % {k: figures.get(k, 0) for k in selectors.FIGURE_KEYS}


def _limited_figures(user: Any, meeting: Meeting, parts: list[Any], campaign: Any) -> None:
    """With a campaign, each part's figures are counted now over the unit's measures carrying
    it (the stored figures count all of them), and the measures are listed."""
    if campaign is None:
        for part in parts:
            part.pack_figures, part.pack_measures = part.figures, []
        return
    for part in parts:
        part.pack_figures = selectors.unit_figures(user, meeting, part.unit, campaign=campaign)
        part.pack_measures = list(
            selectors.unit_measures(user, meeting, part.unit, campaign=campaign).order_by(
                "sort_key", "id"
            )
        )


def pack_docx(user: Any, meeting: Meeting, *, campaign: Any = None) -> bytes:
    doc = OfficialDocument()
    doc.title(meeting.title)
    doc.subtitle(_("Meeting materials (会议材料)"))
    if campaign is not None:
        doc.paragraph(
            _(
                "Limited to the campaign “%(campaign)s”: each unit's figures count its measures "
                "carrying the campaign as of %(day)s, and those measures are listed."
            )
            % {"campaign": campaign.name, "day": chinese_date(timezone.localdate())}
        )
    doc.heading(_("The meeting"), level=1)
    chair = meeting.chair.name if meeting.chair else "—"
    doc.paragraph(
        _("Time: %(when)s. Place: %(place)s. Chair: %(chair)s. Organized by: %(by)s.")
        % {
            "when": _when(meeting),
            "place": meeting.place,
            "chair": chair,
            "by": _organizers(meeting),
        }
    )
    agenda = list(meeting.agenda.visible_to(user).order_by("position"))
    if agenda:
        doc.heading(_("Agenda"), level=1)
        for item in agenda:
            doc.paragraph(f"{item.position}. {item.text}")
    parts = selectors.meeting_parts(user, meeting)
    _limited_figures(user, meeting, parts, campaign)
    doc.heading(_("The units' reports"), level=1)
    if not parts:
        doc.paragraph(_("No reporting unit yet."))
    for part in parts:
        doc.heading(part.unit.name, level=2)
        doc.paragraph(_figures_line(part.pack_figures), bold_lead=_("Figures. "))
        if campaign is not None:
            listed = [
                f"{m.reference} {m.content[:200]}（{m.get_state_display()}）"
                for m in part.pack_measures
            ]
            doc.paragraph("；".join(listed) or "—", bold_lead=_("Measures of the campaign. "))
        doc.paragraph(part.work_done or "—", bold_lead=_("Work done (工作开展情况). "))
        doc.paragraph(part.problems or "—", bold_lead=_("Problems (存在的问题). "))
        doc.paragraph(part.next_steps or "—", bold_lead=_("Next steps (下一步工作打算). "))
    if parts:
        doc.heading(_("Figures"), level=1)
        doc.table(
            [_("Unit"), *_figure_headers()],
            [
                [p.unit.name, *[str(p.pack_figures.get(k, 0)) for k in selectors.FIGURE_KEYS]]
                for p in parts
            ],
            center_columns=range(1, 6),
        )
    return doc.to_bytes()


def minutes_docx(user: Any, meeting: Meeting) -> bytes:
    minutes = selectors.meeting_minutes(user, meeting)
    doc = OfficialDocument()
    doc.title(_("Minutes of the %(title)s") % {"title": meeting.title})
    day = timezone.localtime(meeting.starts_at).date()
    doc.subtitle(f"（{chinese_date(day)}）")
    chair = meeting.chair.name if meeting.chair else "—"
    attendees = selectors.meeting_attendees(user, meeting)
    present = [
        str(a.person or a.unit)
        for a in attendees
        if a.attendance != Attendance.LEAVE and a.attendance != Attendance.ABSENT
    ]
    leave = [
        f"{a.person or a.unit}（{a.reason}）" for a in attendees if a.attendance == Attendance.LEAVE
    ]
    doc.paragraph(
        _("On %(when)s, %(by)s held the %(title)s in %(place)s, chaired by %(chair)s.")
        % {
            "when": _when(meeting),
            "by": _organizers(meeting),
            "title": meeting.title,
            "place": meeting.place,
            "chair": chair,
        }
    )
    doc.paragraph("、".join(present) or "—", bold_lead=_("Present: "))
    if leave:
        doc.paragraph("、".join(leave), bold_lead=_("On leave: "))
    parts = selectors.meeting_parts(user, meeting)
    if parts:
        doc.paragraph(
            _("The meeting heard the reports of %(units)s.")
            % {"units": "、".join(p.unit.name for p in parts)}
        )
    if minutes is not None:
        doc.heading(_("Summing-up"), level=1)
        for para in [p for p in minutes.summary.splitlines() if p.strip()]:
            doc.paragraph(para.strip())
    requirements = selectors.requirement_views(user, meeting)
    if requirements:
        doc.heading(_("Requirements of the meeting"), level=1)
        for view in requirements:
            doc.heading(view.requirement.text, level=2)
    doc.signature(meeting.organization.office_name or meeting.organization.name, day)
    return doc.to_bytes()


def _append(ws: Any, values: list[Any]) -> None:
    """One row of stored text as text: characters a sheet cannot hold dropped, and a value that
    starts with "=" kept as the words typed, never a formula (CSV/formula injection)."""
    ws.append([_clean(v) for v in values])
    for cell in ws[ws.max_row]:
        if isinstance(cell.value, str):
            cell.data_type = "s"


def figures_xlsx(user: Any, meeting: Meeting, *, campaign: Any = None) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = str(_("Figures"))[:31]
    _append(ws, [meeting.title])
    ws["A1"].font = Font(bold=True, size=14)
    _append(
        ws,
        [
            _when(meeting),
            meeting.place,
            _("Campaign: %(campaign)s") % {"campaign": campaign.name} if campaign else "",
        ],
    )
    _append(ws, [])
    header = [_("Unit"), *_figure_headers(), _("Part"), _("Figures as of")]
    _append(ws, header)
    for cell in ws[4]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center")
    parts = selectors.meeting_parts(user, meeting)
    _limited_figures(user, meeting, parts, campaign)
    counted_now = timezone.localtime().strftime("%Y-%m-%d %H:%M")
    for part in parts:
        as_of = (
            timezone.localtime(part.figures_at).strftime("%Y-%m-%d %H:%M")
            if part.figures_at
            else ""
        )
        _append(
            ws,
            [
                part.unit.name,
                *[int(part.pack_figures.get(k, 0)) for k in selectors.FIGURE_KEYS],
                part.get_state_display(),
                counted_now if campaign else as_of,
            ],
        )
    if campaign is not None:
        listing = wb.create_sheet(str(_("Measures"))[:31])
        _append(listing, [_("Unit"), _("Number"), _("Measure"), _("State"), _("Due date")])
        for cell in listing[1]:
            cell.font = Font(bold=True)
        for part in parts:
            for m in part.pack_measures:
                _append(
                    listing,
                    [
                        part.unit.name,
                        m.reference,
                        m.content,
                        m.get_state_display(),
                        m.due_date.isoformat() if m.due_date else "",
                    ],
                )
        listing.column_dimensions["C"].width = 60
    ws.column_dimensions["A"].width = 24
    ws.column_dimensions["H"].width = 18
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _stamp(meeting: Meeting) -> str:
    return timezone.localtime(meeting.starts_at).strftime("%Y%m%d")


def pack_docx_response(user: Any, meeting: Meeting, *, campaign: Any = None) -> HttpResponse:
    name = _("meeting-pack-%(day)s.docx") % {"day": _stamp(meeting)}
    return _attachment(pack_docx(user, meeting, campaign=campaign), name, DOCX)


def figures_xlsx_response(user: Any, meeting: Meeting, *, campaign: Any = None) -> HttpResponse:
    name = _("meeting-figures-%(day)s.xlsx") % {"day": _stamp(meeting)}
    return _attachment(figures_xlsx(user, meeting, campaign=campaign), name, XLSX)


def minutes_docx_response(user: Any, meeting: Meeting) -> HttpResponse:
    name = _("meeting-minutes-%(day)s.docx") % {"day": _stamp(meeting)}
    return _attachment(minutes_docx(user, meeting), name, DOCX)
