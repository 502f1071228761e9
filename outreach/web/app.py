"""`outreach web`: the local console, a Starlette app served by uvicorn on its own listener.

Starlette because the daemon is asyncio already and a console is a dozen HTML pages and a
few form posts: routing, cookies and a test client without a framework's ORM or admin. Pages
are server-rendered Jinja2; htmx (vendored, no CDN) makes links and forms swap the page
without a reload. Every action calls the service function the matching CLI command calls, in
a worker thread (they are synchronous SQLAlchemy), so a console action is the CLI action.

Security: the console never shares the public endpoint's listener (that one is
`outreach.services.public.endpoint`, its own socket). On a loopback address with no console
users it acts as the local user `local`; once a user exists, or on any other address, every
page needs a sign-in (argon2id, `outreach web adduser`). The session cookie is HttpOnly and
SameSite=Strict; every POST needs the session's CSRF token and is refused when its Origin (or
Sec-Fetch-Site) says another site sent it; sign-in failures are rate limited per client and
per name; a Host header not ours is refused (DNS rebinding).

Longer than 400 lines on purpose: sign-in, sessions, CSRF and the origin checks are the
console's security surface, reviewed as one file.
"""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from collections import defaultdict, deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote, urlsplit
from zoneinfo import ZoneInfo

import jinja2
from sqlalchemy import Engine
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

import outreach.web.pages as P
from outreach.clock import Clock
from outreach.config import Config
from outreach.domain.times import show
from outreach.errors import UserError
from outreach.services.console import accounts
from outreach.services.console.accounts import LOCAL_USER, Session
from outreach.web import i18n

HERE = Path(__file__).parent
SESSION_COOKIE = "outreach_console"
LOGIN_COOKIE = "outreach_login"  # the sign-in form's double-submit token
LANG_COOKIE = "outreach_lang"
FORM_MAX = 256 * 1024
LOGIN_FAILS = 5  # per client and per name ...
LOGIN_WINDOW = 300.0  # ... within this many seconds; then 429 until the oldest ages out
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; frame-src 'self'; frame-ancestors 'self'; "
    "base-uri 'none'"
)
# The report is the reports' own self-contained HTML: inline styles and SVG, no script.
REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'"


@dataclass
class Console:
    """What every request needs: the workspace, and how the console was started."""

    config: Config
    engine: Engine
    clock: Clock
    open_local: bool  # loopback and no users: act as `local` without a sign-in
    secure_cookies: bool = False  # set Secure on cookies (behind TLS)
    allowed_hosts: list[str] | None = None
    language: str = "ja"
    zone: ZoneInfo = field(default_factory=lambda: ZoneInfo("UTC"))
    flashes: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    fails: dict[str, deque[float]] = field(default_factory=lambda: defaultdict(deque))
    # Whole-campaign reads (funnel, KPIs, the report): key -> (data version, value, built at);
    # a stale entry is served while one background rebuild per key runs.
    cache: dict[str, Any] = field(default_factory=dict)
    refreshing: dict[str, threading.Event] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    heavy_in_process: bool = True  # whole-workspace reads in a worker process (else a thread)
    _pool: Any = None

    def heavy(self, fn: Callable[..., Any], *args: Any) -> Any:
        """`fn(*args)` (a function of `outreach.web.heavy`) in the worker process; its result.
        The calling thread waits without the GIL."""
        if not self.heavy_in_process:
            return fn(*args)
        with self.lock:
            if self._pool is None:
                from outreach.web.heavy import pool

                self._pool = pool()
            executor = self._pool
        return executor.submit(fn, *args).result()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None

    def cache_busy(self) -> bool:
        with self.lock:
            return bool(self.refreshing)

    def flash(self, session: Session, level: str, text: str) -> None:
        self.flashes.setdefault(session.token_hash, []).append((level, text))

    def take_flashes(self, session: Session) -> list[tuple[str, str]]:
        return self.flashes.pop(session.token_hash, [])


_env = jinja2.Environment(
    loader=jinja2.FileSystemLoader(str(HERE / "templates")),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


@dataclass
class Ctx:
    """One request, once its session is known."""

    console: Console
    request: Request
    session: Session
    form: dict[str, str]
    language: str

    def t(self, key: str) -> str:
        return i18n.translate(self.language, key)

    def render(self, template: str, status: int = 200, **values: Any) -> HTMLResponse:
        c = self.console
        html = _env.get_template(template).render(
            t=self.t,
            stage_name=lambda s: i18n.stage_name(self.language, s),
            when=lambda at: show(at, c.zone) if at else "",
            zone=c.zone.key,
            session=self.session,
            csrf=self.session.csrf,
            lang=self.language,
            path=self.request.url.path,
            query=self.request.url.query,
            flashes=c.take_flashes(self.session),
            can_act=self.session.can("operator"),
            open_local=c.open_local,
            q=quote,
            **values,
        )
        return HTMLResponse(html, status_code=status)

    def back(self, default: str) -> RedirectResponse:
        """303 to the page the form came from (a local path only), else `default`."""
        target = self.form.get("back", "")
        parts = urlsplit(target)
        if not target.startswith("/") or target.startswith("//") or parts.scheme or parts.netloc:
            target = default
        return RedirectResponse(target, status_code=303)


Handler = Callable[[Ctx], Awaitable[Response]]


def _origin_ok(request: Request) -> bool:
    """A browser says where a POST comes from: Origin (Fetch standard) and Sec-Fetch-Site
    (Fetch Metadata). Either naming another site is refused."""
    site = request.headers.get("sec-fetch-site")
    if site is not None and site not in ("same-origin", "none"):
        return False
    origin = request.headers.get("origin")
    if origin is None:
        return True  # an old client: the CSRF token alone decides
    host = request.headers.get("host", "")
    return origin in (f"http://{host}", f"https://{host}")


async def _form(request: Request) -> dict[str, str] | None:
    """An application/x-www-form-urlencoded body (all the console's forms send), parsed
    without python-multipart; None when too large or another type."""
    kind = request.headers.get("content-type", "").split(";")[0].strip()
    if kind != "application/x-www-form-urlencoded":
        return {} if not kind else None
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > FORM_MAX:
            return None
    return dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))


def _language(request: Request, console: Console) -> str:
    chosen = request.cookies.get(LANG_COOKIE, "")
    return chosen if chosen in i18n.LANGUAGES else console.language


def _set_cookie(console: Console, response: Response, name: str, value: str, age: int) -> None:
    response.set_cookie(
        name,
        value,
        max_age=age,
        httponly=True,
        samesite="strict",
        secure=console.secure_cookies,
        path="/",
    )


def _refuse(text: str, status: int = 403) -> Response:
    return Response(text + "\n", status_code=status, media_type="text/plain; charset=utf-8")


def guarded(role: str = "viewer") -> Callable[[Handler], Callable[[Request], Awaitable[Response]]]:
    """A page (GET) or an action (POST) that needs a session with at least `role`."""

    def wrap(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            started = time.perf_counter()
            console: Console = request.app.state.console
            now = console.clock.now()
            token = request.cookies.get(SESSION_COOKIE)
            session = (
                await run_in_threadpool(accounts.find_session, console.engine, token, now)
                if token
                else None
            )
            new_token = None
            if session is None:
                if not console.open_local:
                    if request.method != "GET":
                        return _refuse("sign in first", 401)
                    target = request.url.path + (
                        "?" + request.url.query if request.url.query else ""
                    )
                    return RedirectResponse("/login?next=" + quote(target), status_code=303)
                if request.method != "GET":
                    return _refuse("no session: reload the page", 403)
                new_token, session = await run_in_threadpool(
                    accounts.open_session, console.engine, LOCAL_USER, "admin", now
                )
            assert session is not None
            form: dict[str, str] = {}
            if request.method == "POST":
                if not _origin_ok(request):
                    return _refuse("refused: this form was sent from another site")
                parsed = await _form(request)
                if parsed is None:
                    return _refuse("refused: not a form", 400)
                form = parsed
                sent = form.get("csrf") or request.headers.get("x-csrf-token", "")
                if not hmac.compare_digest(sent.encode(), session.csrf.encode()):
                    return _refuse("refused: missing or wrong CSRF token")
            ctx = Ctx(console, request, session, form, _language(request, console))
            if not session.can(role):
                return ctx.render("forbidden.html", status=403)
            response = await handler(ctx)
            if new_token:
                _set_cookie(console, response, SESSION_COOKIE, new_token, 12 * 3600)
            response.headers.setdefault("Content-Security-Policy", CSP)
            response.headers["Cache-Control"] = "no-store"
            response.headers["X-Content-Type-Options"] = "nosniff"
            response.headers["Referrer-Policy"] = "same-origin"
            # The server's own time for this request (W3C Server Timing), for bench/web.py.
            elapsed = (time.perf_counter() - started) * 1000
            response.headers["Server-Timing"] = f"app;dur={elapsed:.1f}"
            return response

        return endpoint

    return wrap


def action(
    verb: str, target: Callable[[Ctx], str], default: str
) -> Callable[[Callable[[Ctx], Any]], Handler]:
    """A console action: run `work(ctx)` (a service call) in a worker thread; its result text,
    or the user error it raised, is shown on the next page and written to the audit log with
    the user and time. Then 303 back to the page the form came from."""

    def wrap(work: Callable[[Ctx], Any]) -> Handler:
        async def handler(ctx: Ctx) -> Response:
            console = ctx.console
            what = target(ctx)
            try:
                outcome, influencer_id = await run_in_threadpool(work, ctx)
                level = "ok"
            except UserError as exc:
                outcome, influencer_id, level = f"{ctx.t('error')}: {exc}", None, "error"
            await run_in_threadpool(
                P.audit_record,
                console,
                ctx.session.user,
                verb,
                what,
                outcome,
                influencer_id,
            )
            console.flash(ctx.session, level, outcome)
            return ctx.back(default)

        return handler

    return wrap


# --- sign-in ------------------------------------------------------------------------------


def _limited(console: Console, keys: list[str]) -> bool:
    now = time.monotonic()
    if len(console.fails) > 10_000:  # forget clients whose failures have all aged out
        for key in [k for k, f in console.fails.items() if not f or now - f[-1] > LOGIN_WINDOW]:
            del console.fails[key]
    limited = False
    for key in keys:
        fails = console.fails[key]
        while fails and now - fails[0] > LOGIN_WINDOW:
            fails.popleft()
        limited = limited or len(fails) >= LOGIN_FAILS
    return limited


def _safe_next(target: str) -> str:
    parts = urlsplit(target)
    if not target.startswith("/") or target.startswith("//") or parts.scheme or parts.netloc:
        return "/today"
    return target


async def login(request: Request) -> Response:
    console: Console = request.app.state.console
    language = _language(request, console)

    def page(error: str = "", status: int = 200) -> Response:
        token = request.cookies.get(LOGIN_COOKIE) or secrets.token_urlsafe(24)
        html = _env.get_template("login.html").render(
            t=lambda k: i18n.translate(language, k),
            lang=language,
            token=token,
            error=error,
            next=_safe_next(request.query_params.get("next", "/today")),
        )
        response = HTMLResponse(html, status_code=status)
        _set_cookie(console, response, LOGIN_COOKIE, token, 3600)
        response.headers["Content-Security-Policy"] = CSP
        response.headers["Cache-Control"] = "no-store"
        return response

    if request.method == "GET":
        return page()
    if not _origin_ok(request):
        return _refuse("refused: this form was sent from another site")
    form = await _form(request)
    if form is None:
        return _refuse("refused: not a form", 400)
    cookie = request.cookies.get(LOGIN_COOKIE, "")
    if not cookie or not hmac.compare_digest(form.get("csrf", "").encode(), cookie.encode()):
        return _refuse("refused: missing or wrong CSRF token")
    name = form.get("user", "").strip()
    client = request.client.host if request.client else "?"
    keys = [f"ip:{client}", f"user:{name.lower()}"]
    if _limited(console, keys):
        await run_in_threadpool(
            P.audit_record, console, name or "?", "login", client, "refused: rate limited", None
        )
        return page(i18n.translate(language, "too_many"), 429)
    role = await run_in_threadpool(
        accounts.check_password, console.engine, name, form.get("password", "")
    )
    if role is None:
        for key in keys:
            console.fails[key].append(time.monotonic())
        await run_in_threadpool(
            P.audit_record, console, name or "?", "login", client, "failed", None
        )
        return page(i18n.translate(language, "bad_login"), 401)
    token, _session = await run_in_threadpool(
        accounts.open_session, console.engine, name, role, console.clock.now()
    )
    await run_in_threadpool(P.audit_record, console, name, "login", client, f"ok ({role})", None)
    response = RedirectResponse(_safe_next(form.get("next", "/today")), status_code=303)
    _set_cookie(console, response, SESSION_COOKIE, token, 12 * 3600)
    return response


@guarded("viewer")
async def logout(ctx: Ctx) -> Response:
    await run_in_threadpool(accounts.close_session, ctx.console.engine, ctx.session)
    await run_in_threadpool(P.audit_record, ctx.console, ctx.session.user, "logout", "", "", None)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@guarded("viewer")
async def set_language(ctx: Ctx) -> Response:
    chosen = ctx.form.get("lang", "")
    response = ctx.back("/today")
    if chosen in i18n.LANGUAGES:
        _set_cookie(ctx.console, response, LANG_COOKIE, chosen, 365 * 86400)
    return response


# --- pages --------------------------------------------------------------------------------


def _page(build: Callable[[Ctx], tuple[str, dict[str, Any]]]) -> Handler:
    async def handler(ctx: Ctx) -> Response:
        try:
            template, values = await run_in_threadpool(build, ctx)
        except UserError as exc:
            return ctx.render("problem.html", status=404, problem=str(exc))
        return ctx.render(template, **values)

    return handler


async def root(request: Request) -> Response:
    return RedirectResponse("/today", status_code=303)


@guarded("viewer")
async def healthz(ctx: Ctx) -> Response:
    """`SELECT 1` through the whole stack (session check included): the floor bench/web.py
    sets every page beside."""
    await run_in_threadpool(P.ping, ctx.console)
    return Response("ok\n", media_type="text/plain")


@guarded("viewer")
async def report_html(ctx: Ctx) -> Response:
    try:
        html = await run_in_threadpool(P.report_html, ctx)
    except UserError as exc:
        return ctx.render("problem.html", status=404, problem=str(exc))
    if html is None:  # the first build after start: it takes seconds on a big campaign
        html = _env.get_template("building.html").render(
            t=lambda k: i18n.translate(ctx.language, k), lang=ctx.language
        )
    response = HTMLResponse(html)
    response.headers["Content-Security-Policy"] = REPORT_CSP
    return response


def _key(ctx: Ctx) -> str:
    return ctx.form.get("key", "")


def routes() -> list[Any]:
    viewer, operator = guarded("viewer"), guarded("operator")
    return [
        Route("/", root),
        Route("/login", login, methods=["GET", "POST"]),
        Route("/logout", logout, methods=["POST"]),
        Route("/lang", set_language, methods=["POST"]),
        Route("/healthz", healthz),
        Route("/today", viewer(_page(P.today))),
        Route("/campaigns", viewer(_page(P.campaigns))),
        Route("/campaigns/{slug}", viewer(_page(P.campaign))),
        Route(
            "/campaigns/{slug}/{verb:str}",
            operator(
                action(
                    "campaign",
                    lambda c: f"{c.request.path_params['verb']} {c.request.path_params['slug']}",
                    "/campaigns",
                )(P.campaign_action)
            ),
            methods=["POST"],
        ),
        Route("/drafts", viewer(_page(P.drafts))),
        Route("/drafts/{slug}/{handle}", viewer(_page(P.draft))),
        Route(
            "/drafts/{slug}/{handle}/proof",
            operator(
                action(
                    "proof",
                    lambda c: (
                        f"{c.request.path_params['slug']} @{c.request.path_params['handle']}"
                        f" step {c.form.get('step', '1')} to {c.form.get('to', '')}"
                    ),
                    "/drafts",
                )(P.send_proof)
            ),
            methods=["POST"],
        ),
        Route("/board", viewer(_page(P.board))),
        Route(
            "/move",
            operator(
                action(
                    "move",
                    lambda c: f"{_key(c)} -> {c.form.get('stage', '')}",
                    "/board",
                )(P.move)
            ),
            methods=["POST"],
        ),
        Route("/people", viewer(_page(P.people))),
        Route("/person/{id:int}", viewer(_page(P.person))),
        Route(
            "/person/{id:int}/note",
            operator(
                action("note", lambda c: f"#{c.request.path_params['id']}", "/people")(P.add_note)
            ),
            methods=["POST"],
        ),
        Route(
            "/person/{id:int}/post",
            operator(
                action("post", lambda c: f"{_key(c)} {c.form.get('url', '')}", "/people")(
                    P.add_post
                )
            ),
            methods=["POST"],
        ),
        Route(
            "/person/{id:int}/sequence/{verb:str}",
            operator(
                action(
                    "sequence",
                    lambda c: f"{c.request.path_params['verb']} {_key(c)}",
                    "/people",
                )(P.person_sequence)
            ),
            methods=["POST"],
        ),
        Route(
            "/person/{id:int}/accept",
            operator(action("deal", lambda c: f"accept {_key(c)}", "/people")(P.accept_deal)),
            methods=["POST"],
        ),
        Route("/inbox", viewer(_page(P.inbox))),
        Route("/inbox/{id:int}", viewer(_page(P.inbound_text))),
        Route(
            "/inbox/{id:int}/resolve",
            operator(
                action(
                    "resolve",
                    lambda c: f"#{c.request.path_params['id']} as {c.form.get('kind', '')}",
                    "/inbox",
                )(P.resolve)
            ),
            methods=["POST"],
        ),
        Route("/report", viewer(_page(P.report))),
        Route("/report/{slug}.html", report_html),
        Route("/audit", viewer(_page(P.audit))),
        Mount("/static", StaticFiles(directory=str(HERE / "static")), name="static"),
    ]


def create_app(console: Console) -> Starlette:
    middleware = []
    if console.allowed_hosts:
        middleware.append(Middleware(TrustedHostMiddleware, allowed_hosts=console.allowed_hosts))
    app = Starlette(routes=routes(), middleware=middleware)
    app.state.console = console
    return app
