"""The web server restarted (killed) in the middle of an export: the export, a task of the
worker, still ends, and its file is downloaded from the new web server."""

from __future__ import annotations

import io
import urllib.error
import urllib.request

from openpyxl import load_workbook

from tests.reliability.conftest import Site, free_port, wait_for


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return None


def _get(port: int, path: str, session: str) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}", headers={"Cookie": f"sessionid={session}"}
    )
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(request, timeout=30) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


def test_an_export_survives_a_restart_of_the_web_server(site: Site):
    session = site.driver("session", "office")["sessionid"]
    port = free_port()
    web = site.web(port)
    status, headers, _body = _get(port, "/documents/ledger.xlsx", session)
    assert status == 302, (status, site.log("web.log"))
    job_path = headers["Location"]
    job_id = int(job_path.rstrip("/").split("/")[-1])
    assert site.job_progress(job_id)[0] == "pending"

    # The web server dies while the export waits for (then runs in) the worker.
    site.kill(web)
    site.worker()
    web = site.web(port)
    wait_for(lambda: site.job_progress(job_id)[0] in ("done", "failed"), 120, "the export")
    assert site.job_progress(job_id)[0] == "done", site.log("worker.log")

    status, _headers, page = _get(port, job_path, session)
    assert status == 200 and b"job-download" in page
    status, headers, body = _get(port, f"{job_path}download/", session)
    assert status == 200, status
    sheet = load_workbook(io.BytesIO(body)).active
    assert sheet.max_row > 10
