"""Evidence (佐证材料): checked by content, fingerprinted, kept privately, served by scope."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from ledger.models import Measure
from reporting import storage
from reporting.models import Evidence
from reporting.services import Upload, evidence_add, evidence_add_text, evidence_withdraw
from reporting.tests.conftest import EXE, JPG, PDF, PNG, ooxml, upload, zip_bomb


def _add(
    world: Any, *files: Any, user: str = "branch1", measure: Measure | None = None
) -> list[Evidence]:
    m = measure or world.measure(state="in_progress")
    return evidence_add(by=world.user(user), measure=m, uploads=[Upload(f, "") for f in files])


def _refusal(world: Any, f: Any) -> str:
    with pytest.raises(ValidationError) as info:
        _add(world, f)
    return " ".join(info.value.messages)


def test_accepted_types_are_recognised_by_their_content(world: Any) -> None:
    rows = _add(
        world,
        upload("会议纪要.pdf", PDF),
        upload("照片.jpg", JPG),
        upload("截图.png", PNG),
        upload("制度.docx", ooxml("docx")),
        upload("台账.xlsx", ooxml("xlsx")),
        upload("汇报.pptx", ooxml("pptx")),
        upload("说明.txt", "整改情况说明".encode()),
    )
    assert [r.kind for r in rows] == ["pdf", "jpg", "png", "docx", "xlsx", "pptx", "txt"]
    assert rows[0].content_type == "application/pdf"


def test_the_name_does_not_decide_the_type(world: Any) -> None:
    (row,) = _add(world, upload("scan.pdf", PNG))
    assert row.kind == "png" and row.original_name == "scan.pdf"


def test_a_program_renamed_pdf_is_refused(world: Any) -> None:
    message = _refusal(world, upload("整改报告.pdf", EXE))
    assert "整改报告.pdf" in message and "Windows program" in message


def test_an_empty_file_is_refused(world: Any) -> None:
    assert "empty" in _refusal(world, upload("空.pdf", b""))


def test_an_oversized_file_is_refused(world: Any, settings: Any) -> None:
    settings.EVIDENCE_MAX_BYTES = 1024
    message = _refusal(world, upload("大.pdf", PDF + b"0" * 2000))
    assert "too large" in message and "1 KB" in message


def test_a_zip_bomb_dressed_as_a_document_is_refused(world: Any, settings: Any) -> None:
    settings.EVIDENCE_MAX_BYTES = 2 * 1024 * 1024
    bomb = zip_bomb("docx", inflated=64 * 1024 * 1024)
    assert len(bomb) < settings.EVIDENCE_MAX_BYTES
    assert "zip bomb" in _refusal(world, upload("制度.docx", bomb))
    assert "zip bomb" in _refusal(
        world, upload("台账.xlsx", zip_bomb("xlsx", inflated=64 * 1024 * 1024))
    )


def test_a_plain_zip_and_unknown_binaries_are_refused(world: Any) -> None:
    import io
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("a.txt", "x")
    assert "ZIP" in _refusal(world, upload("材料.docx", buf.getvalue()))
    assert "not of an accepted type" in _refusal(world, upload("x.pdf", b"\x00\x01\x02binary\x00"))


def test_allowed_types_come_from_the_settings(world: Any, settings: Any) -> None:
    settings.EVIDENCE_ALLOWED_TYPES = ["pdf"]
    assert "not accepted" in _refusal(world, upload("说明.txt", b"plain text"))


def test_one_bad_file_refuses_the_whole_upload_and_names_it(world: Any) -> None:
    m = world.measure(state="in_progress")
    before = Evidence.objects.filter(measure=m).count()
    with pytest.raises(ValidationError) as info:
        _add(world, upload("好.pdf", PDF), upload("坏.pdf", EXE), measure=m)
    assert any("坏.pdf" in msg for msg in info.value.messages)
    assert Evidence.objects.filter(measure=m).count() == before


def test_files_are_stored_privately_by_their_sha256(
    world: Any, private_storage: Path, settings: Any
) -> None:
    (row,) = _add(world, upload("会议纪要.pdf", PDF))
    assert row.sha256 == hashlib.sha256(PDF).hexdigest() and row.size == len(PDF)
    path = storage.path_for(row.sha256)
    assert path.read_bytes() == PDF
    assert private_storage in path.parents
    static_root = Path(settings.STATIC_ROOT).resolve()
    assert static_root not in path.resolve().parents


def test_nothing_already_stored_is_lost(world: Any) -> None:
    (first,) = _add(world, upload("a.pdf", PDF))
    mtime = storage.path_for(first.sha256).stat().st_mtime_ns
    (again,) = _add(world, upload("b.pdf", PDF), measure=world.new_measure())
    assert again.sha256 == first.sha256
    assert storage.path_for(first.sha256).stat().st_mtime_ns == mtime
    with pytest.raises(ValidationError):
        _add(world, upload("c.pdf", EXE))
    assert storage.path_for(first.sha256).read_bytes() == PDF


def test_withdrawn_files_are_kept_and_marked(world: Any) -> None:
    m = world.measure(state="in_progress")
    count = Measure.objects.get(pk=m.pk).evidence_count
    (row,) = _add(world, upload("a.pdf", PDF), measure=m)
    assert Measure.objects.get(pk=m.pk).evidence_count == count + 1
    evidence_withdraw(by=world.user("branch1"), evidence=row, reason="上传错误")
    row.refresh_from_db()
    assert row.is_withdrawn and row.withdraw_reason == "上传错误"
    assert storage.path_for(row.sha256).exists()
    assert Measure.objects.get(pk=m.pk).evidence_count == count
    with pytest.raises(ValidationError):
        evidence_withdraw(by=world.user("branch1"), evidence=row, reason="again")


def test_only_people_of_the_measure_may_add_or_withdraw(world: Any) -> None:
    with pytest.raises(PermissionDenied):
        _add(world, upload("a.pdf", PDF), user="leader")
    with pytest.raises(PermissionDenied):
        _add(world, upload("a.pdf", PDF), user="branch7")
    (row,) = _add(world, upload("a.pdf", PDF))
    with pytest.raises(PermissionDenied):
        evidence_withdraw(by=world.user("liaison1"), evidence=row, reason="x")


def test_a_generated_text_file_goes_through_the_same_path(world: Any) -> None:
    row = evidence_add_text(
        by=world.user("branch1"),
        measure=world.measure(state="in_progress"),
        name="说明",
        content="整改完成",
    )
    assert row.kind == "txt" and row.original_name == "说明.txt"
    assert storage.path_for(row.sha256).read_bytes() == "整改完成".encode()


# --- through the browser's door ------------------------------------------------------------


def test_several_files_upload_at_once_with_their_descriptions(world: Any) -> None:
    m = world.measure(state="in_progress")
    client = world.client("branch1")
    response = client.post(
        reverse("reporting:evidence_upload", args=[m.pk]),
        {
            "files": [upload("纪要.pdf", PDF), upload("照片.png", PNG)],
            "description_0": "支部会议纪要",
            "description": "共用说明",
        },
    )
    assert response.status_code == 302
    rows = list(Evidence.objects.filter(measure=m).order_by("-id")[:2])[::-1]
    assert [(r.original_name, r.description) for r in rows] == [
        ("纪要.pdf", "支部会议纪要"),
        ("照片.png", "共用说明"),
    ]


def test_a_refused_upload_shows_a_clear_message_and_is_not_a_server_error(world: Any) -> None:
    m = world.measure(state="in_progress")
    response = world.client("branch1").post(
        reverse("reporting:evidence_upload", args=[m.pk]), {"files": [upload("report.pdf", EXE)]}
    )
    assert response.status_code == 400
    assert "report.pdf" in response.content.decode()


def test_the_upload_form_works_from_a_phone_camera(world: Any) -> None:
    m = world.measure(state="in_progress")
    html = (
        world.client("branch1")
        .get(reverse("reporting:evidence_upload", args=[m.pk]))
        .content.decode()
    )
    assert 'capture="environment"' in html and 'accept="image/*' in html
    assert "multiple" in html and 'name="viewport"' in html


def test_download_and_preview_are_served_with_the_detected_type(world: Any) -> None:
    (pdf, exe_named_png) = _add(world, upload("纪要.pdf", PDF), upload("x.png", PNG))
    client = world.client("liaison1")
    response = client.get(reverse("reporting:evidence_download", args=[pdf.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment")
    inline = client.get(reverse("reporting:evidence_download", args=[pdf.pk]) + "?inline=1")
    assert inline["Content-Disposition"].startswith("inline")
    assert inline["X-Content-Type-Options"] == "nosniff"
    txt = evidence_add_text(by=world.user("branch1"), measure=pdf.measure, name="t", content="x")
    not_inline = client.get(reverse("reporting:evidence_download", args=[txt.pk]) + "?inline=1")
    assert not_inline["Content-Disposition"].startswith("attachment")
    del exe_named_png


def test_evidence_cannot_be_fetched_outside_the_measures_scope(world: Any) -> None:
    m = world.scoped_measure()
    row = evidence_add_text(by=world.user("branch1"), measure=m, name="a", content="机密")
    url = reverse("reporting:evidence_download", args=[row.pk])
    assert world.client("branch7").get(url).status_code == 404
    assert world.client("branch7").get(url + "?inline=1").status_code == 404
    assert world.client(None).get(url).status_code == 302
    for guess in (row.pk + 1, row.pk + 1000, 0):
        assert (
            world.client("branch7")
            .get(reverse("reporting:evidence_download", args=[guess]))
            .status_code
            == 404
        )
    assert world.client("branch1").get(url).status_code == 200


def test_the_stored_files_can_be_verified(world: Any) -> None:
    from django.core.management import CommandError, call_command

    (row,) = _add(world, upload("a.pdf", PDF))
    Evidence.objects.exclude(pk=row.pk).update(sha256=row.sha256)  # demo files live elsewhere
    call_command("verify_evidence")
    storage.path_for(row.sha256).write_bytes(b"tampered")
    with pytest.raises(CommandError, match="missing or changed"):
        call_command("verify_evidence")
