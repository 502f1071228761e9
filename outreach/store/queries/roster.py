"""Influencers and their posts: upsert by natural key, load as domain objects, rank.

Influencer writes live in `roster_upsert` (re-exported here). A post is its URL. Every
function runs inside the caller's transaction and takes no locks beyond the rows it writes.

Longer than 400 lines on purpose: the load, post and rank queries share the shape of the
influencer row they read.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import UTC
from typing import Any

from sqlalchemy import ColumnElement, Connection, bindparam, insert, select, text, update

from outreach.clock import naive_utc
from outreach.domain.influencer import PLATFORMS, Basis, Influencer, Post, Tier
from outreach.errors import InputError
from outreach.store.queries.roster_upsert import (
    INFLUENCER_FIELDS,
    Changes,
    KeyConflict,
    Upserted,
    diff,
    email_norm,
    executemany,
    marks,
    sqlite_select,
    upsert_influencer,
    upsert_influencers,
)
from outreach.store.schema import agency, influencer, post

__all__ = [
    "INFLUENCER_FIELDS",
    "Changes",
    "KeyConflict",
    "Upserted",
    "email_norm",
    "find_influencer",
    "influencer_id_for",
    "influencer_ids_for",
    "insert_post",
    "load_influencer",
    "load_influencers",
    "recompute_er_rank",
    "upsert_influencer",
    "upsert_influencers",
    "upsert_post",
    "upsert_posts",
]

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


def recompute_er_rank(conn: Connection) -> None:
    """Set er_rank_pct (100 = best) from the engagement rate within each platform, one pass.

    CUME_DIST over the platform: the share of influencers with an equal or lower rate, so the
    best is 100 and ties share a rank. Rows without a rate get NULL.
    """
    if conn.dialect.name == "sqlite":
        _sqlite_rank(conn, "influencer")
        conn.execute(
            update(influencer)
            .where(influencer.c.engagement_rate.is_(None), influencer.c.er_rank_pct.is_not(None))
            .values(er_rank_pct=None)
        )
        _sqlite_rank(conn, "account")
        return
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
    # Every account ranked within its platform the same way (a person's row repeats the
    # rank of their first account, ranked above among first accounts).
    conn.execute(
        text(
            "UPDATE account SET er_rank_pct = ranked.pct FROM ("
            " SELECT id, 100.0 * CUME_DIST() OVER"
            " (PARTITION BY platform ORDER BY engagement_rate) AS pct"
            " FROM account WHERE engagement_rate IS NOT NULL) AS ranked"
            " WHERE ranked.id = account.id"
        )
    )


def _sqlite_rank(conn: Connection, table: str) -> None:
    """The ranks of `table` into a temporary table in id order, then written where they
    differ: the rows are visited in id order (not the rank's), and a re-import that moves no
    rank rewrites no row."""
    conn.exec_driver_sql("DROP TABLE IF EXISTS temp.er_rank")
    conn.exec_driver_sql("CREATE TEMP TABLE er_rank (id INTEGER PRIMARY KEY, pct REAL)")
    conn.exec_driver_sql(
        "INSERT INTO temp.er_rank SELECT id, 100.0 * CUME_DIST() OVER"
        f" (PARTITION BY platform ORDER BY engagement_rate) FROM main.{table}"
        " WHERE engagement_rate IS NOT NULL ORDER BY id"
    )
    conn.exec_driver_sql(
        f"UPDATE main.{table} SET er_rank_pct = r.pct FROM temp.er_rank r"
        f" WHERE r.id = {table}.id AND {table}.er_rank_pct IS NOT r.pct"
    )
    conn.exec_driver_sql("DROP TABLE temp.er_rank")


def upsert_post(
    conn: Connection, influencer_id: int, record: Mapping[str, Any]
) -> tuple[int, Changes | None]:
    """Insert the post or update the one with the same URL (moving it to this influencer).

    Returns (id, changes) like `upsert_influencer`.
    """
    values = {f: record[f] for f in POST_FIELDS if f in record}
    if values.get("published_at") is not None:
        values["published_at"] = naive_utc(values["published_at"])
    row = conn.execute(select(post).where(post.c.url == record["url"])).first()
    if row is None:
        new_id = conn.execute(
            insert(post)
            .values(**values, url=record["url"], influencer_id=influencer_id)
            .returning(post.c.id)
        ).scalar_one()
        return int(new_id), None
    old = row._asdict()
    changes = diff(old, {**values, "influencer_id": influencer_id}, (*POST_FIELDS, "influencer_id"))
    if changes:
        conn.execute(
            update(post)
            .where(post.c.id == row.id)
            .values({f: new for f, (_, new) in changes.items()})
        )
    return int(row.id), changes


def upsert_posts(
    conn: Connection, batch: Sequence[tuple[int | None, Mapping[str, Any]]]
) -> list[Changes | None]:
    """`upsert_post` for a batch (URLs distinct): one SELECT, then executemany INSERT and
    UPDATE. Each record carries its `influencer_id`."""
    urls = [record["url"] for _, record in batch]
    if conn.dialect.name == "sqlite":
        found: Iterable[Sequence[Any]] = sqlite_select(
            conn, list(post.c), f"url IN ({marks(urls)})", urls
        )
    else:
        found = conn.execute(select(post).where(post.c.url.in_(urls)))
    names = [c.name for c in post.c]
    stored = {row[names.index("url")]: dict(zip(names, row, strict=True)) for row in found}
    fields = (*POST_FIELDS, "influencer_id")
    outcomes: list[Changes | None] = []
    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    for _, record in batch:
        old = stored.get(record["url"])
        values = _post_values(record)
        if old is None:
            inserts.append({**values, "url": record["url"]})
            outcomes.append(None)
            continue
        changes = diff(
            old, {f: v for f, v in values.items() if f in record or f == "influencer_id"}, fields
        )
        if changes:
            updates.append(
                {
                    **{f: old[f] for f in fields},
                    **{f: new for f, (_, new) in changes.items()},
                    "post_id": old["id"],
                }
            )
        outcomes.append(changes)
    if inserts:
        executemany(conn, insert(post), inserts)
    if updates:
        executemany(conn, update(post).where(post.c.id == bindparam("post_id")), updates)
    return outcomes


def _post_values(record: Mapping[str, Any]) -> dict[str, Any]:
    values = {f: record.get(f) for f in POST_FIELDS}
    if values["published_at"] is not None:
        values["published_at"] = naive_utc(values["published_at"])
    values["influencer_id"] = record["influencer_id"]
    return values


def influencer_ids_for(
    conn: Connection, keys: Sequence[tuple[str, str]]
) -> dict[tuple[str, str], int]:
    """`influencer_id_for` for a batch of (key, platform): two queries, whatever its size."""
    by_mail = {email_norm(k): (k, p) for k, p in keys if "@" in k.lstrip("@")}
    by_handle = {(p, k.strip().lstrip("@")): (k, p) for k, p in keys if "@" not in k.lstrip("@")}
    found: dict[tuple[str, str], int] = {}
    mails, pairs = list(by_mail), list(by_handle)
    if conn.dialect.name == "sqlite":  # through the driver: no IN list expanded per batch
        mail_rows: Iterable[Sequence[Any]] = (
            conn.exec_driver_sql(
                f"SELECT email_norm, id FROM influencer WHERE email_norm IN ({marks(mails)})",
                tuple(mails),
            )
            if mails
            else ()
        )
        # A join with the pairs: one index search each, not one per platform and handle.
        handle_rows: Iterable[Sequence[Any]] = (
            conn.exec_driver_sql(
                f"SELECT i.platform, i.handle, i.id FROM (VALUES {marks_pairs(pairs)}) AS k"
                " JOIN influencer i ON i.platform = k.column1 AND i.handle = k.column2",
                tuple(v for pair in pairs for v in pair),
            )
            if pairs
            else ()
        )
    else:
        mail_rows = (
            conn.execute(
                select(influencer.c.email_norm, influencer.c.id).where(
                    influencer.c.email_norm.in_(mails)
                )
            )
            if mails
            else ()
        )
        handle_rows = (
            conn.execute(
                select(influencer.c.platform, influencer.c.handle, influencer.c.id).where(
                    influencer.c.platform.in_({p for p, _ in pairs}),
                    influencer.c.handle.in_({h for _, h in pairs}),
                )
            )
            if pairs
            else ()
        )
    for mail_key, mail_id in mail_rows:
        found[by_mail[mail_key]] = int(mail_id)
    for row_platform, row_handle, row_id in handle_rows:
        if (row_platform, row_handle) in by_handle:
            found[by_handle[(row_platform, row_handle)]] = int(row_id)
    return found


def marks_pairs(pairs: Sequence[tuple[Any, Any]]) -> str:
    """`(?, ?), (?, ?)` for a VALUES list of pairs."""
    return ", ".join(["(?, ?)"] * len(pairs))


def insert_post(conn: Connection, influencer_id: int, record: Mapping[str, Any]) -> int:
    """Insert one post (the URL must be new). Returns its id."""
    post_id, changes = upsert_post(conn, influencer_id, record)
    if changes is not None:
        raise InputError(f"post {record['url']} already exists", field="url")
    return post_id


# The columns `load_influencers` reads, in the order its row functions unpack them: a row is
# unpacked as a tuple (0.1 us) rather than read by attribute name (about 1 us per field on
# SQLAlchemy's Row), which adds up over some thirty fields per influencer in every plan batch.
_POST_COLUMNS = [
    post.c[name]
    for name in (
        "influencer_id",
        "url",
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
]


def _post_from_row(row: Sequence[Any]) -> Post:
    _, url, platform, title, caption, published, likes, comments, shares, saves, views = row
    return Post(
        url=url,
        platform=platform,
        title=title,
        caption=caption,
        published_at=published.replace(tzinfo=UTC)
        if published and not published.tzinfo
        else published,
        likes=likes,
        comments=comments,
        shares=shares,
        saves=saves,
        views=views,
    )


# What `Influencer` holds: not the bookkeeping columns (import run, timestamps), whose values
# would be converted for every row and dropped.
_INFLUENCER_COLUMNS = [
    influencer.c[name]
    for name in (
        "id",
        "name",
        "email",
        "platform",
        "handle",
        "followers",
        "engagement_rate",
        "er_rank_pct",
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
        "honorific_name",
        "send_to",
    )
] + [agency.c.name.label("agency_name")]


def _influencer_from_row(row: Sequence[Any], posts: Sequence[Post]) -> Influencer:
    (
        id_,
        name,
        email,
        platform,
        handle,
        followers,
        engagement_rate,
        er_rank_pct,
        tier,
        niche,
        country,
        language,
        timezone,
        manager_email,
        tags,
        custom,
        basis,
        basis_url,
        basis_seen_at,
        refuses_ads,
        honorific_name,
        send_to,
        agency_name,
    ) = row
    return Influencer(
        id=id_,
        name=name,
        email=email,
        platform=platform,
        handle=handle,
        followers=followers,
        engagement_rate=engagement_rate,
        er_rank_pct=er_rank_pct,
        tier=Tier(tier) if tier else None,
        niche=niche,
        country=country,
        language=language,
        timezone=timezone,
        manager_email=manager_email,
        tags=tuple(tags or ()),
        custom=dict(custom or {}),
        basis=Basis(basis),
        basis_url=basis_url,
        basis_seen_at=basis_seen_at,
        refuses_ads=bool(refuses_ads),
        posts=tuple(posts),
        honorific_name=honorific_name,
        send_to=send_to,
        agency=agency_name or "",
    )


def _posts_for(conn: Connection, ids: Sequence[int]) -> dict[int, list[Post]]:
    by_influencer: dict[int, list[Post]] = {i: [] for i in ids}
    rows = conn.execute(
        select(*_POST_COLUMNS)
        .where(post.c.influencer_id.in_(ids))
        .order_by(post.c.influencer_id, post.c.published_at.desc().nulls_last(), post.c.id.desc())
    )
    for row in rows:
        by_influencer[row[0]].append(_post_from_row(row))
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
    query = (
        select(*_INFLUENCER_COLUMNS)
        .outerjoin(agency, agency.c.id == influencer.c.agency_id)
        .order_by(influencer.c.id)
    )
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
        posts = _posts_for(conn, [r[0] for r in rows])
        for row in rows:
            yield _influencer_from_row(row, posts[row[0]])
        last_id = rows[-1][0]
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
    cond: ColumnElement[bool]
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


def influencer_id_for(conn: Connection, key: str, platform: str) -> int | None:
    """The influencer a post row names: by address, or by handle (`@` optional) on `platform`."""
    key = key.strip()
    if "@" in key.lstrip("@"):
        cond = influencer.c.email_norm == email_norm(key)
    else:
        cond = (influencer.c.platform == platform) & (influencer.c.handle == key.lstrip("@"))
    found = conn.execute(select(influencer.c.id).where(cond)).scalar()
    return None if found is None else int(found)
