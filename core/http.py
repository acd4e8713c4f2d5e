"""Where a form may send the person next: only to this site, whatever the `next` parameter
says (`//other-host`, `https://evil`, `\\\\evil` and `/\\evil` all lead elsewhere)."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme


def safe_next(request: HttpRequest, fallback: str) -> str:
    """The `next` of the request (POST first, then GET) if it stays on this site, else the
    fallback."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback
