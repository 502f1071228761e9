"""`outreach doctor` against a real DNS server on 127.0.0.1 (dnslib) serving good and broken
zones, real TLS servers with trustme certificates, and a real database for the rates."""

from __future__ import annotations

import base64
import http.server
import json
import socket
import socketserver
import ssl
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import trustme
from click.testing import CliRunner
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from dnslib import MX, QTYPE, RR, TXT, A, DNSLabel
from dnslib.server import BaseResolver, DNSServer
from sqlalchemy import Engine, insert, update

from outreach.cli import cli
from outreach.config import Config, parse_config
from outreach.domain.doctor import DoctorFinding
from outreach.services.workspace.doctor import check_one_click, check_tls, diagnose, gated
from outreach.store.schema import inbound, outbox
from outreach.transport.sink import CaptureSink
from tests.support.db import sqlite_engine
from tests.support.net import free_port
from tests.support.smtp import ScriptedHandler, seed_outbox
from tests.support.workspace import config_from

NOW = datetime(2026, 12, 6, 0, 0, tzinfo=UTC)


def _spki(key: Any) -> str:
    der = key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return base64.b64encode(der).decode()


STRONG = _spki(rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key())
# cryptography will not generate a 512-bit key any more; any 512-bit modulus shows the length
WEAK = _spki(rsa.RSAPublicNumbers(65537, (1 << 511) | (1 << 200) | 1).public_key())


def dkim(key: str) -> str:
    return f"v=DKIM1; k=rsa; p={key}"


def chain(prefix: str, n: int) -> dict[str, list[tuple[str, Any]]]:
    """An include chain n deep: n DNS lookups, one per include."""
    zone: dict[str, list[tuple[str, Any]]] = {}
    for i in range(1, n + 1):
        nxt = f" include:l{i + 1}.{prefix}" if i < n else " ip4:198.51.100.0/24"
        zone[f"l{i}.{prefix}"] = [("TXT", f"v=spf1{nxt} -all")]
    return zone


def domain(
    name: str,
    *,
    spf: str | None = "v=spf1 include:_spf.relay.test ~all",
    key: str | None = STRONG,
    dmarc: str | None = "v=DMARC1; p=reject; rua=mailto:d@x.test",
) -> dict[str, list[tuple[str, Any]]]:
    zone: dict[str, list[tuple[str, Any]]] = {
        name: [("MX", f"mx.{name}"), ("A", "192.0.2.10")] + ([("TXT", spf)] if spf else []),
        f"mx.{name}": [("A", "192.0.2.25")],
        f"links.{name}": [("A", "192.0.2.80")],
    }
    if key:
        zone[f"s1._domainkey.{name}"] = [("TXT", dkim(key))]
    if dmarc:
        zone[f"_dmarc.{name}"] = [("TXT", dmarc)]
    return zone


ZONES: dict[str, list[tuple[str, Any]]] = {
    "smtp.relay.test": [("A", "198.51.100.7")],
    "_spf.relay.test": [("TXT", "v=spf1 ip4:198.51.100.0/24 -all")],
    **domain("good.test"),
    **domain("nospf.test", spf=None),
    **domain("many.test", spf="v=spf1 include:l1.many.test ~all"),
    **chain("many.test", 11),
    **domain("ten.test", spf="v=spf1 include:l1.ten.test ~all"),
    **chain("ten.test", 10),
    **domain("nodkim.test", key=None),
    **domain("weak.test", key=WEAK),
    **domain("lax.test", dmarc="v=DMARC1; p=none; rua=mailto:d@lax.test"),
    **domain("brand.test", spf=None, key=None),
    **domain("mailer.test"),
    **domain("elsewhere.test", spf="v=spf1 ip4:203.0.113.0/24 ~all"),
}


class ZoneResolver(BaseResolver):  # type: ignore[misc]
    def resolve(self, request: Any, handler: Any) -> Any:
        reply = request.reply()
        qname = str(request.q.qname).rstrip(".").lower()
        qtype = QTYPE[request.q.qtype]
        for kind, value in ZONES.get(qname, []):
            if kind != qtype:
                continue
            if kind == "TXT":  # strings of at most 255 bytes each (RFC 1035 §3.3.14)
                rdata: Any = TXT([value[i : i + 255] for i in range(0, len(value), 255)])
            elif kind == "MX":
                rdata = MX(DNSLabel(value), 10)
            else:
                rdata = A(value)
            reply.add_answer(RR(request.q.qname, getattr(QTYPE, kind), rdata=rdata, ttl=60))
        if qname not in ZONES and not any(z.endswith("." + qname) for z in ZONES):
            reply.header.rcode = 3  # NXDOMAIN
        return reply


@pytest.fixture(scope="module")
def dns_port() -> Iterator[int]:
    # The server needs the port for UDP and TCP; another worker's server may take it between
    # the check and the bind: try another port, a bounded number of times.
    for _ in range(20):
        port = free_port()
        servers: list[DNSServer] = []
        try:
            for tcp in (False, True):
                servers.append(
                    DNSServer(
                        ZoneResolver(), address="127.0.0.1", port=port, tcp=tcp, logger=_Quiet()
                    )
                )
        except OSError:
            for server in servers:
                server.server.server_close()
            continue
        break
    else:
        pytest.fail("no port on 127.0.0.1 free for both UDP and TCP in 20 tries")
    for server in servers:
        server.start_thread()
    yield port
    for server in servers:
        server.stop()


class _Quiet:
    def __getattr__(self, name: str) -> Any:
        return lambda *a, **k: None


def config(tmp_path: Path, dns_port: int, mailbox: dict[str, Any], **extra: Any) -> Config:
    box = {"smtp": {"host": "smtp.relay.test", "port": 587}, "dkim_selectors": ["s1"], **mailbox}
    data = {
        "database": {"url": f"sqlite:///{tmp_path / 'o.db'}"},
        "sender": {
            "name": "PR",
            "organisation": "Sakura",
            "postal_address": "Tokyo",
            "enquiry_email": "pr@good.test",
        },
        "mailboxes": {"main": box},
        "unsubscribe": {"base_url": "https://links.good.test/unsubscribe"},
        "doctor": {"nameservers": [f"127.0.0.1:{dns_port}"], "timeout": 2},
        **extra,
    }
    return config_from(tmp_path, data)


def findings(
    tmp_path: Path, dns_port: int, **mailbox: Any
) -> dict[str, list[tuple[str, str, str]]]:
    cfg = config(tmp_path, dns_port, mailbox)
    found: dict[str, list[tuple[str, str, str]]] = {}
    for f in diagnose(cfg, None, ["main"], now=NOW, network=False):
        found.setdefault(f.check, []).append((f.status, f.meaning, f.publish))
    return found


def test_a_good_domain_passes_every_dns_check(tmp_path: Path, dns_port: int) -> None:
    cfg = config(tmp_path, dns_port, {"from_address": "pr@good.test"})
    got = [
        (f.check, f.status, f.subject, f.meaning)
        for f in diagnose(cfg, None, ["main"], now=NOW, network=False)
    ]
    assert got == [
        (
            "spf",
            "ok",
            "good.test",
            "one record, 1 of 10 lookups, covers the relay smtp.relay.test (198.51.100.7)",
        ),
        ("dkim", "ok", "s1._domainkey.good.test", "rsa key, 2048 bits"),
        ("dmarc", "ok", "_dmarc.good.test", "p=reject"),
        ("alignment", "ok", "good.test", "envelope good.test aligned, DKIM d=good.test aligned"),
        ("mx", "ok", "good.test", "replies go to mx.good.test"),
        ("message-id", "ok", "good.test", "the Message-ID domain resolves"),
        ("unsubscribe", "ok", "links.good.test", "the List-Unsubscribe host resolves"),
    ]


def test_missing_spf(tmp_path: Path, dns_port: int) -> None:
    assert findings(tmp_path, dns_port, from_address="pr@nospf.test")["spf"] == [
        (
            "fail",
            "no SPF record: receivers cannot tell the relay may send for this domain",
            'nospf.test TXT "v=spf1 a:smtp.relay.test ~all"',
        )
    ]


def test_spf_over_ten_lookups(tmp_path: Path, dns_port: int) -> None:
    assert findings(tmp_path, dns_port, from_address="pr@many.test")["spf"] == [
        (
            "fail",
            "11 DNS lookups (include, a, mx, ptr, exists, redirect, nested): over the limit "
            "of 10 (RFC 7208 §4.6.4), so SPF fails everywhere",
            'many.test TXT "v=spf1 a:smtp.relay.test ~all"  (flatten the rest to ip4:/ip6:)',
        )
    ]
    assert findings(tmp_path, dns_port, from_address="pr@ten.test")["spf"] == [
        ("ok", "one record, 10 of 10 lookups, covers the relay smtp.relay.test (198.51.100.7)", "")
    ]


def test_spf_that_does_not_cover_the_relay(tmp_path: Path, dns_port: int) -> None:
    assert findings(tmp_path, dns_port, from_address="pr@elsewhere.test")["spf"] == [
        (
            "fail",
            "one record, 0 of 10 lookups, but the relay smtp.relay.test (198.51.100.7) is not "
            "covered",
            'elsewhere.test TXT "v=spf1 ip4:203.0.113.0/24 a:smtp.relay.test ~all"',
        )
    ]


def test_no_dkim_record_and_a_weak_key(tmp_path: Path, dns_port: int) -> None:
    assert findings(tmp_path, dns_port, from_address="pr@nodkim.test")["dkim"] == [
        (
            "fail",
            "no DKIM key record: signatures with this selector fail",
            's1._domainkey.nodkim.test TXT "v=DKIM1; k=rsa; p=<the public key your provider shows>"',
        )
    ]
    weak = findings(tmp_path, dns_port, from_address="pr@weak.test")
    assert weak["dkim"] == [
        (
            "fail",
            "a 512-bit RSA key: verifiers ignore keys under 1024 bits (RFC 8301); make a "
            "2048-bit key",
            's1._domainkey.weak.test TXT "v=DKIM1; k=rsa; p=<the public key your provider shows>"',
        )
    ]
    # A failed key leaves SPF alone to align: DMARC still passes, on one identifier.
    assert weak["alignment"][0][0] == "warn"


def test_dmarc_none_warns_and_reject_passes(tmp_path: Path, dns_port: int) -> None:
    assert findings(tmp_path, dns_port, from_address="pr@lax.test")["dmarc"] == [
        (
            "warn",
            "p=none: meets the minimum, but spoofed mail is still delivered; move to "
            "quarantine once reports are clean",
            '_dmarc.lax.test TXT "v=DMARC1; p=quarantine; rua=mailto:d@lax.test"',
        )
    ]
    assert findings(tmp_path, dns_port, from_address="pr@good.test")["dmarc"] == [
        ("ok", "p=reject", "")
    ]


def test_misaligned_from(tmp_path: Path, dns_port: int) -> None:
    got = findings(
        tmp_path,
        dns_port,
        from_address="pr@brand.test",
        return_path="bounces+{token}@mailer.test",
        dkim_domain="mailer.test",
    )
    assert got["spf"][0][0] == "ok" and got["dkim"][0][0] == "ok"
    assert got["alignment"] == [
        (
            "fail",
            "envelope mailer.test not aligned, DKIM d=mailer.test not aligned: DMARC fails "
            "for every message",
            '[mailboxes.main] return_path = "bounces+{token}@brand.test" and sign with d=brand.test',
        )
    ]
    # A subdomain envelope is aligned in relaxed mode (the same organisational domain).
    sub = findings(
        tmp_path, dns_port, from_address="pr@good.test", return_path="bounces+{token}@mx.good.test"
    )
    assert sub["alignment"][0][:2] == (
        "ok",
        "envelope mx.good.test aligned, DKIM d=good.test aligned",
    )


def test_json_and_exit_status_for_ci(tmp_path: Path, dns_port: int) -> None:
    (tmp_path / "config.toml").write_text(
        f"""\
[database]
url = "sqlite:///{tmp_path / "o.db"}"
[sender]
name = "PR"
organisation = "S"
postal_address = "Tokyo"
enquiry_email = "pr@good.test"
[mailboxes.main]
from_address = "pr@nospf.test"
[mailboxes.main.smtp]
host = "smtp.relay.test"
[unsubscribe]
base_url = "https://links.good.test/unsubscribe"
[doctor]
nameservers = ["127.0.0.1:{dns_port}"]
timeout = 2
""",
        encoding="utf-8",
    )
    sqlite_engine(tmp_path / "o.db").dispose()  # a migrated database
    runner = CliRunner()
    result = runner.invoke(
        cli,
        ["--config", str(tmp_path / "config.toml"), "doctor", "--no-network", "--format", "json"],
    )
    rows = json.loads(result.output)
    assert result.exit_code == 1
    assert [(r["check"], r["status"]) for r in rows] == [
        ("spf", "fail"),
        ("dkim", "warn"),
        ("dmarc", "ok"),
        ("alignment", "warn"),
        ("mx", "ok"),
        ("message-id", "ok"),
        ("unsubscribe", "ok"),
        ("rates", "ok"),
    ]

    # `outreach run` refuses the failing mailbox (its relay is not on loopback).
    result = runner.invoke(cli, ["--config", str(tmp_path / "config.toml"), "run", "--once"])
    assert result.output == (
        "mailbox main: spf nospf.test: no SPF record: receivers cannot tell "
        "the relay may send for this domain\n"
    )
    assert str(result.exception) == (
        "1 doctor check(s) fail for mailbox main; nothing was sent (`outreach doctor main` shows "
        "what to publish; or pass --allow-doctor-failures)"
    )


def test_allow_doctor_failures_starts_anyway(tmp_path: Path, dns_port: int) -> None:
    """Nothing is queued, so the relay (a TEST-NET address) is never connected to."""
    (tmp_path / "config.toml").write_text(
        f"""\
[database]
url = "sqlite:///{tmp_path / "o.db"}"
[sender]
name = "PR"
organisation = "S"
postal_address = "Tokyo"
enquiry_email = "pr@good.test"
[mailboxes.main]
from_address = "pr@nospf.test"
[mailboxes.main.smtp]
host = "192.0.2.1"
[doctor]
nameservers = ["127.0.0.1:{dns_port}"]
timeout = 2
""",
        encoding="utf-8",
    )
    sqlite_engine(tmp_path / "o.db").dispose()
    args = ["--config", str(tmp_path / "config.toml"), "run", "--once"]
    refused = CliRunner().invoke(cli, args)
    assert str(refused.exception).startswith(
        "2 doctor check(s) fail for mailbox main"
    )  # SPF, example.jp
    started = CliRunner().invoke(cli, [*args, "--allow-doctor-failures"])
    assert (started.exit_code, started.output) == (0, "")


def test_the_run_gate_leaves_loopback_relays_alone(tmp_path: Path) -> None:
    data = {
        "sender": {
            "name": "PR",
            "organisation": "S",
            "postal_address": "T",
            "enquiry_email": "pr@x.test",
        },
        "mailboxes": {
            "a": {
                "from_address": "pr@x.test",
                "smtp": {"host": "127.0.0.1", "port": 25, "security": "none"},
            },
            "b": {"from_address": "pr@x.test", "smtp": {"host": "smtp.x.test"}},
        },
    }
    assert gated(parse_config(data, source="c.toml", base_dir=tmp_path)) == ["b"]


def _rows(engine: Engine, sent: int, complaints: int, bounces: int) -> None:
    seed_outbox(engine, sent)
    naive = (NOW - timedelta(days=2)).replace(tzinfo=None)
    with engine.begin() as conn:
        conn.execute(update(outbox).values(state="sent", sent_at=naive))
        conn.execute(
            insert(inbound),
            [
                {
                    "mailbox": "main",
                    "source": "imap",
                    "dedupe_key": f"k{i}",
                    "kind": kind,
                    "processed_at": naive,
                    "detail": {},
                }
                for i, kind in enumerate(["complaint"] * complaints + ["bounce"] * bounces)
            ],
        )


@pytest.mark.parametrize(
    ("complaints", "bounces", "expected"),
    [
        (
            4,
            10,
            [
                (
                    "complaints",
                    "fail",
                    "4 of 1000 sent = 0.40 % (Gmail: under 0.30 %, aim for 0.10 %)",
                ),
                (
                    "bounces",
                    "ok",
                    "10 of 1000 sent = 1.00 % (keep under 2 %; clean the roster above that)",
                ),
            ],
        ),
        (
            2,
            60,
            [
                (
                    "complaints",
                    "warn",
                    "2 of 1000 sent = 0.20 % (Gmail: under 0.30 %, aim for 0.10 %)",
                ),
                (
                    "bounces",
                    "fail",
                    "60 of 1000 sent = 6.00 % (keep under 2 %; clean the roster above that)",
                ),
            ],
        ),
    ],
)
def test_complaint_and_bounce_rates_from_our_own_data(
    tmp_path: Path,
    sqlite_db: Engine,
    complaints: int,
    bounces: int,
    expected: list[tuple[str, str, str]],
) -> None:
    _rows(sqlite_db, 1000, complaints, bounces)
    cfg = parse_config(
        {
            "sender": {
                "name": "P",
                "organisation": "S",
                "postal_address": "T",
                "enquiry_email": "pr@x.test",
            },
            "mailboxes": {
                "main": {
                    "from_address": "pr@x.test",
                    "smtp": {"host": "127.0.0.1", "security": "none"},
                }
            },
        },
        source="c.toml",
        base_dir=tmp_path,
    )
    from outreach.services.workspace.doctor import check_rates

    got = [(f.check, f.status, f.meaning) for f in check_rates("main", sqlite_db, NOW)]
    assert got == expected
    assert cfg.mailboxes["main"].from_address == "pr@x.test"


# --- TLS ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


class _TlsAcceptor:
    """A TLS server on 127.0.0.1 that completes handshakes and closes (an implicit-TLS port)."""

    def __init__(self, context: ssl.SSLContext) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.context = context
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            try:
                with self.context.wrap_socket(conn, server_side=True) as tls:
                    tls.settimeout(2)
                    tls.recv(1)
            except (OSError, ssl.SSLError):
                pass

    def close(self) -> None:
        self.sock.close()


def server_context(ca: trustme.CA, *names: str, days: int) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert(*names, not_after=datetime.now(UTC) + timedelta(days=days)).configure_cert(
        context
    )
    return context


@pytest.fixture
def ca_file(tmp_path: Path, ca: trustme.CA) -> str:
    path = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return str(path)


@pytest.mark.parametrize(
    ("days", "status", "tail"), [(200, "ok", ""), (5, "warn", "; renew it now")]
)
def test_tls_certificate_expiry(
    ca: trustme.CA, ca_file: str, days: int, status: str, tail: str
) -> None:
    server = _TlsAcceptor(server_context(ca, "127.0.0.1", days=days))
    try:
        now = datetime.now(UTC)
        got = check_tls("main", "tls-imap", "127.0.0.1", server.port, "tls", ca_file, 2.0, now)
    finally:
        server.close()
    expires = now + timedelta(days=days)
    assert got.status == status
    assert got.meaning.startswith("certificate valid for 127.0.0.1, expires ")
    assert got.meaning.endswith(f"({days - 1} days){tail}") or got.meaning.endswith(
        f"({days} days){tail}"
    )
    assert expires.strftime("%Y-%m") in got.meaning


def test_tls_certificate_for_another_name_fails(ca: trustme.CA, ca_file: str) -> None:
    server = _TlsAcceptor(server_context(ca, "imap.other.test", days=200))
    try:
        got = check_tls(
            "main", "tls-smtp", "127.0.0.1", server.port, "tls", ca_file, 2.0, datetime.now(UTC)
        )
    finally:
        server.close()
    assert (got.status, got.meaning) == (
        "fail",
        "certificate not valid: IP address mismatch, certificate is not valid for '127.0.0.1'.",
    )


def test_smtp_starttls_certificate(tmp_path: Path, ca: trustme.CA, ca_file: str) -> None:
    context = server_context(ca, "127.0.0.1", days=90)
    with CaptureSink(tmp_path / "sink", handler=ScriptedHandler(), tls_context=context) as sink:
        got = check_tls(
            "main", "tls-smtp", "127.0.0.1", sink.port, "starttls", ca_file, 2.0, datetime.now(UTC)
        )
    assert got.status == "ok"
    assert got.meaning.startswith("certificate valid for 127.0.0.1")


class _OneClick(http.server.BaseHTTPRequestHandler):
    answer = 400

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(self.answer)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        (400, ("ok", "answers a POST over HTTPS (HTTP 400)")),
        (405, ("fail", "a POST gets HTTP 405: mail clients' one-click requests fail")),
    ],
)
def test_one_click_endpoint_answers_a_post(
    tmp_path: Path, ca: trustme.CA, ca_file: str, answer: int, expected: tuple[str, str]
) -> None:
    handler = type("H", (_OneClick,), {"answer": answer})
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), handler)
    server.socket = server_context(ca, "127.0.0.1", days=90).wrap_socket(
        server.socket, server_side=True
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        cfg = parse_config(
            {
                "sender": {
                    "name": "P",
                    "organisation": "S",
                    "postal_address": "T",
                    "enquiry_email": "pr@x.test",
                },
                "mailboxes": {
                    "main": {
                        "from_address": "pr@x.test",
                        "smtp": {"host": "127.0.0.1", "security": "none"},
                    }
                },
                "unsubscribe": {"base_url": f"https://127.0.0.1:{server.server_address[1]}/u"},
                "doctor": {"ca_file": ca_file, "timeout": 2},
            },
            source="c.toml",
            base_dir=tmp_path,
        )
        got: DoctorFinding = check_one_click("main", cfg)
    finally:
        server.shutdown()
        server.server_close()
    assert (got.status, got.meaning) == expected
