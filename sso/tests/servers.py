"""Identity services the single sign-on tests sign in against, started by the tests: a small
CAS server and a small OpenID Connect provider (each an HTTP server in a thread, answering as
the real ones do on the wire), and Debian's slapd on a free port with a directory of its own."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit
from xml.sax.saxutils import escape

import jwt


class _Handler(BaseHTTPRequestHandler):
    def log_message(self, *args: Any) -> None:  # the test output stays quiet
        pass

    def _query(self) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(urlsplit(self.path).query).items()}

    def _send(self, status: int, body: str = "", ctype: str = "text/plain", **headers: str) -> None:
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)


@contextmanager
def _serving(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


# --- CAS --------------------------------------------------------------------------------------


@dataclass
class CasServer:
    """A CAS 3 server: /login signs in `user` and sends a service ticket back to the service;
    /p3/serviceValidate answers once per ticket, for the service it was issued to."""

    url: str = ""
    user: str = ""
    attributes: dict[str, str] = field(default_factory=dict)
    tickets: dict[str, tuple[str, str, dict[str, str]]] = field(default_factory=dict)
    validations: int = 0


def _cas_handler(cas: CasServer) -> type[BaseHTTPRequestHandler]:
    class Handler(_Handler):
        def do_GET(self) -> None:
            path = urlsplit(self.path).path
            query = self._query()
            if path == "/cas/login":
                ticket = "ST-" + secrets.token_hex(8)
                cas.tickets[ticket] = (query["service"], cas.user, dict(cas.attributes))
                joiner = "&" if "?" in query["service"] else "?"
                self._send(302, Location=query["service"] + joiner + urlencode({"ticket": ticket}))
            elif path == "/cas/p3/serviceValidate":
                cas.validations += 1
                issued = cas.tickets.pop(query.get("ticket", ""), None)
                if issued is None or issued[0] != query.get("service"):
                    body = (
                        '<cas:authenticationFailure code="INVALID_TICKET">'
                        "Ticket not recognized</cas:authenticationFailure>"
                    )
                else:
                    _service, user, attributes = issued
                    attrs = "".join(
                        f"<cas:{k}>{escape(v)}</cas:{k}>" for k, v in attributes.items()
                    )
                    body = (
                        f"<cas:authenticationSuccess><cas:user>{escape(user)}</cas:user>"
                        f"<cas:attributes>{attrs}</cas:attributes></cas:authenticationSuccess>"
                    )
                xml = f'<cas:serviceResponse xmlns:cas="http://www.yale.edu/tp/cas">{body}</cas:serviceResponse>'
                self._send(200, xml, "application/xml")
            else:
                self._send(404)

    return Handler


@contextmanager
def cas_server() -> Iterator[CasServer]:
    cas = CasServer()
    with _serving(_cas_handler(cas)) as url:
        cas.url = url + "/cas/"
        yield cas


# --- OpenID Connect ---------------------------------------------------------------------------


@dataclass
class OidcProvider:
    """An OpenID Connect provider of the authorization-code flow: /authorize signs in `claims`
    and sends a code back; /token exchanges it once for an ID token (HS256, signed with the
    client secret, or RS256 with the key published at /jwks) and an access token; /userinfo
    answers the access token's claims."""

    client_id: str = "rectify"
    client_secret: str = "oidc-test-secret-0123456789abcdef"
    algorithm: str = "HS256"
    # RS256: the provider's key, published at /jwks; `signing_key` signs (another key forges).
    rsa_key: Any = None
    signing_key: Any = None
    url: str = ""
    claims: dict[str, Any] = field(default_factory=dict)
    codes: dict[str, dict[str, Any]] = field(default_factory=dict)
    tokens: dict[str, dict[str, Any]] = field(default_factory=dict)

    def settings(self) -> dict[str, Any]:
        return {
            "OIDC_RP_CLIENT_ID": self.client_id,
            "OIDC_RP_CLIENT_SECRET": self.client_secret,
            "OIDC_RP_SIGN_ALGO": self.algorithm,
            "OIDC_OP_AUTHORIZATION_ENDPOINT": self.url + "/authorize",
            "OIDC_OP_TOKEN_ENDPOINT": self.url + "/token",
            "OIDC_OP_USER_ENDPOINT": self.url + "/userinfo",
            "OIDC_OP_JWKS_ENDPOINT": self.url + "/jwks" if self.algorithm == "RS256" else None,
        }

    def use_rs256(self) -> None:
        from cryptography.hazmat.primitives.asymmetric import rsa

        self.algorithm = "RS256"
        self.rsa_key = self.signing_key = rsa.generate_private_key(
            public_exponent=65537, key_size=2048
        )

    def jwks(self) -> dict[str, Any]:
        jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.rsa_key.public_key()))
        return {"keys": [jwk | {"kid": "k1", "alg": "RS256", "use": "sig"}]}

    def sign(self, claims: dict[str, Any]) -> str:
        if self.algorithm == "RS256":
            return jwt.encode(claims, self.signing_key, algorithm="RS256", headers={"kid": "k1"})
        return jwt.encode(claims, self.client_secret, algorithm="HS256")


def _oidc_handler(op: OidcProvider) -> type[BaseHTTPRequestHandler]:
    class Handler(_Handler):
        def do_GET(self) -> None:
            path = urlsplit(self.path).path
            query = self._query()
            if path == "/authorize":
                if query.get("client_id") != op.client_id or query.get("response_type") != "code":
                    self._send(400, "bad request")
                    return
                code = secrets.token_hex(8)
                op.codes[code] = {
                    "nonce": query.get("nonce"),
                    "redirect_uri": query["redirect_uri"],
                    "claims": dict(op.claims),
                }
                target = (
                    query["redirect_uri"] + "?" + urlencode({"code": code, "state": query["state"]})
                )
                self._send(302, Location=target)
            elif path == "/jwks" and op.rsa_key is not None:
                self._send(200, json.dumps(op.jwks()), "application/json")
            elif path == "/userinfo":
                token = self.headers.get("Authorization", "").removeprefix("Bearer ")
                if token not in op.tokens:
                    self._send(401, "{}", "application/json")
                    return
                self._send(200, json.dumps(op.tokens[token]), "application/json")
            else:
                self._send(404)

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
            grant = op.codes.pop(form.get("code", ""), None)
            if (
                urlsplit(self.path).path != "/token"
                or grant is None
                or form.get("client_id") != op.client_id
                or form.get("client_secret") != op.client_secret
                or form.get("redirect_uri") != grant["redirect_uri"]
            ):
                self._send(400, json.dumps({"error": "invalid_grant"}), "application/json")
                return
            now = int(time.time())
            claims = grant["claims"]
            id_token = op.sign(
                {
                    "iss": op.url,
                    "aud": op.client_id,
                    "sub": claims.get("sub", "subject"),
                    "iat": now,
                    "exp": now + 300,
                    "nonce": grant["nonce"],
                }
            )
            access = secrets.token_hex(16)
            op.tokens[access] = claims
            body = {"access_token": access, "token_type": "Bearer", "id_token": id_token}
            self._send(200, json.dumps(body), "application/json")

    return Handler


@contextmanager
def oidc_provider() -> Iterator[OidcProvider]:
    op = OidcProvider()
    with _serving(_oidc_handler(op)) as url:
        op.url = url
        yield op


# --- LDAP (Debian's slapd) --------------------------------------------------------------------

SLAPD = shutil.which("slapd") or ("/usr/sbin/slapd" if os.path.exists("/usr/sbin/slapd") else None)
LDAP_SUFFIX = "dc=college,dc=test"
LDAP_PEOPLE = f"ou=people,{LDAP_SUFFIX}"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _ldif(people: list[dict[str, str]]) -> str:
    entries = [
        f"dn: {LDAP_SUFFIX}\nobjectClass: dcObject\nobjectClass: organization\n"
        "dc: college\no: College\n",
        f"dn: {LDAP_PEOPLE}\nobjectClass: organizationalUnit\nou: people\n",
    ]
    for p in people:
        entries.append(
            f"dn: uid={p['uid']},{LDAP_PEOPLE}\nobjectClass: inetOrgPerson\n"
            f"uid: {p['uid']}\ncn: {p['cn']}\nsn: {p['cn']}\n"
            f"employeeNumber: {p['employeeNumber']}\nmail: {p['mail']}\n"
            f"userPassword: {p['password']}\n"
        )
    return "\n".join(entries)


@contextmanager
def slapd(people: list[dict[str, str]]) -> Iterator[str]:
    """A private slapd with `people` in ou=people, on a free port; yields its URI."""
    assert SLAPD is not None
    work = Path(tempfile.mkdtemp(prefix="rectify-slapd-"))
    (work / "data").mkdir()
    conf = work / "slapd.conf"
    conf.write_text(
        "include /etc/ldap/schema/core.schema\n"
        "include /etc/ldap/schema/cosine.schema\n"
        "include /etc/ldap/schema/inetorgperson.schema\n"
        f"pidfile {work}/slapd.pid\n"
        "modulepath /usr/lib/ldap\nmoduleload back_mdb\n"
        "database mdb\nmaxsize 10485760\n"
        f'suffix "{LDAP_SUFFIX}"\nrootdn "cn=admin,{LDAP_SUFFIX}"\nrootpw admin-secret\n'
        f"directory {work}/data\n"
    )
    (work / "people.ldif").write_text(_ldif(people))
    slapadd = str(Path(SLAPD).with_name("slapadd"))
    subprocess.run(
        [slapadd, "-f", str(conf), "-l", str(work / "people.ldif")],
        check=True,
        capture_output=True,
    )
    port = _free_port()
    uri = f"ldap://127.0.0.1:{port}"
    process = subprocess.Popen(
        [SLAPD, "-f", str(conf), "-h", uri + "/", "-d", "0"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(
                        "slapd did not start: " + (process.stderr.read() or b"").decode()  # type: ignore[union-attr]
                    ) from None
                time.sleep(0.1)
        yield uri
    finally:
        process.terminate()
        process.wait(timeout=10)
        shutil.rmtree(work, ignore_errors=True)
