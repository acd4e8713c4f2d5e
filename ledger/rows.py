"""The ledger table's rows as HTML, built in Python.

The ledger is the page the office keeps open all day, 50 to 200 rows at a time. Rendered by the
template engine, each row cost about a millisecond (an include per light and state, a URL
reversal per link, a translation per label); here the labels are translated once per page, the
addresses are filled into patterns reversed once, and every value goes through MarkupSafe's
escape (a C function). The markup is the same as the shared pieces it replaces
(ledger/_light.html, _state.html, _return_reason.html), which other pages still include.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator
from django.utils.translation import gettext, pgettext
from markupsafe import escape

# An id no row has, reversed once and replaced by each row's id.
_PLACEHOLDER = 987654321


def url_pattern(name: str) -> Callable[[int], str]:
    """`reverse(name, args=[pk])` for many pks at the cost of one reversal."""
    head, _sep, tail = reverse(name, args=[_PLACEHOLDER]).rpartition(str(_PLACEHOLDER))
    return lambda pk: f"{head}{pk}{tail}"


def _e(value: Any) -> str:
    return str(escape("" if value is None else str(value)))


class _Labels:
    """Every text of a row, translated once for the page's language."""

    def __init__(self) -> None:
        self.inspection = _e(gettext("Inspection"))
        self.number = _e(gettext("No."))
        self.theme = _e(gettext("Theme"))
        self.problem = _e(gettext("Problem"))
        self.measure = _e(gettext("Measure"))
        self.leader = _e(gettext("Responsible leader"))
        self.lead_unit = _e(gettext("Lead unit"))
        self.coop = _e(gettext("Co-operating units"))
        self.persons = _e(gettext("Responsible persons"))
        self.deadline = _e(gettext("Deadline"))
        self.progress = _e(gettext("Progress"))
        self.state = _e(gettext("State"))
        self.evidence = _e(gettext("Evidence"))
        self.select = _e(gettext("Select"))
        self.supervised = _e(gettext("Supervised"))
        self.not_in_directory = _e(gettext("Not in the people directory"))
        self.returned = _e(pgettext("mark", "Returned"))
        self.relapse = _e(pgettext("mark", "Relapse"))
        # "Returned because: %(reason)s", split around the reason so each row only fills it in.
        marker = "\x00"
        head, _sep, tail = (
            gettext("Returned because: %(reason)s").replace("%(reason)s", marker).partition(marker)
        )
        self.returned_because = (_e(head), _e(tail))


def light_html(light: Any) -> str:
    """ledger/_light.html."""
    days = "" if light.days_left is None else f" · {light.days_left}"
    value = _e(light.light)
    return (
        f'<span class="light light-{value}" title="{_e(light.light.label)}{days}" '
        f'data-light="{value}"></span>'
    )


def state_html(m: Any, labels: _Labels) -> str:
    """ledger/_state.html."""
    state = _e(m.state)
    out = (
        f'<span class="badge state-badge state-{state}" data-state="{state}">'
        f"{_e(m.get_state_display())}</span>"
    )
    if m.is_returned:
        out += (
            ' <span class="badge text-bg-warning" data-testid="mark-returned" '
            f'title="{_e(m.return_reason)}">{labels.returned}</span>'
        )
    if m.is_relapsed:
        out += (
            ' <span class="badge text-bg-danger" data-testid="mark-relapsed">'
            f"{labels.relapse}</span>"
        )
    return out


def return_reason_html(m: Any, labels: _Labels) -> str:
    """ledger/_return_reason.html."""
    if not (m.is_returned and m.return_reason):
        return ""
    reason = Truncator(m.return_reason).chars(120)
    head, tail = labels.returned_because
    return (
        '<div class="small text-warning-emphasis" data-testid="return-reason">'
        f"{head}{_e(reason)}{tail}</div>"
    )


def _names(items: Iterable[Any]) -> str:
    return "、".join(_e(item.name) for item in items)


def render_rows(rows: list[dict[str, Any]], *, can_bulk: bool, show_inspection: bool) -> SafeString:
    """The <tr>s of ledger/_table.html for rows built by selectors.ledger_rows, of measures
    read by selectors.ledger_measures(as_lists=True)."""
    labels = _Labels()
    finding_url = url_pattern("ledger:finding_detail")
    measure_url = url_pattern("ledger:measure_detail")
    out: list[str] = []
    for row in rows:
        m = row["m"]
        cells = [f'<tr data-measure="{m.pk}">']
        if can_bulk:
            cells.append(
                f'<td><input type="checkbox" class="form-check-input" name="ids" value="{m.pk}" '
                f'aria-label="{labels.select}"></td>'
            )
        if row["span"]:
            span = row["span"]
            finding = m.finding
            if show_inspection:
                cells.append(
                    f'<td rowspan="{span}" class="finding-cell" data-label="{labels.inspection}">'
                    f"{_e(finding.inspection.label)}</td>"
                )
            cells.append(
                f'<td rowspan="{span}" class="finding-cell text-nowrap" '
                f'data-label="{labels.number}">{_e(finding.number)}</td>'
                f'<td rowspan="{span}" class="finding-cell" data-label="{labels.theme}">'
                f"{_e(finding.theme.name)}</td>"
                f'<td rowspan="{span}" class="finding-cell finding-text" '
                f'data-label="{labels.problem}"><a href="{finding_url(m.finding_id)}">'
                f'<span class="clamp-3">{_e(finding.text)}</span></a></td>'
            )
        cells.append(f"<td>{light_html(row['light'])}</td>")
        number = f'<span class="text-muted">{_e(m.number)}</span> ' if m.number else ""
        badges = ""
        if m.is_flagged:
            badges = f' <span class="badge text-bg-danger">{labels.supervised}</span>'
        badges += "".join(
            f'<span class="badge text-bg-light border">{_e(t.name)}</span>' for t in m.tag_list
        )
        cells.append(
            f'<td class="measure-text" data-label="{labels.measure}"><a href="{measure_url(m.pk)}">'
            f'{number}<span class="clamp-3">{_e(m.content)}</span></a>'
            f"{badges}</td>"
        )
        if m.responsible_leader_id:
            leader = _e(m.responsible_leader.name)
        elif m.responsible_leader_text:
            leader = (
                f'<span title="{labels.not_in_directory}">{_e(m.responsible_leader_text)}</span>'
            )
        else:
            leader = "—"
        cells.append(f'<td data-label="{labels.leader}">{leader}</td>')
        cells.append(f'<td data-label="{labels.lead_unit}">{_e(m.lead_unit.name)}</td>')
        cells.append(f'<td data-label="{labels.coop}">{_names(row["coop"]) or "—"}</td>')
        persons = _names(m.person_list)
        if m.responsible_persons_text:
            kept = (
                f'<span title="{labels.not_in_directory}">{_e(m.responsible_persons_text)}</span>'
            )
            persons = f"{persons}、{kept}" if persons else kept
        cells.append(f'<td data-label="{labels.persons}">{persons or "—"}</td>')
        deadline = m.due_date.isoformat() if m.due_date else _e(m.get_deadline_kind_display())
        cells.append(f'<td class="text-nowrap" data-label="{labels.deadline}">{deadline}</td>')
        progress = int(m.progress)
        cells.append(
            # The figure, and under it a bar (an empty element, silent to screen readers)
            # drawn by CSS from one custom property.
            f'<td class="progress-cell" data-label="{labels.progress}">{progress}%'
            f'<i style="--p:{progress}%"></i></td>'
        )
        cells.append(
            f'<td data-label="{labels.state}">{state_html(m, labels)}'
            f"{return_reason_html(m, labels)}</td>"
        )
        cells.append(f'<td data-label="{labels.evidence}">{int(m.evidence_count)}</td>')
        cells.append("</tr>")
        out.append("".join(cells))
    # Every value above is escaped.
    return mark_safe("".join(out))
