"""Permission-matrix cases of the audit administrator's desk (collected by
tests/test_permission_matrix.py): only the audit administrator reads the trail and the
self-check; with the administrators separated, the system administrator does not."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from tests.matrix import Case, post_only, read_only, roles


def _verifications(w: Any) -> int:
    from core.models import AuditVerification

    return AuditVerification.objects.count()


CASES = [
    *read_only(
        Case("compliance:trail", lambda w: reverse("compliance:trail"), roles("auditor")),
        Case(
            "compliance:trail",
            lambda w: reverse("compliance:trail") + "?who=admins&q=admin",
            roles("auditor"),
            note="administrators",
        ),
        Case(
            "compliance:trail_export",
            lambda w: reverse("compliance:trail_export"),
            roles("auditor"),
        ),
        Case("compliance:selfcheck", lambda w: reverse("compliance:selfcheck"), roles("auditor")),
        Case(
            "compliance:selfcheck_docx",
            lambda w: reverse("compliance:selfcheck_docx"),
            roles("auditor"),
        ),
    ),
    *post_only(
        Case(
            "compliance:verify",
            lambda w: reverse("compliance:verify"),
            roles("auditor", status=302),
            method="post",
            effect=_verifications,
        )
    ),
]
