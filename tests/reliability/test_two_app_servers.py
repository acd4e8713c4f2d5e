"""Two app servers and one worker against one PostgreSQL, one object store and one Redis cache:
a person's requests alternate between the servers, as behind a load balancer, and everything
agrees — the sign-in made on one holds on the other, evidence uploaded on one is downloaded
from the other, an export started on one is run by the worker and fetched from the other, and
nothing was kept on either server's disk."""

from __future__ import annotations

import io
import os
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from openpyxl import load_workbook

from tests.forms import post_form
from tests.reliability.conftest import Site, free_port, wait_for

moto_server = pytest.importorskip("moto.server")
boto3 = pytest.importorskip("boto3")

KEY_ID, SECRET, REGION = "rectify-test", "rectify-test-secret", "us-east-1"
PASSWORD = "Rectify-2021"

pytestmark = pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="several app servers share one PostgreSQL (the reliability run on PostgreSQL)",
)


def _redis_up() -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", 6379)) == 0


@pytest.fixture
def s3() -> Iterator[tuple[str, str, Any]]:
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=free_port(), verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id=KEY_ID,
        aws_secret_access_key=SECRET,
        region_name=REGION,
    )
    bucket = f"rectify-{uuid.uuid4().hex[:12]}"
    client.create_bucket(Bucket=bucket)
    try:
        yield endpoint, bucket, client
    finally:
        server.stop()


def _keys(client: Any, bucket: str) -> list[str]:
    pages = client.get_paginator("list_objects_v2").paginate(Bucket=bucket)
    return sorted(obj["Key"] for page in pages for obj in page.get("Contents", []))


def _submit(http: requests.Session, base: str, path: str, change: dict[str, Any], **kw: Any) -> Any:
    """Submit the page's own POST form as rendered, with the person's changes."""
    page = http.get(base + path, timeout=30)
    assert page.status_code == 200, (path, page.status_code)
    form = post_form(page.text, path)
    replaced = set(change) | set(kw.get("files", {}))
    data = [(k, v) for k, v in form.fields if k not in replaced] + list(change.items())
    return http.post(base + path, data=data, allow_redirects=False, timeout=60, **kw)


def test_two_app_servers_agree(site: Site, s3: tuple[str, str, Any], tmp_path: Path) -> None:
    if not _redis_up() and os.environ.get("CI") != "true":
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    endpoint, bucket, client = s3
    site.env.update(
        {
            "PRIVATE_STORAGE_S3_BUCKET": bucket,
            "PRIVATE_STORAGE_S3_ENDPOINT_URL": endpoint,
            "PRIVATE_STORAGE_S3_ACCESS_KEY_ID": KEY_ID,
            "PRIVATE_STORAGE_S3_SECRET_ACCESS_KEY": SECRET,
            "PRIVATE_STORAGE_S3_REGION": REGION,
            "CACHE_URL": "redis://127.0.0.1:6379/5",
            "CACHE_KEY_PREFIX": f"two-servers-{uuid.uuid4().hex[:8]}",
            # Nothing may be written here by either server once storage is shared.
            "PRIVATE_STORAGE_ROOT": str(tmp_path / "local-disk-unused"),
        }
    )
    measure = site.driver("reporting-target")["measure"]
    assert measure, "no measure of branch 1 accepts evidence"
    a, b = free_port(), free_port()
    site.web(a)
    site.web(b)
    site.worker()
    server_a, server_b = f"http://127.0.0.1:{a}", f"http://127.0.0.1:{b}"
    http = requests.Session()

    # Signed in on A through the login form; B knows the session.
    signed_in = _submit(http, server_a, "/login/", {"username": "branch1", "password": PASSWORD})
    assert signed_in.status_code == 302, signed_in.text[:500]
    home = http.get(server_b + "/", allow_redirects=False, timeout=30)
    assert home.status_code == 200 and "卫宏博" in home.text, home.status_code

    # Evidence uploaded on A, listed and downloaded on B, stored once, in the object store.
    content = f"支部会议记录 {uuid.uuid4()}\n".encode() * 2000
    upload_path = f"/reporting/measures/{measure}/evidence/"
    uploaded = _submit(
        http,
        server_a,
        upload_path,
        {},
        files={"files": ("会议记录.txt", content, "text/plain")},
    )
    assert uploaded.status_code == 302, uploaded.text[:1000]
    evidence_id = site.query(
        "SELECT id FROM reporting_evidence WHERE measure_id = %s ORDER BY id DESC LIMIT 1",
        (measure,),
    )[0][0]
    downloaded = http.get(f"{server_b}/reporting/evidence/{evidence_id}/", timeout=30)
    assert downloaded.status_code == 200 and downloaded.content == content
    assert any(key.startswith("evidence/") for key in _keys(client, bucket))

    # An export started on A is run by the worker and fetched from B.
    started = http.get(server_a + "/documents/ledger.xlsx", allow_redirects=False, timeout=30)
    assert started.status_code == 302, started.status_code
    job_path = started.headers["Location"]
    job_id = int(job_path.rstrip("/").split("/")[-1])
    wait_for(lambda: site.job_progress(job_id)[0] in ("done", "failed"), 120, "the export")
    assert site.job_progress(job_id)[0] == "done", site.log("worker.log")
    page = http.get(server_b + job_path, timeout=30)
    assert page.status_code == 200 and "job-download" in page.text
    result = http.get(f"{server_b}{job_path}download/", timeout=60)
    assert result.status_code == 200
    assert load_workbook(io.BytesIO(result.content)).active.max_row > 1
    assert any(key.startswith(f"jobs/{job_id}/") for key in _keys(client, bucket))

    # Neither server kept a file of its own.
    local = tmp_path / "local-disk-unused"
    kept = [p for p in local.rglob("*") if p.is_file()] if local.exists() else []
    assert kept == []
    # The sign-in lives in the shared database: B still answers after A is gone.
    site.kill(site.procs[0])
    assert http.get(server_b + "/", allow_redirects=False, timeout=30).status_code == 200
