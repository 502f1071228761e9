"""`outreach web`: the console over a real listener on 127.0.0.1, a real SQLite workspace and
a capture SMTP server. A headless Chromium signs in, opens today, resolves a needs-review
message, moves a person on the board by dragging, records a post, pauses and resumes the
campaign and sends a proof of a draft; screenshots are kept and the console stays free of
errors. Over plain HTTP: CSRF-less and foreign-origin POSTs are refused, a viewer cannot act,
sign-in is rate limited, and a console move is the same history row as a CLI move."""

from __future__ import annotations

import html
import http.client
import mailbox
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest
from argon2 import PasswordHasher
from click.testing import CliRunner
from sqlalchemy import Engine, select

from outreach.cli import cli
from outreach.config import Config
from outreach.errors import ConfigError
from outreach.services.console.accounts import add_user
from outreach.store.schema import audit_log, campaign, deliverable, inbound, web_user
from outreach.transport.sink import CaptureSink
from outreach.web.server import console_for
from tests.support.browser import artifact_dir, chromium_page
from tests.support.console import CAMPAIGN, console_workspace, invoke, make_console, serving

PASSWORD = "correct horse battery"


@dataclass
class World:
    root: Path
    config: Config
    engine: Engine
    review_id: int
    sink: CaptureSink
    base: str


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    with CaptureSink(tmp_path / "sink") as sink:
        config, engine, review_id = console_workspace(tmp_path / "ws", sink.port)
        now = datetime.now(UTC)
        add_user(engine, "aiko", PASSWORD, "operator", now)
        add_user(engine, "ken", PASSWORD, "viewer", now)
        with serving(make_console(config, engine, open_local=False)) as base:
            yield World(tmp_path / "ws", config, engine, review_id, sink, base)
        engine.dispose()


# --- plain HTTP -----------------------------------------------------------------------------


class Client:
    """http.client with a cookie jar of one site and full control of the headers sent."""

    def __init__(self, base: str) -> None:
        parts = urlsplit(base)
        self.host, self.port = parts.hostname or "", parts.port or 80
        self.cookies: dict[str, str] = {}

    def request(
        self, method: str, path: str, form: dict[str, str] | None = None, **headers: str
    ) -> tuple[int, dict[str, str], str]:
        conn = http.client.HTTPConnection(self.host, self.port, timeout=10)
        sent = {k.replace("_", "-"): v for k, v in headers.items()}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form)
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        conn.request(method, path, body=body, headers=sent)
        response = conn.getresponse()
        text = response.read().decode("utf-8", "replace")
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                self.cookies[key] = rest.split(";")[0].strip('"')
        conn.close()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, text

    def login(self, user: str, password: str = PASSWORD) -> int:
        status, _, page = self.request("GET", "/login")
        assert status == 200
        token = re.search(r'name="csrf" value="([^"]+)"', page)
        assert token
        status, _, _ = self.request(
            "POST",
            "/login",
            {"csrf": token.group(1), "user": user, "password": password, "next": "/today"},
            Origin=f"http://{self.host}:{self.port}",
        )
        return status

    def csrf(self, path: str = "/today") -> str:
        status, _, page = self.request("GET", path)
        assert status == 200, page
        found = re.search(r'name="csrf" value="([^"]+)"', page)
        assert found
        return found.group(1)


def status_of(engine: Engine, slug: str) -> str:
    with engine.connect() as conn:
        return str(conn.execute(select(campaign.c.status).where(campaign.c.slug == slug)).scalar())


def test_every_page_needs_a_sign_in_once_users_exist(world: World) -> None:
    client = Client(world.base)
    status, headers, _ = client.request("GET", "/board")
    assert status == 303 and headers["location"] == "/login?next=/board"
    status, _, _ = client.request("POST", "/campaigns/spring-serum/pause", {"csrf": "x"})
    assert status == 401
    assert client.login("aiko", "wrong password!") == 401
    assert client.login("aiko") == 303
    cookie = next(v for k, v in client.cookies.items() if k == "outreach_console")
    assert cookie
    status, headers, _ = client.request("GET", "/today")
    assert status == 200
    assert "default-src 'none'" in headers["content-security-policy"]
    with world.engine.connect() as conn:
        hashed = conn.execute(select(web_user.c.password_hash).where(web_user.c.name == "aiko"))
        assert PasswordHasher().verify(hashed.scalar_one(), PASSWORD)


def test_the_session_cookie_is_httponly_and_samesite(world: World) -> None:
    client = Client(world.base)
    client.request("GET", "/login")
    conn = http.client.HTTPConnection(client.host, client.port, timeout=10)
    _, _, page = client.request("GET", "/login")
    token = re.search(r'name="csrf" value="([^"]+)"', page)
    assert token
    body = urlencode({"csrf": token.group(1), "user": "aiko", "password": PASSWORD})
    conn.request(
        "POST",
        "/login",
        body=body,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": "; ".join(f"{k}={v}" for k, v in client.cookies.items()),
        },
    )
    response = conn.getresponse()
    cookie = next(v for k, v in response.getheaders() if k.lower() == "set-cookie")
    conn.close()
    assert response.status == 303
    assert cookie.startswith("outreach_console=")
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie


def test_posts_without_the_csrf_token_or_from_another_site_are_refused(world: World) -> None:
    client = Client(world.base)
    assert client.login("aiko") == 303
    token = client.csrf("/campaigns")
    action = "/campaigns/spring-serum/pause"
    assert client.request("POST", action, {"back": "/campaigns"})[0] == 403
    assert client.request("POST", action, {"csrf": "not-the-token"})[0] == 403
    assert client.request("POST", action, {"csrf": token}, Origin="http://evil.example")[0] == 403
    assert client.request("POST", action, {"csrf": token}, Sec_Fetch_Site="cross-site")[0] == 403
    assert status_of(world.engine, CAMPAIGN) == "active"
    # The sign-in form is guarded too (login CSRF).
    other = Client(world.base)
    other.request("GET", "/login")
    status, _, _ = other.request("POST", "/login", {"user": "aiko", "password": PASSWORD})
    assert status == 403
    # The same request with the token and from this origin acts.
    origin = f"http://127.0.0.1:{client.port}"
    status, headers, _ = client.request(
        "POST", action, {"csrf": token, "back": "/campaigns"}, Origin=origin
    )
    assert (status, headers["location"]) == (303, "/campaigns")
    assert status_of(world.engine, CAMPAIGN) == "paused"


def test_a_foreign_host_header_is_refused(world: World) -> None:
    client = Client(world.base)
    status, _, _ = client.request("GET", "/login", Host="attacker.example")
    assert status == 400


def test_a_viewer_sees_but_cannot_act(world: World) -> None:
    client = Client(world.base)
    assert client.login("ken") == 303
    for path in ("/today", "/campaigns", "/board", "/inbox", f"/campaigns/{CAMPAIGN}"):
        status, _, page = client.request("GET", path)
        assert status == 200, path
        assert 'class="act' not in page and 'class="move"' not in page, path
    token = client.csrf()
    for path, form in (
        (f"/campaigns/{CAMPAIGN}/pause", {}),
        (f"/inbox/{world.review_id}/resolve", {"kind": "reply"}),
        ("/move", {"key": "@kenta_camp", "stage": "declined", "campaign": CAMPAIGN}),
    ):
        status, _, _ = client.request("POST", path, {"csrf": token, **form})
        assert status == 403, path
    assert status_of(world.engine, CAMPAIGN) == "active"
    with world.engine.connect() as conn:
        row = conn.execute(select(inbound.c.resolved_as).where(inbound.c.id == world.review_id))
        assert row.scalar() is None
        actions = conn.execute(select(audit_log.c.action).where(audit_log.c.user_name == "ken"))
        assert [a for (a,) in actions] == ["login"]


def test_sign_in_is_rate_limited(world: World) -> None:
    client = Client(world.base)
    for _ in range(5):
        assert client.login("aiko", "not the password") == 401
    assert client.login("aiko") == 429  # even the right password, until the window passes
    with world.engine.connect() as conn:
        outcomes = [
            o
            for (o,) in conn.execute(
                select(audit_log.c.outcome).where(audit_log.c.action == "login")
            )
        ]
    assert outcomes.count("failed") == 5 and outcomes[-1] == "refused: rate limited"


def test_a_console_move_is_the_same_history_as_a_cli_move(world: World) -> None:
    client = Client(world.base)
    assert client.login("aiko") == 303
    token = client.csrf("/board")
    status, _, _ = client.request(
        "POST",
        "/move",
        {"csrf": token, "key": "@kenta_camp", "stage": "declined", "campaign": CAMPAIGN},
    )
    assert status == 303
    invoke(world.root, "move", "@sakura_dance", "declined", "--campaign", CAMPAIGN)

    def rows(handle: str) -> list[str]:
        out = invoke(world.root, "history", handle, "--format", "csv").splitlines()
        return [line.split(",", 1)[1] for line in out[1:]]  # without the time

    assert (
        rows("@kenta_camp") == rows("@sakura_dance") == [f"{CAMPAIGN},prospect,declined,command,"]
    )
    with world.engine.connect() as conn:
        audit = conn.execute(
            select(audit_log.c.user_name, audit_log.c.action, audit_log.c.outcome).where(
                audit_log.c.action == "move"
            )
        ).all()
    assert [tuple(a) for a in audit] == [
        ("aiko", "move", f"@kenta_camp: prospect -> declined ({CAMPAIGN})")
    ]


# --- how the listener starts ------------------------------------------------------------------


def test_the_console_binds_elsewhere_only_with_users_and_never_on_the_public_port(
    tmp_path: Path,
) -> None:
    with CaptureSink(tmp_path / "sink") as sink:
        config, engine, _ = console_workspace(tmp_path / "ws", sink.port)
    zone = __import__("zoneinfo").ZoneInfo("Asia/Tokyo")
    from outreach.clock import SystemClock

    local = console_for(config, engine, SystemClock(), "127.0.0.1", 8790, zone=zone)
    assert local.open_local
    with pytest.raises(ConfigError, match="needs a sign-in"):
        console_for(config, engine, SystemClock(), "0.0.0.0", 8790, zone=zone)
    served = config.model_copy(
        update={"unsubscribe": config.unsubscribe.model_copy(update={"serve": True})}
    )
    host, _, port = served.unsubscribe.listen.rpartition(":")
    with pytest.raises(ConfigError, match="public endpoint"):
        console_for(served, engine, SystemClock(), host, int(port), zone=zone)
    add_user(engine, "aiko", PASSWORD, "admin", datetime.now(UTC))
    assert not console_for(config, engine, SystemClock(), "127.0.0.1", 8790, zone=zone).open_local
    assert not console_for(config, engine, SystemClock(), "0.0.0.0", 8790, zone=zone).open_local
    engine.dispose()


def test_adduser_asks_for_the_password_and_keeps_only_its_hash(tmp_path: Path) -> None:
    with CaptureSink(tmp_path / "sink") as sink:
        _, engine, _ = console_workspace(tmp_path / "ws", sink.port)
    result = CliRunner().invoke(
        cli,
        ["--config", str(tmp_path / "ws" / "config.toml"), "web", "adduser", "mika"],
        input=f"{PASSWORD}\n{PASSWORD}\n",
    )
    assert result.exit_code == 0, result.output
    assert "user mika added (role operator)" in result.output
    with engine.connect() as conn:
        row = conn.execute(select(web_user).where(web_user.c.name == "mika")).one()
    assert row.role == "operator" and row.password_hash.startswith("$argon2id$")
    assert PASSWORD not in row.password_hash
    engine.dispose()


# --- a real browser -------------------------------------------------------------------------


def test_an_operator_works_through_the_console_in_chromium(world: World) -> None:
    errors: list[str] = []
    shots = artifact_dir("web")
    with chromium_page(errors) as page:
        page.goto(world.base + "/today")
        assert "/login" in page.url
        page.fill("#user", "aiko")
        page.fill("#password", PASSWORD)
        page.click("#signin")
        page.wait_for_selector("#todo")
        assert "要確認" in page.inner_text("#todo")  # the needs-review message, in Japanese
        page.screenshot(path=str(shots / "01-today.png"), full_page=True)

        # Resolve the needs-review message as a reply.
        page.click("#nav-inbox")
        page.wait_for_selector(f"#resolve-{world.review_id}-reply")
        page.click(f"#in-{world.review_id} summary")  # the text loads when the row opens
        page.wait_for_selector(f"#in-{world.review_id} pre")
        assert "詳細を教えてください" in page.inner_text(f"#in-{world.review_id} pre")
        page.screenshot(path=str(shots / "02-inbox.png"), full_page=True)
        page.click(f"#resolve-{world.review_id}-reply")
        page.wait_for_selector(".flash.ok")
        assert f"#{world.review_id} resolved as reply" in page.inner_text(".flash.ok")

        # Drag a prospect onto the `declined` column of the board.
        page.click("#nav-board")
        card = page.locator("article.card", has_text="@kenta_camp")
        card.wait_for()
        page.screenshot(path=str(shots / "03-board.png"), full_page=True)
        # Held by its name line: a drag that starts on one of its buttons is no drag.
        card.drag_to(page.locator("#col-declined"), source_position={"x": 5, "y": 5})
        page.wait_for_selector(".flash.ok")
        assert "youtube:kenta_camp: prospect -> declined" in page.inner_text(".flash.ok")
        assert "@kenta_camp" in page.inner_text("#col-declined")
        page.screenshot(path=str(shots / "04-board-moved.png"), full_page=True)

        # Record the post of @misaki_beauty's accepted deal on her page.
        page.goto(world.base + "/people?q=misaki")
        page.click("#found a")
        form = page.locator(f"#post-{CAMPAIGN}")
        form.locator("input[name=url]").fill("https://www.instagram.com/p/Cmisaki001/")
        form.locator("textarea[name=caption]").fill("新作セラムを使ってみました #PR")
        form.locator("button").click()
        page.wait_for_selector(".flash.ok")
        assert "deliverable 1 verified (#PR)" in page.inner_text(".flash.ok")
        assert "verified" in page.inner_text(".deliverables")
        page.screenshot(path=str(shots / "05-person.png"), full_page=True)

        # Pause and resume the campaign.
        page.click("#nav-campaigns")
        page.click(f"#pause-{CAMPAIGN}")
        page.wait_for_selector(f"#resume-{CAMPAIGN}")
        assert status_of(world.engine, CAMPAIGN) == "paused"
        page.screenshot(path=str(shots / "06-campaigns-paused.png"), full_page=True)
        page.click(f"#resume-{CAMPAIGN}")
        page.wait_for_selector(f"#pause-{CAMPAIGN}")
        assert status_of(world.engine, CAMPAIGN) == "active"

        # Open a draft and send its proof to the capture server.
        page.goto(world.base + f"/drafts?campaign={CAMPAIGN}")
        page.click("text=@hanako_kitchen")
        page.wait_for_selector("#message")
        assert "Subject:" in page.inner_text("#message")
        page.screenshot(path=str(shots / "07-draft.png"), full_page=True)
        page.click("#send-proof")
        page.wait_for_selector(".flash.ok")
        assert "to pr@sakura-beauty.example.jp" in page.inner_text(".flash.ok")

        # The campaign page, the report and the audit log.
        page.goto(world.base + f"/campaigns/{CAMPAIGN}")
        page.wait_for_selector("#funnel")
        page.screenshot(path=str(shots / "08-campaign.png"), full_page=True)
        page.goto(world.base + f"/report?campaign={CAMPAIGN}")
        frame = page.frame_locator("#report-frame")
        frame.locator("#funnel").wait_for()
        page.screenshot(path=str(shots / "09-report.png"), full_page=True)
        page.goto(world.base + "/audit")
        log = page.inner_text("#audit")
        for verb in ("login", "resolve", "move", "post", "campaign", "proof"):
            assert verb in log
        page.screenshot(path=str(shots / "10-audit.png"), full_page=True)
        page.click("button[value=en]")
        page.wait_for_selector("text=Audit log")
    assert errors == []
    proofs = list(mailbox.Maildir(world.sink.maildir, create=False))
    assert len(proofs) == 1 and "[TEST]" in str(proofs[0]["Subject"])
    with world.engine.connect() as conn:
        resolved = conn.execute(
            select(inbound.c.resolved_as).where(inbound.c.id == world.review_id)
        ).scalar()
        states = [s for (s,) in conn.execute(select(deliverable.c.state))]
    assert resolved == "reply" and states == ["verified"]


def test_a_note_shows_on_the_person_page_like_roster_note_and_in_the_audit_log(
    world: World,
) -> None:
    client = Client(world.base)
    assert client.login("aiko") == 303
    status, _, page = client.request("GET", "/people?q=hanako")
    found = re.search(r'href="/person/(\d+)">@hanako_kitchen', page)
    assert status == 200 and found
    person = f"/person/{found.group(1)}"
    token = client.csrf(person)
    status, headers, _ = client.request(
        "POST",
        f"{person}/note",
        {"csrf": token, "key": "@hanako_kitchen", "note": "電話で確認済み <b>", "back": person},
    )
    assert (status, headers["location"]) == (303, person)
    invoke(world.root, "roster", "note", "@hanako_kitchen", "コマンドから")  # the same notes
    status, _, page = client.request("GET", person)
    assert "電話で確認済み &lt;b&gt;" in page  # escaped
    notes = page.split('id="notes"')[1].split("</section>")[0]
    assert notes.index("コマンドから") < notes.index("電話で確認済み")  # newest first
    assert "aiko" in page and "ぜひやりたいです" in page  # the received message, in the thread
    with world.engine.connect() as conn:
        rows = conn.execute(
            select(audit_log.c.user_name, audit_log.c.action, audit_log.c.influencer_id).where(
                audit_log.c.action == "note"
            )
        ).all()
    assert [tuple(r) for r in rows] == [("aiko", "note", int(found.group(1)))]


def test_the_campaign_page_catches_up_with_an_action(world: World) -> None:
    """The whole-campaign counts are rebuilt when the data changes; until the rebuild is done
    the page shows the last one (and says when it was built)."""
    client = Client(world.base)
    assert client.login("aiko") == 303

    def replied() -> int | None:
        status, _, page = client.request("GET", f"/campaigns/{CAMPAIGN}")
        assert status == 200
        row = re.search(r'<td>返信</td><td class="num">(\d+)</td>', page)
        if row is None:
            assert 'id="building"' in page  # the first build is still running
            return None
        assert 'id="built"' in page
        return int(row.group(1))

    def settled(want: int | None = None) -> int:
        for _ in range(100):
            got = replied()
            if got is not None and (want is None or got == want):
                return got
            time.sleep(0.1)
        raise AssertionError(f"the campaign page never showed {want}")

    before = settled()
    token = client.csrf("/inbox")
    status, _, _ = client.request(
        "POST", f"/inbox/{world.review_id}/resolve", {"csrf": token, "kind": "reply"}
    )
    assert status == 303
    assert settled(before + 1) == before + 1


def test_the_console_speaks_english_when_asked(world: World) -> None:
    client = Client(world.base)
    assert client.login("aiko") == 303
    assert "<h1>今日</h1>" in client.request("GET", "/today")[2]
    token = client.csrf()
    status, _, _ = client.request("POST", "/lang", {"csrf": token, "lang": "en", "back": "/"})
    assert status == 303
    # The queue is built in the background; on a busy machine the first build can outlast the
    # page's wait, and the page says so and reloads itself, as a browser would here.
    deadline = time.monotonic() + 20
    page = client.request("GET", "/today")[2]
    while "Needs review" not in page and time.monotonic() < deadline:
        time.sleep(0.1)
        page = client.request("GET", "/today")[2]
    assert "<h1>Today</h1>" in page and "Needs review" in page
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d JST", page)  # times in the display zone


def test_on_loopback_without_users_it_acts_as_local(tmp_path: Path) -> None:
    with CaptureSink(tmp_path / "sink") as sink:
        config, engine, _ = console_workspace(tmp_path / "ws", sink.port)
        with serving(make_console(config, engine, open_local=True)) as base:
            client = Client(base)
            token = client.csrf("/campaigns")
            status, _, _ = client.request(
                "POST", f"/campaigns/{CAMPAIGN}/pause", {"csrf": token, "back": "/campaigns"}
            )
            assert status == 303
            assert client.request("POST", f"/campaigns/{CAMPAIGN}/resume", {})[0] == 403
        with engine.connect() as conn:
            rows = conn.execute(select(audit_log.c.user_name, audit_log.c.action)).all()
        assert [tuple(r) for r in rows] == [("local", "campaign")]
        assert status_of(engine, CAMPAIGN) == "paused"
        engine.dispose()


def test_every_page_and_action_works_on_both_databases(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    url = request.getfixturevalue("pg_url") if backend == "postgres" else None
    with CaptureSink(tmp_path / "sink") as sink:
        config, engine, review_id = console_workspace(tmp_path / "ws", sink.port, url)
        add_user(engine, "aiko", PASSWORD, "operator", datetime.now(UTC))
        invoke(
            tmp_path / "ws",
            "deal",
            "offer",
            "@sho_coffee",
            "--fee",
            "10000",
            "--deliverable",
            "instagram:reel:1",
        )
        with serving(make_console(config, engine, open_local=False)) as base:
            client = Client(base)
            assert client.login("aiko") == 303
            page = client.request("GET", "/people?q=misaki")[2]
            found = re.search(r'href="/person/(\d+)"', page)
            assert found
            person = f"/person/{found.group(1)}"
            accounts = client.request("GET", person)[2].split('id="accounts"')[1]
            assert "@misaki_beauty" in accounts and "pr@agency-sakura.example.jp" in accounts
            assert "事務所" in accounts  # her manager's agency
            token = client.csrf()
            for path, form, said in (
                (f"/inbox/{review_id}/resolve", {"kind": "reply"}, "resolved as reply"),
                ("/move", {"key": "@kenta_camp", "stage": "declined"}, "prospect -> declined"),
                (
                    f"{person}/post",
                    {"key": "@misaki_beauty", "url": "https://www.instagram.com/p/Cm1/"},
                    "deliverable 1 posted",
                ),
                (f"{person}/note", {"key": "@misaki_beauty", "note": "ok"}, "note added"),
                (
                    f"{person}/sequence/pause",
                    {"key": "@sakura_dance", "campaign": CAMPAIGN},
                    f"paused @sakura_dance in {CAMPAIGN}",
                ),
                (
                    f"{person}/sequence/resume",
                    {"key": "@sakura_dance", "campaign": CAMPAIGN},
                    f"resumed @sakura_dance in {CAMPAIGN}: next step due",
                ),
                (f"{person}/accept", {"key": "@sho_coffee"}, "with @sho_coffee accepted"),
                (f"/campaigns/{CAMPAIGN}/pause", {}, "campaign spring-serum paused"),
                (f"/campaigns/{CAMPAIGN}/resume", {}, "campaign spring-serum resumed"),
                (
                    f"/drafts/{CAMPAIGN}/hanako_kitchen/proof",
                    {"step": "1", "to": "me@example.jp"},
                    "to me@example.jp",
                ),
            ):
                status, _, _ = client.request(
                    "POST", path, {"csrf": token, "back": "/audit"} | form
                )
                assert status == 303, path
                page = html.unescape(client.request("GET", "/audit")[2])
                newest = page.split("<tbody>", 1)[-1][:600]
                assert said in newest and "エラー" not in newest, (path, newest)
            for path in (
                "/today",
                "/campaigns",
                f"/campaigns/{CAMPAIGN}",
                f"/drafts?campaign={CAMPAIGN}",
                f"/drafts/{CAMPAIGN}/hanako_kitchen?step=2",
                "/board",
                f"/board?campaign={CAMPAIGN}",
                person,
                "/inbox",
                f"/inbox/{review_id}",
                f"/report?campaign={CAMPAIGN}",
                f"/report/{CAMPAIGN}.html",
                "/audit",
                "/healthz",
            ):
                status, _, page = client.request("GET", path)
                assert status == 200, (path, page[-2000:])
        engine.dispose()
