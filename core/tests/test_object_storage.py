"""Private files on S3-compatible object storage, against a real S3 server started here.

The server is moto's server mode: an HTTP endpoint speaking the S3 protocol, which the app
reaches through django-storages and boto3 exactly as it would reach MinIO or a cloud bucket.
Evidence is uploaded, previewed and downloaded through the real views; a job's upload and result
go through the documents views; presigned downloads are issued only after the scope check; and
a backup of an installation on object storage holds every object and restores onto local disk.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import urllib.request
import uuid
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from core import files
from core.backup import FILES, MANIFEST
from documents.models import Job, JobStatus
from documents.tests import ledger_samples as samples
from documents.tests.conftest import sample_inspection, samples_org
from reporting import storage
from reporting.models import Evidence

boto3 = pytest.importorskip("boto3")
moto_server = pytest.importorskip("moto.server")

ROOT = Path(__file__).resolve().parents[2]
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)
KEY_ID, SECRET = "rectify-test", "rectify-test-secret"
REGION = "us-east-1"
__all__ = ["sample_inspection", "samples_org"]  # fixtures shared with the documents tests


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    server = moto_server.ThreadedMotoServer(
        ip_address="127.0.0.1", port=_free_port(), verbose=False
    )
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


def _client(endpoint: str) -> Any:
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id=KEY_ID,
        aws_secret_access_key=SECRET,
        region_name=REGION,
    )


def _new_bucket(endpoint: str) -> str:
    bucket = f"rectify-{uuid.uuid4().hex[:12]}"
    _client(endpoint).create_bucket(Bucket=bucket)
    return bucket


def _keys(endpoint: str, bucket: str) -> list[str]:
    pages = _client(endpoint).get_paginator("list_objects_v2").paginate(Bucket=bucket)
    return sorted(obj["Key"] for page in pages for obj in page.get("Contents", []))


@pytest.fixture
def s3(settings: Any, s3_endpoint: str) -> dict[str, str]:
    """The private storage of this test is a fresh bucket, under a prefix, on the S3 server."""
    bucket = _new_bucket(s3_endpoint)
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": bucket,
                "endpoint_url": s3_endpoint,
                "access_key": KEY_ID,
                "secret_key": SECRET,
                "region_name": REGION,
                "location": "rectify",
                "addressing_style": "path",
                "signature_version": "s3v4",
                "default_acl": None,
                "querystring_auth": True,
                "querystring_expire": 60,
                "file_overwrite": True,
                "max_memory_size": 2 * 1024 * 1024,
            },
        },
    }
    settings.DOCUMENTS_JOBS_INLINE = True
    assert not files.is_local()
    return {"endpoint": s3_endpoint, "bucket": bucket}


def test_evidence_is_stored_once_in_the_bucket_and_served_through_the_scoped_view(
    world: Any, s3: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    m = world.measure(state="in_progress")
    upload_url = reverse("reporting:evidence_upload", args=[m.pk])
    client = world.client("branch1")
    response = client.post(upload_url, {"files": [SimpleUploadedFile("纪要.pdf", PDF)]})
    assert response.status_code == 302
    row = Evidence.objects.get(measure=m)
    key = f"rectify/{storage.name_for(row.sha256)}"
    assert _keys(s3["endpoint"], s3["bucket"]) == [key]

    # The same bytes again: the same name, one object still, and never written again.
    def no_write(*args: Any) -> None:
        raise AssertionError("an object already stored was written again")

    monkeypatch.setattr(files.private_storage(), "_save", no_write)
    assert storage.store([PDF[:10], PDF[10:]]) == (row.sha256, len(PDF))
    assert _keys(s3["endpoint"], s3["bucket"]) == [key]
    monkeypatch.undo()

    url = reverse("reporting:evidence_download", args=[row.pk])
    download = world.client("liaison1").get(url)
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment")
    assert b"".join(download.streaming_content) == PDF
    preview = world.client("liaison1").get(url + "?inline=1")
    assert preview["Content-Disposition"].startswith("inline")
    assert b"".join(preview.streaming_content) == PDF
    # Outside the measure's scope the object is as invisible as a file on disk.
    assert world.client("branch7").get(url).status_code == 404
    # A missing object is a clear 404, not a server error.
    _client(s3["endpoint"]).delete_object(Bucket=s3["bucket"], Key=key)
    assert world.client("liaison1").get(url).status_code == 404


def test_a_presigned_download_is_issued_only_after_the_scope_check(
    world: Any, s3: dict[str, str], settings: Any
) -> None:
    settings.PRIVATE_STORAGE_PRESIGNED_DOWNLOADS = True
    settings.PRIVATE_STORAGE_PRESIGNED_SECONDS = 30
    m = world.measure(state="in_progress")
    world.client("branch1").post(
        reverse("reporting:evidence_upload", args=[m.pk]),
        {"files": [SimpleUploadedFile("纪要.pdf", PDF)]},
    )
    row = Evidence.objects.get(measure=m)
    url = reverse("reporting:evidence_download", args=[row.pk])
    assert world.client("branch7").get(url).status_code == 404
    response = world.client("liaison1").get(url)
    assert response.status_code == 302
    location = response["Location"]
    assert location.startswith(s3["endpoint"] + "/")
    query = parse_qs(urlsplit(location).query)
    assert query["X-Amz-Expires"] == ["30"] and "X-Amz-Signature" in query
    assert response["Cache-Control"] == "private, no-store"
    with urllib.request.urlopen(location, timeout=10) as fetched:  # noqa: S310 - local server
        assert fetched.read() == PDF
        assert "attachment" in fetched.headers["Content-Disposition"]
    # The preview is framed by the site itself: it still streams from the app's own origin.
    preview = world.client("liaison1").get(url + "?inline=1")
    assert preview.status_code == 200 and b"".join(preview.streaming_content) == PDF


def test_a_job_upload_and_its_result_live_in_the_bucket(
    samples_org: Any, sample_inspection: Any, s3: dict[str, str], settings: Any
) -> None:
    client = samples_org.client("office")
    response = client.post(
        reverse("documents:import"),
        {
            "inspection": sample_inspection.pk,
            "file": SimpleUploadedFile("台账.csv", samples.csv_ledger()),
        },
    )
    assert response.status_code == 302
    preview = Job.objects.get(kind="import_preview")
    assert preview.status == JobStatus.DONE, preview.message
    assert preview.upload_path.startswith(f"{preview.pk}/upload-")
    assert preview.upload_path.endswith(".csv")
    upload_key = f"rectify/jobs/{preview.upload_path}"
    assert upload_key in _keys(s3["endpoint"], s3["bucket"])
    confirmed = client.post(
        reverse("documents:import_confirm", args=[preview.pk]), {"digest": preview.data["digest"]}
    )
    assert confirmed.status_code == 302
    assert Job.objects.get(kind="import_apply").status == JobStatus.DONE

    settings.DOCUMENTS_BACKGROUND_ROWS = 0
    exported = client.get(reverse("documents:ledger_export"))
    assert exported.status_code == 302
    job = Job.objects.get(kind="ledger_export")
    assert job.status == JobStatus.DONE, job.message
    assert f"rectify/jobs/{job.result_path}" in _keys(s3["endpoint"], s3["bucket"])
    download = client.get(reverse("documents:job_download", args=[job.pk]))
    assert download.status_code == 200
    body = b"".join(download.streaming_content)
    assert body.startswith(b"PK")
    # Only its owner downloads it.
    assert samples_org.client("leader").get(
        reverse("documents:job_download", args=[job.pk])
    ).status_code in (403, 404)


def _manage(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**os.environ, "FAST_PASSWORD_HASHER": "1", **env},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, f"manage.py {' '.join(args)} failed:\n{done.stderr[-3000:]}"
    return done.stdout


@pytest.mark.skipif(
    os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="runs installations of its own on SQLite; the storage, not the database, is tested",
)
def test_a_backup_of_an_object_storage_installation_restores_onto_local_disk(
    tmp_path: Path, s3_endpoint: str
) -> None:
    bucket = _new_bucket(s3_endpoint)
    on_s3 = {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'a.sqlite3'}",
        "AUDIT_CHECKPOINT_PATH": str(tmp_path / "a-checkpoint.jsonl"),
        "PRIVATE_STORAGE_ROOT": str(tmp_path / "a-files-unused"),
        "PRIVATE_STORAGE_S3_BUCKET": bucket,
        "PRIVATE_STORAGE_S3_ENDPOINT_URL": s3_endpoint,
        "PRIVATE_STORAGE_S3_ACCESS_KEY_ID": KEY_ID,
        "PRIVATE_STORAGE_S3_SECRET_ACCESS_KEY": SECRET,
        "PRIVATE_STORAGE_S3_REGION": REGION,
        "PRIVATE_STORAGE_S3_PREFIX": "site-a/",
    }
    on_disk = {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'b.sqlite3'}",
        "AUDIT_CHECKPOINT_PATH": str(tmp_path / "b-checkpoint.jsonl"),
        "PRIVATE_STORAGE_ROOT": str(tmp_path / "b-files"),
    }
    _manage(on_s3, "migrate", "--no-input", "-v", "0")
    _manage(on_s3, "generate_data", "--measures", "30")
    # An object no record names (a job's result, say) is part of the installation too.
    _client(s3_endpoint).put_object(
        Bucket=bucket, Key="site-a/jobs/7/说明.txt", Body="整改台账导出".encode()
    )
    keys = _keys(s3_endpoint, bucket)
    assert len(keys) > 2 and all(k.startswith("site-a/") for k in keys)
    assert not (tmp_path / "a-files-unused").exists()
    _manage(on_s3, "backup", str(tmp_path / "a.zip"))

    with zipfile.ZipFile(tmp_path / "a.zip") as archive:
        manifest = json.loads(archive.read(MANIFEST))
        members = {k for k in manifest["members"] if k.startswith(FILES)}
        assert members == {FILES + k.removeprefix("site-a/") for k in keys}
        bodies = {k: archive.read(FILES + k.removeprefix("site-a/")) for k in keys}
    for key, body in bodies.items():
        assert _client(s3_endpoint).get_object(Bucket=bucket, Key=key)["Body"].read() == body

    _manage(on_disk, "migrate", "--no-input", "-v", "0")
    _manage(on_disk, "restore", str(tmp_path / "a.zip"))
    for key, body in bodies.items():
        assert (tmp_path / "b-files" / key.removeprefix("site-a/")).read_bytes() == body
    out = _manage(on_disk, "verify_evidence")
    assert "stored files verified" in out


def _old_job_with_files(world: Any) -> Job:
    import datetime as dt

    from django.core.files.base import ContentFile
    from django.utils import timezone

    from documents.jobs import job_create

    job = job_create(
        kind="import_preview",
        owner=world.user("office"),
        params={},
        upload=b"a,b\n",
        upload_name="x.csv",
    )
    files.save(f"jobs/{job.pk}/ledger.xlsx", ContentFile(b"PK"))
    Job.objects.unscoped("test").filter(pk=job.pk).update(
        created_at=timezone.now() - dt.timedelta(days=8)
    )
    return job


def test_expired_jobs_leave_no_object_behind(world: Any, s3: dict[str, str]) -> None:
    from documents.jobs import purge_old_jobs

    job = _old_job_with_files(world)
    assert _keys(s3["endpoint"], s3["bucket"]) == [
        f"rectify/jobs/{job.pk}/ledger.xlsx",
        f"rectify/jobs/{job.upload_path}",
    ]
    assert purge_old_jobs() == 1
    assert _keys(s3["endpoint"], s3["bucket"]) == []


def test_on_local_disk_files_have_no_url_and_half_written_ones_are_not_stored_files(
    world: Any, settings: Any, tmp_path: Path
) -> None:
    from documents.jobs import purge_old_jobs

    settings.PRIVATE_STORAGE_ROOT = tmp_path / "private"
    assert files.is_local()
    job = _old_job_with_files(world)
    (tmp_path / "private" / "tmp" / "upload-half").write_bytes(b"half")
    assert list(files.walk()) == [f"jobs/{job.pk}/ledger.xlsx", f"jobs/{job.upload_path}"]
    with pytest.raises(ValueError):
        files.private_storage().url(f"jobs/{job.pk}/ledger.xlsx")
    # Saving an existing name leaves the stored file as it was.
    from django.core.files.base import ContentFile

    files.save(f"jobs/{job.pk}/ledger.xlsx", ContentFile(b"other"))
    assert (tmp_path / "private" / "jobs" / str(job.pk) / "ledger.xlsx").read_bytes() == b"PK"
    assert purge_old_jobs() == 1
    assert not (tmp_path / "private" / "jobs" / str(job.pk)).exists()
    assert list(files.walk()) == []


def test_a_large_file_goes_up_in_parts_and_comes_back_whole(s3: dict[str, str]) -> None:
    # Past boto3's 8 MB threshold the upload is multipart: the object appears only once complete.
    body = b"".join(f"{i:09d}\n".encode() for i in range(1_000_000))  # 10 MB
    sha, size = storage.store(body[i : i + 65536] for i in range(0, len(body), 65536))
    assert size == len(body)
    head = _client(s3["endpoint"]).head_object(
        Bucket=s3["bucket"], Key=f"rectify/{storage.name_for(sha)}"
    )
    assert head["ContentLength"] == len(body) and "-" in head["ETag"]  # a multipart ETag
    response = files.download_response(
        storage.name_for(sha), filename="大文件.txt", content_type="text/plain"
    )
    # Read from the store as it is sent, not copied whole first.
    assert isinstance(response.file_to_stream, files.ObjectStream)
    assert response["Content-Length"] == str(len(body))
    assert b"".join(response.streaming_content) == body
