"""Files and rules the register's tests share."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
LEAD = "党委办公室"
CONSULTED = ("人事处", "学生工作处(团委)")


def docx_bytes(*paragraphs: str) -> bytes:
    from docx import Document

    document = Document()
    for text in paragraphs:
        document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def docx_upload(*paragraphs: str, name: str = "草案.docx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, docx_bytes(*paragraphs), content_type=DOCX)


def make_rule(
    world: Any, *, title: str = "会商研讨机制实施办法", consulted: tuple[str, ...] = CONSULTED
) -> Any:
    from regulations import services

    today = timezone.localdate()
    return services.rule_create(
        by=world.user("office"),
        inspection=world.inspection(),
        data=services.RuleData(
            title=title,
            kind="measures",
            lead_unit=world.unit(LEAD),
            consulted_units=[world.unit(name) for name in consulted],
            findings=[world.finding()],
            dues={
                "drafting": today + dt.timedelta(days=10),
                "consulting": today + dt.timedelta(days=20),
                "deliberating": today + dt.timedelta(days=30),
                "issuing": today + dt.timedelta(days=40),
                "evaluating": today + dt.timedelta(days=200),
            },
        ),
    )
