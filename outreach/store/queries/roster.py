"""Influencers and their posts: upsert by natural key, load as domain objects, rank.

Natural keys: an influencer is the same person when the lower-cased address (`email_norm`) or
the pair (platform, handle) matches; a post is its URL. Every function runs inside the caller's
transaction and takes no locks beyond the rows it writes. Times are stored as naive UTC.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from types import EllipsisType
from typing import Any

from sqlalchemy import Connection, Row, func, insert, or_, select, text, update

from outreach.domain.influencer import PLATFORMS, Basis, Influencer, Post, Tier
from outreach.errors import InputError
from outreach.store.schema import influencer, post

# Columns an import sets; `upsert_influencer` compares exactly these to report changes.
INFLUENCER_FIELDS = (
    "name",
    "email",
    "platform",
    "handle",
    "followers",
    "avg_likes",
    "avg_comments",
    "engagement_rate",
    "tier",
    "niche",
    "country",
    "language",
    "timezone",
    "manager_email",
    "tags",
    "custom",
    "basis",
    "basis_url",
    "basis_seen_at",
    "refuses_ads",
)
POST_FIELDS = (
    "platform",
    "title",
    "caption",
    "published_at",
    "likes",
    "comments",
    "shares",
    "saves",
    "views",
)
LOAD_CHUNK = 500  # influencers per query when streaming, so posts attach with one query each

Changes = dict[str, tuple[Any, Any]]  # field -> (old, new)


class KeyConflict(InputError):
    """The address belongs to one influencer and the platform+handle to another."""


@dataclass(frozen=True)
class Existing:
    """The stored influencer a record matched, with where it was last imported from."""

    id: int
    values: dict[str, Any]
    source_file: str
    source_line: int | None
    import_run: str


def _naive_utc(at: datetime | None) -> datetime:
    at = at or datetime.now(UTC)
    return at.astimezone(UTC).replace(tzinfo=None) if at.tzinfo else at


def email_norm(address: str) -> str:
    """The dedupe and suppression key: the whole address lower-cased."""
    return address.strip().lower()


def match_influencer(conn: Connection, record: Mapping[str, Any]) -> Existing | None:
    """The stored influencer with the record's address or platform+handle.

    Raises KeyConflict when those keys point at two different influencers.
    """
    rows = conn.execute(
        select(influencer).where(
            or_(
                influencer.c.email_norm == email_norm(record["email"]),
                (influencer.c.platform == record["platform"])
                & (influencer.c.handle == record["handle"]),
            )
        )
    ).all()
    if not rows:
        return None
    if len(rows) > 1:
        by_mail = next(r for r in rows if r.email_norm == email_norm(record["email"]))
        by_handle = next(r for r in rows if r is not by_mail)
        raise KeyConflict(
            f"{record['email']} belongs to @{by_mail.handle} ({by_mail.platform}) but "
            f"@{record['handle']} ({record['platform']}) is another influencer",
            field="email",
            hint="fix the address or the handle so both point at the same person",
        )
    row = rows[0]
    return Existing(
        id=row.id,
        values={f: getattr(row, f) for f in INFLUENCER_FIELDS},
        source_file=row.source_file,
        source_line=row.source_line,
        import_run=row.import_run,
    )


def _diff(old: Mapping[str, Any], new: Mapping[str, Any], fields: Iterable[str]) -> Changes:
    changes: Changes = {}
    for f in fields:
        if f not in new:
            continue
        before, after = old.get(f), new[f]
        if isinstance(before, tuple | list) or isinstance(after, tuple | list):
            before, after = list(before or []), list(after or [])
        if before != after:
            changes[f] = (before, after)
    return changes


def upsert_influencer(
    conn: Connection,
    record: Mapping[str, Any],
    *,
    at: datetime | None = None,
    existing: Existing | None | EllipsisType = ...,
    source_file: str = "",
    source_line: int | None = None,
    import_run: str = "",
) -> tuple[int, Changes | None]:
    """Insert the influencer or update the one with the same address or platform+handle.

    `record` holds INFLUENCER_FIELDS (name, email, platform, handle required; the rest
    optional). Returns (id, changes): changes is None when a row was inserted, {} when the
    stored row already matched, else field -> (old, new). Pass `existing` (None = no match)
    when the caller already called `match_influencer`; `import_run` marks the row so a later row of the same
    import can tell it is an in-file duplicate. Raises KeyConflict (nothing written).
    """
    now = _naive_utc(at)
    values = {f: record[f] for f in INFLUENCER_FIELDS if f in record}
    if "tags" in values:
        values["tags"] = list(values["tags"] or [])
    if "custom" in values:
        values["custom"] = dict(values["custom"] or {})
    if "basis" in values:
        values["basis"] = str(values["basis"])
    if "tier" in values and values["tier"] is not None:
        values["tier"] = str(values["tier"])
    match = match_influencer(conn, record) if existing is ... else existing
    provenance = {
        "source_file": source_file,
        "source_line": source_line,
        "import_run": import_run,
        "updated_at": now,
    }
    if match is None:
        new_id = conn.execute(
            insert(influencer)
            .values(
                **values,
                email_norm=email_norm(values["email"]),
                created_at=now,
                **provenance,
            )
            .returning(influencer.c.id)
        ).scalar_one()
        return int(new_id), None
    changes = _diff(match.values, values, INFLUENCER_FIELDS)
    update_values: dict[str, Any] = {f: values[f] for f in changes}
    if "email" in changes:
        update_values["email_norm"] = email_norm(values["email"])
    conn.execute(
        update(influencer)
        .where(influencer.c.id == match.id)
        .values(**update_values, **provenance)
    )
    return match.id, changes


def recompute_er_rank(conn: Connection) -> None:
    """Set er_rank_pct (100 = best) from the engagement rate within each platform, one pass.

    CUME_DIST over the platform: the share of influencers with an equal or lower rate, so the
    best is 100 and ties share a rank. Rows without a rate get NULL.
    """
    conn.execute(
        text(
            "UPDATE influencer SET er_rank_pct = ranked.pct FROM ("
            " SELECT id, 100.0 * CUME_DIST() OVER"
            " (PARTITION BY platform ORDER BY engagement_rate) AS pct"
            " FROM influencer WHERE engagement_rate IS NOT NULL) AS ranked"
            " WHERE ranked.id = influencer.id"
        )
    )
    conn.execute(
        update(influencer)
        .where(influencer.c.engagement_rate.is_(None), influencer.c.er_rank_pct.is_not(None))
        .values(er_rank_pct=None)
    )


def upsert_post(
    conn: Connection, influencer_id: int, record: Mapping[str, Any]
) -> tuple[int, Changes | None]:
    """Insert the post or update the one with the same URL (moving it to this influencer).

    Returns (id, changes) like `upsert_influencer`.
    """
    values = {f: record[f] for f in POST_FIELDS if f in record}
    if values.get("published_at") is not None:
        values["published_at"] = _naive_utc(values["published_at"])
    row = conn.execute(select(post).where(post.c.url == record["url"])).first()
    if row is None:
        new_id = conn.execute(
            insert(post)
            .values(**values, url=record["url"], influencer_id=influencer_id)
            .returning(post.c.id)
        ).scalar_one()
        return int(new_id), None
    old = row._asdict()
    changes = _diff(old, {**values, "influencer_id": influencer_id}, (*POST_FIELDS, "influencer_id"))
    if changes:
        conn.execute(
            update(post).where(post.c.id == row.id).values({f: new for f, (_, new) in changes.items()})
        )
    return int(row.id), changes


def insert_post(conn: Connection, influencer_id: int, record: Mapping[str, Any]) -> int:
    """Insert one post (the URL must be new). Returns its id."""
    post_id, changes = upsert_post(conn, influencer_id, record)
    if changes is not None:
        raise InputError(f"post {record['url']} already exists", field="url")
    return post_id


def _post_from_row(row: Row[Any]) -> Post:
    published = row.published_at
    return Post(
        url=row.url,
        platform=row.platform,
        title=row.title,
        caption=row.caption,
        published_at=published.replace(tzinfo=UTC) if published and not published.tzinfo else published,
        likes=row.likes,
        comments=row.comments,
        shares=row.shares,
        saves=row.saves,
        views=row.views,
    )


def _influencer_from_row(row: Row[Any], posts: Sequence[Post]) -> Influencer:
    return Influencer(
        id=row.id,
        name=row.name,
        email=row.email,
        platform=row.platform,
        handle=row.handle,
        followers=row.followers,
        engagement_rate=row.engagement_rate,
        er_rank_pct=row.er_rank_pct,
        tier=Tier(row.tier) if row.tier else None,
        niche=row.niche,
        country=row.country,
        language=row.language,
        timezone=row.timezone,
        manager_email=row.manager_email,
        tags=tuple(row.tags or ()),
        custom=dict(row.custom or {}),
        basis=Basis(row.basis),
        basis_url=row.basis_url,
        basis_seen_at=row.basis_seen_at,
        refuses_ads=bool(row.refuses_ads),
        posts=tuple(posts),
    )


def _posts_for(conn: Connection, ids: Sequence[int]) -> dict[int, list[Post]]:
    by_influencer: dict[int, list[Post]] = {i: [] for i in ids}
    rows = conn.execute(
        select(post)
        .where(post.c.influencer_id.in_(ids))
        .order_by(post.c.influencer_id, post.c.published_at.desc().nulls_last(), post.c.id.desc())
    )
    for row in rows:
        by_influencer[row.influencer_id].append(_post_from_row(row))
    return by_influencer


def load_influencers(
    conn: Connection,
    *,
    handles: Iterable[str] | None = None,
    ids: Iterable[int] | None = None,
    limit: int | None = None,
) -> Iterator[Influencer]:
    """Influencers in id order with their posts (newest first), streamed in chunks.

    `handles` accepts `name` or `@name`; with neither filter, every influencer.
    """
    query = select(influencer).order_by(influencer.c.id)
    if handles is not None:
        query = query.where(influencer.c.handle.in_([h.lstrip("@") for h in handles]))
    if ids is not None:
        query = query.where(influencer.c.id.in_(list(ids)))
    last_id = 0
    remaining = limit
    while remaining is None or remaining > 0:
        size = LOAD_CHUNK if remaining is None else min(LOAD_CHUNK, remaining)
        rows = conn.execute(query.where(influencer.c.id > last_id).limit(size)).all()
        if not rows:
            return
        posts = _posts_for(conn, [r.id for r in rows])
        for row in rows:
            yield _influencer_from_row(row, posts[row.id])
        last_id = rows[-1].id
        if remaining is not None:
            remaining -= len(rows)


def load_influencer(conn: Connection, influencer_id: int) -> Influencer:
    """One influencer by id with posts; InputError when there is none."""
    for found in load_influencers(conn, ids=[influencer_id]):
        return found
    raise InputError(f"no influencer with id {influencer_id}", field="influencer")


def find_influencer(conn: Connection, key: str) -> Influencer | None:
    """By address, `handle`, `@handle` or `platform:handle`; None when nobody matches.

    A bare handle used on two platforms is ambiguous: InputError naming them.
    """
    key = key.strip()
    platform, sep, rest = key.partition(":")
    if sep and platform.lower() in PLATFORMS:
        cond = (influencer.c.platform == platform.lower()) & (
            influencer.c.handle == rest.strip().lstrip("@")
        )
    elif "@" in key.lstrip("@"):
        cond = influencer.c.email_norm == email_norm(key)
    else:
        cond = influencer.c.handle == key.lstrip("@")
    rows = conn.execute(select(influencer.c.id, influencer.c.platform).where(cond)).all()
    if not rows:
        return None
    if len(rows) > 1:
        platforms = ", ".join(sorted(r.platform for r in rows))
        raise InputError(
            f"@{key.lstrip('@')} is on several platforms ({platforms})",
            field="influencer",
            hint="write platform:handle, e.g. instagram:@" + key.lstrip("@"),
        )
    return load_influencer(conn, rows[0].id)


def count_influencers(conn: Connection) -> int:
    return int(conn.execute(select(func.count()).select_from(influencer)).scalar_one())


def influencer_id_for(conn: Connection, key: str, platform: str) -> int | None:
    """The influencer a post row names: by address, or by handle (`@` optional) on `platform`."""
    key = key.strip()
    if "@" in key.lstrip("@"):
        cond = influencer.c.email_norm == email_norm(key)
    else:
        cond = (influencer.c.platform == platform) & (influencer.c.handle == key.lstrip("@"))
    found = conn.execute(select(influencer.c.id).where(cond)).scalar()
    return None if found is None else int(found)
