"""Import post metrics (insights exports) and shop orders; all-or-nothing, errors as
`file:line: field: reason`. Platform APIs plug in behind `MetricsSource` later."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import Engine

from outreach.clock import naive_utc
from outreach.domain.deal import Terms
from outreach.errors import ImportRejected, InputError, RowError
from outreach.services.roster.source import HeaderRejected, SourceProblem, read_rows
from outreach.store.queries import results as q
from outreach.store.session import writing


class MetricsSource(Protocol):
    """A platform's insights API (Instagram Graph, YouTube Data, TikTok): yields the same rows
    a CSV gives (post_url, captured_at and the metric columns). None is implemented: the tool
    does not call the network; export the insights as CSV and import that."""

    def rows(self, post_urls: list[str]) -> list[dict[str, str]]: ...


# Column names accepted for each field (compared lower-cased); `--map field=Column` adds one.
METRIC_COLUMNS: dict[str, tuple[str, ...]] = {
    "post_url": ("post_url", "url", "permalink", "投稿url", "パーマリンク"),
    "captured_at": ("captured_at", "date", "as_of", "日付", "取得日"),
    "reach": ("reach", "リーチ", "accounts reached"),
    "impressions": ("impressions", "インプレッション", "インプレッション数"),
    "views": ("views", "plays", "再生数", "視聴回数"),
    "likes": ("likes", "いいね", "いいね！", "いいね数"),
    "comments": ("comments", "コメント", "コメント数"),
    "shares": ("shares", "シェア", "シェア数"),
    "saves": ("saves", "保存", "保存数"),
    "clicks": ("clicks", "link clicks", "link_clicks", "リンクのクリック", "リンククリック"),
}
ORDER_COLUMNS: dict[str, tuple[str, ...]] = {
    "order_id": ("order_id", "order", "name", "注文番号", "注文id"),
    "ordered_at": ("ordered_at", "created at", "created_at", "注文日時", "注文日"),
    "revenue": ("revenue", "total", "subtotal", "売上", "金額", "合計"),
    "currency": ("currency", "通貨"),
    "code": ("code", "discount code", "discount_code", "クーポンコード", "割引コード"),
    "landing_url": ("landing_url", "landing site", "landing_site", "ランディングページ"),
}


@dataclass
class Imported:
    file: str
    inserted: int = 0
    updated: int = 0
    duplicates: int = 0
    by_code: int = 0
    by_utm: int = 0
    unattributed: int = 0
    outside_window: int = 0
    problems: list[RowError] = field(default_factory=list)


def _columns(
    path: Path, wanted: dict[str, tuple[str, ...]], mapping: dict[str, str]
) -> dict[str, str]:
    """Field -> the column of the file that holds it."""
    header: list[str] = []
    for _, rec in read_rows(path):
        if isinstance(rec, dict):
            header = list(rec)
        break
    lower = {h.lower(): h for h in header}
    found: dict[str, str] = {}
    for name, aliases in wanted.items():
        given = mapping.get(name)
        names = (given.lower(),) if given else aliases
        for alias in names:
            if alias in lower:
                found[name] = lower[alias]
                break
    return found


def _records(
    path: Path,
    wanted: dict[str, tuple[str, ...]],
    mapping: dict[str, str],
    required: tuple[str, ...],
) -> tuple[list[tuple[int, dict[str, str]]], list[RowError]]:
    name = str(path)
    unknown = sorted(set(mapping) - set(wanted))
    if unknown:
        raise InputError(
            f"cannot map {', '.join(unknown)}", field="map", hint="fields: " + ", ".join(wanted)
        )
    try:
        cols = _columns(path, wanted, mapping)
        missing = [f for f in required if f not in cols]
        if missing:
            raise ImportRejected(
                [
                    RowError(name, 1, f, f"required column is missing (or --map {f}=COLUMN)")
                    for f in missing
                ]
            )
        rows: list[tuple[int, dict[str, str]]] = []
        problems: list[RowError] = []
        for line, rec in read_rows(path):
            if isinstance(rec, SourceProblem):
                problems.append(RowError(name, rec.line, rec.field, rec.reason))
                continue
            rows.append((line, {f: (rec.get(col) or "").strip() for f, col in cols.items()}))
    except SourceProblem as exc:
        raise ImportRejected([RowError(name, exc.line, exc.field, exc.reason)]) from None
    except HeaderRejected as exc:
        raise ImportRejected(
            [RowError(name, p.line, p.field, p.reason) for p in exc.problems]
        ) from None
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", file=name) from None
    return rows, problems


_COUNT = re.compile(r"^\d{1,3}(,\d{3})*$|^\d+$")


def count(text: str) -> int | None:
    """A whole number (thousands separators allowed); '' or '-' is missing."""
    if text in ("", "-"):
        return None
    if not _COUNT.match(text):
        raise ValueError(f"{text!r} is not a whole number")
    return int(text.replace(",", ""))


def when(text: str) -> datetime:
    """ISO 8601 date or date-time (`/` accepted as the date separator); naive means UTC."""
    if not text:
        raise ValueError("is empty")
    try:
        value = datetime.fromisoformat(text.replace("/", "-"))
    except ValueError:
        raise ValueError(f"{text!r} is not a date (YYYY-MM-DD or YYYY-MM-DDTHH:MM)") from None
    return naive_utc(value) if value.tzinfo else value


def import_metrics(
    engine: Engine, path: Path, *, mapping: dict[str, str] | None = None
) -> Imported:
    """One snapshot per row (post URL, capture time, metrics); a row for the same post and time
    replaces it. Every post must be recorded (`outreach post add`) first."""
    rows, problems = _records(path, METRIC_COLUMNS, mapping or {}, ("post_url", "captured_at"))
    report = Imported(str(path), problems=problems)
    with writing(engine) as conn:
        posts = q.posts_by_url(conn)
        ready = []
        for line, row in rows:
            bad = len(report.problems)
            deliverable_id = posts.get(row["post_url"])
            if deliverable_id is None:
                report.problems.append(
                    RowError(
                        report.file,
                        line,
                        "post_url",
                        "no recorded post has this URL (outreach post add)",
                    )
                )
            try:
                at = when(row["captured_at"])
            except ValueError as exc:
                report.problems.append(RowError(report.file, line, "captured_at", str(exc)))
            values: dict[str, int | None] = {}
            for metric in q.METRICS:
                try:
                    values[metric] = count(row.get(metric, ""))
                except ValueError as exc:
                    report.problems.append(RowError(report.file, line, metric, str(exc)))
            if len(report.problems) == bad and deliverable_id is not None:
                ready.append((deliverable_id, at, values, f"{path.name}:{line}"))
        if report.problems:
            raise ImportRejected(report.problems)
        for deliverable_id, at, values, source in ready:
            if q.save_snapshot(conn, deliverable_id, at, values, source):
                report.inserted += 1
            else:
                report.updated += 1
    return report


def money(text: str) -> float:
    cleaned = text.replace(",", "").replace("¥", "").replace("￥", "").replace("円", "").strip()
    try:
        value = float(cleaned)
    except ValueError:
        raise ValueError(f"{text!r} is not an amount") from None
    if value < 0:
        raise ValueError(f"{text!r} is negative")
    return value


def import_orders(
    engine: Engine,
    campaign: str,
    path: Path,
    *,
    window_days: int = 30,
    mapping: dict[str, str] | None = None,
) -> Imported:
    """Orders of a shop export, deduplicated by order id. An order is attributed to a person by
    discount code (the deal's promo code), else by the landing URL's utm_campaign = campaign
    and utm_content = handle, when placed within `window_days` after that person's first post."""
    rows, problems = _records(
        path, ORDER_COLUMNS, mapping or {}, ("order_id", "ordered_at", "revenue")
    )
    report = Imported(str(path), problems=problems)
    with writing(engine) as conn:
        campaign_id = q.campaign_row(conn, campaign)
        if campaign_id is None:
            raise InputError(
                f"no campaign {campaign!r} in the database",
                field="campaign",
                hint="enrol someone first: outreach enroll " + campaign,
            )
        ids = {p["enrollment_id"]: p for p in q.campaign_people(conn, campaign_id)}
        by_code = {
            Terms.from_json(p["terms"]).promo_code.casefold(): eid
            for eid, p in ids.items()
            if Terms.from_json(p["terms"]).promo_code
        }
        by_handle = {p["handle"].casefold(): eid for eid, p in ids.items()}
        first = q.first_posts(conn, campaign_id)
        seen = q.known_orders(conn, campaign_id)
        out: list[dict[str, Any]] = []
        for line, row in rows:
            bad = len(report.problems)
            order_id = row["order_id"]
            if not order_id:
                report.problems.append(RowError(report.file, line, "order_id", "is empty"))
            try:
                at = when(row["ordered_at"])
            except ValueError as exc:
                report.problems.append(RowError(report.file, line, "ordered_at", str(exc)))
            try:
                revenue = money(row["revenue"])
            except ValueError as exc:
                report.problems.append(RowError(report.file, line, "revenue", str(exc)))
            if len(report.problems) != bad:
                continue
            if order_id in seen:
                report.duplicates += 1
                continue
            seen.add(order_id)
            code, landing = row.get("code", ""), row.get("landing_url", "")
            eid, how = _attribute(code, landing, campaign, by_code, by_handle)
            if eid is not None:
                start = first.get(eid)
                if start is None or not start <= at <= start + timedelta(days=window_days):
                    eid, how = None, ""
                    report.outside_window += 1
            if how == "code":
                report.by_code += 1
            elif how == "utm":
                report.by_utm += 1
            out.append(
                {
                    "campaign_id": campaign_id,
                    "order_id": order_id,
                    "ordered_at": at,
                    "revenue": revenue,
                    "currency": (row.get("currency") or "JPY").upper(),
                    "code": code,
                    "landing_url": landing,
                    "enrollment_id": eid,
                    "attributed_by": how,
                    "source": f"{path.name}:{line}",
                }
            )
        if report.problems:
            raise ImportRejected(report.problems)
        q.insert_orders(conn, out)
        report.inserted = len(out)
        report.unattributed = sum(1 for o in out if o["enrollment_id"] is None)
    return report


def _attribute(
    code: str, landing: str, campaign: str, by_code: dict[str, int], by_handle: dict[str, int]
) -> tuple[int | None, str]:
    if code and code.casefold() in by_code:
        return by_code[code.casefold()], "code"
    if landing:
        query = parse_qs(urlsplit(landing).query)
        if (
            query.get("utm_campaign", [""])[0] == campaign
            and (handle := query.get("utm_content", [""])[0].casefold()) in by_handle
        ):
            return by_handle[handle], "utm"
    return None, ""
