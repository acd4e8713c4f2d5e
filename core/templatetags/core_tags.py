from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from markupsafe import escape

register = template.Library()


@register.simple_tag(takes_context=True)
def query_replace(context: dict[str, Any], **kwargs: Any) -> str:
    """The current query string with some parameters replaced: keeps filters across pages."""
    query = context["request"].GET.copy()
    for key, value in kwargs.items():
        if value is None or value == "":
            query.pop(key, None)
        else:
            query[key] = value
    return str(query.urlencode())


@register.simple_tag
def select_options(choices: Any, current: Any) -> str:
    """<option>s built in Python: a template loop costs tens of µs an option, and a person
    filter can hold thousands. Values and labels are escaped here."""
    selected = "" if current is None else str(current)
    return mark_safe(
        "".join(
            f'<option value="{escape(str(value))}"'
            f"{' selected' if str(value) == selected else ''}>{escape(str(label))}</option>"
            for value, label in choices
        )
    )


@register.simple_tag
def submit_once() -> str:
    """A hidden one-time key beside `{% csrf_token %}`: the same submission is stored once
    (see core.submission)."""
    from core.submission import FIELD, new_key

    return format_html('<input type="hidden" name="{}" value="{}">', FIELD, new_key())
