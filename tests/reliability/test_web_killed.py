"""SIGKILL of the web server (master and workers) in the middle of an evidence upload and of a
close-out request: no evidence row without its file, the close-out either happened whole or not
at all, the audit chain verifies."""

from __future__ import annotations

import hashlib
import socket
import time
import uuid

from tests.reliability.conftest import Site, free_port

CSRF = "r" * 32


def _post(port: int, path: str, session: str, body: bytes, content_type: str, cut: float) -> None:
    """Send the request; `cut` < 1 sends only that share of the body (the upload is still
    arriving when the server dies)."""
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        f"Cookie: sessionid={session}; csrftoken={CSRF}\r\nX-CSRFToken: {CSRF}\r\n"
        f"Content-Type: {content_type}\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode()
    sock = socket.create_connection(("127.0.0.1", port), timeout=30)
    sock.sendall(head + body[: int(len(body) * min(cut, 1.0))])
    return sock  # type: ignore[return-value]


def _multipart(name: str, content: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="csrfmiddlewaretoken"\r\n\r\n'
            f"{CSRF}\r\n--{boundary}\r\n"
            f'Content-Disposition: form-data; name="files"; filename="{name}"\r\n'
            "Content-Type: text/plain\r\n\r\n"
        ).encode()
        + content
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return body, f"multipart/form-data; boundary={boundary}"


# (share of the body sent, seconds between the last byte and the kill)
MOMENTS = [(0.5, 0.0), (1.0, 0.2)]


def test_killing_the_web_server_mid_upload_and_mid_close_out_leaves_consistent_data(site: Site):
    measure = site.driver("reporting-target")["measure"]
    assert measure, "no measure of branch 1 accepts evidence and a close-out request"
    session = site.driver("session", "branch1")["sessionid"]
    port = free_port()
    # Finding the measure tried an upload and rolled it back: its bytes stay, unreferenced.
    uploaded = set(site.driver("evidence-consistency")["unreferenced"])

    for n, (cut, delay) in enumerate(MOMENTS):
        content = (f"佐证材料 {n} {uuid.uuid4()}\n" * 60000).encode()
        uploaded.add(hashlib.sha256(content).hexdigest())
        body, kind = _multipart(f"evidence-{n}.txt", content)
        web = site.web(port)
        sock = _post(port, f"/reporting/measures/{measure}/evidence/", session, body, kind, cut)
        time.sleep(delay)
        site.kill(web)
        sock.close()
        state = site.driver("evidence-consistency")
        assert state["missing"] == [], state
        # Stored bytes are content-addressed and written before their row's transaction: a kill
        # between the two leaves at most the upload in flight, unreferenced.
        assert set(state["unreferenced"]) <= uploaded, state

    body = f"csrfmiddlewaretoken={CSRF}&summary=%E5%B7%B2%E5%AE%8C%E6%88%90".encode()
    for delay in (0.0, 0.3):
        web = site.web(port)
        sock = _post(
            port,
            f"/reporting/measures/{measure}/close-out/",
            session,
            body,
            "application/x-www-form-urlencoded",
            1.0,
        )
        time.sleep(delay)
        site.kill(web)
        sock.close()
        state = site.driver("closeout-consistency", str(measure))
        assert state["problems"] == [] and state["open"] <= 1, state

    audit = site.manage("verify_audit")
    assert audit.returncode == 0, audit.stdout + audit.stderr
