"""Tracking links: made per person with an accepted deal, served as `/r/<token>` by the public
endpoint; each redirect is recorded by a background writer, never making the visitor wait."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import queue
import re
import secrets
import threading
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from outreach.clock import Clock, naive_utc
from outreach.config import Config
from outreach.errors import InputError
from outreach.services.sequence.campaigns import load_campaign
from outreach.store.queries import links as q
from outreach.store.session import reading, writing

log = logging.getLogger(__name__)
TOKEN_BYTES = 6  # 8 URL-safe characters: 2^48 tokens, not guessable by walking the space
FLUSH_SECONDS = 0.2  # the writer commits the clicks waiting at most this often
BATCH = 2000  # clicks per transaction at most
MAX_PENDING = 100_000  # clicks held in memory; beyond this they are dropped and logged
MISS_CACHE = 10_000  # unknown tokens remembered (a scan of random tokens stays in memory)
# Crawlers and link-preview fetchers (their published user agents): Slack (Slackbot,
# Slack-ImgProxy), LINE (line-poker, facebookexternalhit), X (Twitterbot), Facebook
# (facebookexternalhit, Facebot), plus generic bots, HTTP libraries and headless browsers.
BOT_AGENT = re.compile(
    r"bot\b|crawl|spider|slurp|preview|facebookexternalhit|facebot|twitterbot|slack|line-poker|"
    r"whatsapp|telegram|discord|skype|embedly|headless|python-|curl/|wget/|go-http|okhttp|"
    r"axios|java/|libwww|httpclient",
    re.IGNORECASE,
)
TOKEN = re.compile(r"^[A-Za-z0-9_-]{4,32}$")


def is_bot(user_agent: str, method: str) -> bool:
    """A preview or crawler: a known agent, none at all, or a HEAD request."""
    return method != "GET" or not user_agent.strip() or BOT_AGENT.search(user_agent) is not None


def with_utm(target: str, *, platform: str, campaign: str, handle: str) -> str:
    """The landing page with readable UTM parameters (utm_content is the handle)."""
    parts = urlsplit(target)
    query = [(k, v) for k, v in parse_qsl(parts.query) if not k.startswith("utm_")]
    query += [
        ("utm_source", platform),
        ("utm_medium", "influencer"),
        ("utm_campaign", campaign),
        ("utm_content", handle),
    ]
    return urlunsplit(parts._replace(query=urlencode(query)))


def public_base(config: Config) -> str:
    """scheme://host of the public endpoint, from [unsubscribe] base_url."""
    parts = urlsplit(config.unsubscribe.base_url)
    return f"{parts.scheme}://{parts.netloc}"


def make_links(engine: Engine, config: Config, clock: Clock, slug: str) -> int:
    """A link for every person of the campaign with an accepted deal and none yet."""
    target = load_campaign(config, slug).tracking_target
    if not target:
        raise InputError(
            "the campaign has no tracking_target",
            file=f"campaigns/{slug}.toml",
            field="tracking_target",
            hint="the landing page, an https:// URL",
        )
    with writing(engine) as conn:
        people = q.people_without_link(conn, slug)
        for p in people:
            location = with_utm(target, platform=p["platform"], campaign=slug, handle=p["handle"])
            q.add_link(
                conn, p["id"], secrets.token_urlsafe(TOKEN_BYTES), location, naive_utc(clock.now())
            )
    return len(people)


def promo_codes(engine: Engine, slug: str, pattern: str) -> int:
    """Give every accepted deal of the campaign without a promo code one made from `pattern`:
    `{HANDLE}` (the handle's letters and digits, upper-cased), `{handle}`, `{n}` (the deal id)."""
    try:
        pattern.format(handle="h", n=1, HANDLE="H")
    except (KeyError, IndexError, ValueError) as exc:
        raise InputError(
            f"bad pattern {pattern!r}: {exc}",
            field="promo-pattern",
            hint="use {HANDLE}, {handle} and {n}, e.g. {HANDLE}10",
        ) from None
    with writing(engine) as conn:
        deals = q.accepted_terms(conn, slug)
        taken = {str(d["terms"].get("promo_code") or "").casefold() for d in deals} - {""}
        made = 0
        for d in deals:
            if d["terms"].get("promo_code"):
                continue
            code = pattern.format(
                handle=d["handle"],
                n=d["id"],
                HANDLE=re.sub(r"[^A-Za-z0-9]", "", d["handle"]).upper(),
            )
            if not code or code.casefold() in taken:
                raise InputError(
                    f"the pattern gives @{d['handle']} the code {code!r}, which "
                    "another person of the campaign has",
                    field="promo-pattern",
                    hint="add {n} to the pattern",
                )
            taken.add(code.casefold())
            q.set_terms(conn, int(d["id"]), {**d["terms"], "promo_code": code})
            made += 1
    return made


def listing(engine: Engine, config: Config, slug: str) -> list[dict[str, Any]]:
    base = public_base(config)
    with reading(engine) as conn:
        rows = q.link_rows(conn, slug)
    return [{**r, "link": f"{base}/r/{r['token']}"} for r in rows]


def visitor_hash(key: str, day: str, address: str, user_agent: str) -> str:
    """HMAC of the day, address and agent under the endpoint's secret: distinct visitors per day
    can be counted, and neither the address nor a visitor across days can be recovered."""
    msg = f"{day}\n{address}\n{user_agent}".encode("utf-8", "replace")
    return hmac.new(key.encode(), msg, hashlib.sha256).hexdigest()[:32]


@dataclass
class Redirects:
    """Answers `/r/<token>`: a cached lookup, then the click is queued for the writer thread."""

    engine: Engine
    key: str
    clock: Clock

    def __post_init__(self) -> None:
        self.known: dict[str, tuple[int, str]] = {}
        self.unknown: set[str] = set()
        self.pending: queue.SimpleQueue[dict[str, Any] | None] = queue.SimpleQueue()
        self.queued = 0
        self.dropped = 0
        self.written = 0
        self.thread = threading.Thread(target=self._write, name="click-writer", daemon=True)
        self.thread.start()

    def lookup(self, token: str) -> tuple[int, str] | None:
        """The link (id, location), from memory after its first use."""
        found = self.known.get(token)
        if found is not None or token in self.unknown or not TOKEN.match(token):
            return found
        with reading(self.engine) as conn:
            found = q.find_link(conn, token)
        if found is None:
            if len(self.unknown) >= MISS_CACHE:
                self.unknown.clear()
            self.unknown.add(token)
        else:
            self.known[token] = found
        return found

    def record(self, link_id: int, *, address: str, user_agent: str, method: str) -> None:
        now = self.clock.now()
        if self.queued - self.written >= MAX_PENDING:
            self.dropped += 1
            return
        self.queued += 1
        self.pending.put(
            {
                "link_id": link_id,
                "at": naive_utc(now),
                "bot": is_bot(user_agent, method),
                "visitor": visitor_hash(self.key, now.date().isoformat(), address, user_agent),
            }
        )

    def _write(self) -> None:
        stop = False
        while not stop:
            first = self.pending.get()
            if first is None:
                break
            batch = [first]
            while len(batch) < BATCH:
                try:
                    item = self.pending.get(timeout=FLUSH_SECONDS if len(batch) < 50 else 0.001)
                except queue.Empty:
                    break
                if item is None:
                    stop = True
                    break
                batch.append(item)
            self._commit(batch)

    def _commit(self, batch: list[dict[str, Any]]) -> None:
        for attempt in range(50):  # a locked SQLite or a restarting server: keep the clicks
            try:
                with writing(self.engine) as conn:
                    q.record_clicks(conn, batch)
                self.written += len(batch)
                return
            except SQLAlchemyError as exc:
                if attempt == 0:
                    log.warning("clicks not recorded yet (%d waiting): %s", len(batch), exc)
                threading.Event().wait(0.2)
        log.error("%d clicks lost: the database refused them for 10 s", len(batch))

    def stop(self, timeout: float = 10.0) -> None:
        """Write every queued click, then end the writer."""
        self.pending.put(None)
        self.thread.join(timeout)


async def redirect_answer(
    redirects: Redirects,
    pool: Executor,
    method: str,
    path: str,
    headers: dict[bytes, bytes],
    peer: str,
) -> tuple[int, bytes, dict[str, str]]:
    """(status, body, headers) for `/r/<token>`: 302 to the landing page, 404 if unknown. A
    token not yet in memory is looked up in the endpoint's database pool, off the event loop."""
    token = path[len("/r/") :].strip("/")
    found = redirects.known.get(token)
    if found is None:
        found = await asyncio.get_running_loop().run_in_executor(pool, redirects.lookup, token)
    if found is None:
        return 404, b"<!doctype html><title>Not found</title><p>Unknown link.</p>", {}
    link_id, location = found
    forwarded = headers.get(b"x-forwarded-for", b"").decode("latin-1").split(",")[0].strip()
    agent = headers.get(b"user-agent", b"").decode("latin-1")
    redirects.record(link_id, address=forwarded or peer, user_agent=agent, method=method)
    return 302, b"", {"Location": location}
