"""An import's valid rows, staged before the write lock and written from there.

While a file is read and checked no lock on the database is held: each valid row goes into a
private SQLite file (the stage) in the form it will be stored in, with its keys. There the rows
a later row of the file repeats are found and left out (the later one wins), and the people
whose address another row of the file shares or names as a manager's are marked: who they are
takes the row-by-row rules.

Inside the write transaction, on SQLite, the stage is attached to the connection. Rows new to
the database are copied by INSERT ... SELECT a range of lines at a time, and a new person's
first account and own address by INSERT ... SELECT of the ids just given. The others (a stored
person or post, a marked person) go through `roster_upsert.upsert_influencers` or
`roster.upsert_posts` a batch at a time, in file order, as every row does on PostgreSQL. No more
than one batch of rows is held in memory.

Longer than 400 lines on purpose: the stored form of a row, its way back into a record for the
row-by-row path, and the set-based writes that copy it are read together.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from json.encoder import encode_basestring_ascii
from pathlib import Path
from typing import Any

from sqlalchemy import Column, Connection, Engine
from sqlalchemy.dialects.sqlite import dialect as sqlite_dialect

from outreach.clock import naive_utc
from outreach.domain.address import normalise_address
from outreach.domain.influencer import Basis
from outreach.store.queries import people
from outreach.store.queries.roster import POST_FIELDS
from outreach.store.queries.roster_upsert import INFLUENCER_FIELDS, bulk_cache, person_key
from outreach.store.schema import influencer, post

STAGE_CACHE_KIB = 32_768  # the stage's page cache while rows are added and keys indexed
BATCH_ROWS = 1000  # records per batch of the row-by-row path
CHUNK_LINES = 50_000  # file lines per INSERT ... SELECT (progress is reported between them)
PAGE = 10_000  # lines of the row-by-row path read at a time
_LAST_LINE = 2**62  # beyond any file's last line

Record = dict[str, Any]
Batch = list[tuple[int, Record]]
# The row-by-row path for one batch, in the write transaction (it reports what it did).
WriteBatch = Callable[[Connection, Batch], None]
Progress = Callable[[int], None]  # rows written so far


@dataclass
class Written:
    """What the set-based path wrote: rows inserted, how many of them have basis none, and
    rows found unchanged."""

    inserted: int = 0
    basis_none: int = 0
    unchanged: int = 0


@dataclass
class Held:
    """How long the write transaction held the database: wall time and this process's CPU
    time (a busy machine's wall time is mostly waiting for a core)."""

    seconds: float = 0.0
    cpu_seconds: float = 0.0


# Values read back for the row-by-row path are converted as SQLAlchemy reads the columns.
_DIALECT = sqlite_dialect()


def _reader(column: Column[Any]) -> Callable[[Any], Any] | None:
    processor: Callable[[Any], Any] | None = column.type.dialect_impl(_DIALECT).result_processor(
        _DIALECT, None
    )
    return processor


class _Stage:
    """The stage file: table `rows`, by line, with the kind's COLUMNS, its two keys `A` (some
    columns) and `B` (a column, or None) (equal keys are repeats) and `slow` (the row takes the
    row-by-row path)."""

    COLUMNS: tuple[str, ...] = ()
    A: tuple[str, ...] = ()
    B: str | None = None

    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="outreach-import-"))
        self.path = self.dir / "stage.db"
        self.db = sqlite3.connect(self.path, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=OFF")  # private and thrown away: no rollback
        self.db.execute("PRAGMA synchronous=OFF")
        self.db.execute(f"PRAGMA cache_size=-{STAGE_CACHE_KIB}")
        self.db.execute(
            f"CREATE TABLE rows (line INTEGER PRIMARY KEY, {', '.join(self.COLUMNS)},"
            " slow INTEGER NOT NULL DEFAULT 0)"
        )
        self._insert = (
            f"INSERT INTO rows (line, {', '.join(self.COLUMNS)})"
            f" VALUES ({', '.join('?' * (len(self.COLUMNS) + 1))})"
        )
        self.db.execute("BEGIN")  # one transaction for all rows: committed by `seal`
        self.sealed = False

    def close(self) -> None:
        self.db.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    def superseded(self) -> Iterator[tuple[int, int]]:
        """(line, later line) of each row a later row of the file repeats (same A, or same B),
        in line order; they are left out of the stage."""
        a, b = ", ".join(self.A), self.B
        self.db.execute(f"CREATE INDEX ka ON rows ({a}, line)")

        def later(columns: Sequence[str]) -> str:
            same = " AND ".join(f"o.{c} = k.{c}" for c in columns)
            return f"(SELECT min(o.line) FROM rows o WHERE {same} AND o.line > k.line)"

        repeated = f"({a}) IN (SELECT {a} FROM rows GROUP BY {a} HAVING count(*) > 1)"
        if b is None:
            lines = f"SELECT line, {later(self.A)} AS next FROM rows k WHERE {repeated}"
        else:
            self.db.execute(f"CREATE INDEX kb ON rows ({b}, line) WHERE {b} IS NOT NULL")
            lines = (
                "SELECT line, coalesce(min(na, coalesce(nb, na)), nb) AS next FROM"
                f" (SELECT line, {later(self.A)} AS na, {later([b])} AS nb FROM rows k"
                f" WHERE {repeated} OR {b} IN (SELECT {b} FROM rows WHERE {b} IS NOT NULL"
                f" GROUP BY {b} HAVING count(*) > 1))"
            )
        self.db.execute(f"CREATE TABLE gone AS SELECT * FROM ({lines}) WHERE next IS NOT NULL")
        self.db.execute("DELETE FROM rows WHERE line IN (SELECT line FROM gone)")
        yield from self.db.execute("SELECT line, next FROM gone ORDER BY line")

    def seal(self) -> None:
        """No more rows: commit them and give back the memory adding them used."""
        if not self.sealed:
            self.db.execute("COMMIT")
            self.db.execute("PRAGMA shrink_memory")
            self.sealed = True

    def _select(
        self, where: str, params: Sequence[Any], limit: int = -1
    ) -> Iterator[tuple[int, Record]]:
        for row in self.db.execute(
            f"SELECT line, {', '.join(self.COLUMNS)} FROM rows WHERE {where} ORDER BY line LIMIT ?",
            (*params, limit),
        ):
            yield row[0], self._record(row[1:])

    def _records(self, lines: Sequence[int]) -> Batch:
        """The records of a batch of `_steps` (no other staged row lies between its lines)."""
        return list(self._select("line BETWEEN ? AND ?", (lines[0], lines[-1])))

    def _record(self, row: Sequence[Any]) -> Record:
        raise NotImplementedError

    def batches(self) -> Iterator[Batch]:
        """Every staged row as a record, in line order, BATCH_ROWS at a time."""
        last = 0
        while True:
            rows = list(self._select("line > ?", (last,), BATCH_ROWS))
            if not rows:
                return
            yield rows
            last = rows[-1][0]

    def _steps(self, conn: Connection) -> Iterator[tuple[str, Any]]:
        """("batch", lines) and ("copy", (first line, last line)) steps taking every staged
        row once, in line order: the rows marked slow (`temp.import_slow`, line and the staged
        line before it) a batch at a time, the rows between them copied."""
        batch: list[int] = []
        last = 0
        for line, before in _paged(conn):
            if before is not None and before != last:  # copied rows lie between the two
                if batch:
                    yield "batch", batch
                    batch = []
                yield from _ranges(last + 1, line - 1)
            batch.append(line)
            if len(batch) >= BATCH_ROWS:
                yield "batch", batch
                batch = []
            last = line
        if batch:
            yield "batch", batch
        end = self.db.execute("SELECT max(line) FROM rows").fetchone()[0]
        if end is not None and end > last:
            yield from _ranges(last + 1, end)

    def _mark_slow(self, conn: Connection, stored: str | None) -> None:
        """`temp.import_slow`: the staged rows marked slow, and those `stored` (a condition on
        the staged row `s`) says the database already holds; each with the staged line
        before it."""
        which = "s.slow" if stored is None else f"s.slow OR {stored}"
        conn.exec_driver_sql("DROP TABLE IF EXISTS temp.import_slow")
        conn.exec_driver_sql(
            "CREATE TEMP TABLE import_slow (line INTEGER PRIMARY KEY, before INTEGER)"
        )
        conn.exec_driver_sql(
            "INSERT INTO temp.import_slow SELECT s.line,"
            " (SELECT max(o.line) FROM stage.rows o WHERE o.line < s.line)"
            f" FROM stage.rows s WHERE {which} ORDER BY s.line"
        )

    def _write(
        self,
        conn: Connection,
        batch: WriteBatch,
        copy: Callable[[tuple[int, int]], int],
        progress: Progress,
        written: int = 0,
    ) -> int:
        """Every staged row in line order (`_steps`), `written` of them written already
        (they are not copied); the rows copied."""
        copied = 0
        for step, what in self._steps(conn):
            if step == "batch":
                records = self._records(what)
                batch(conn, records)
                written += len(records)
            else:
                count = copy(what)
                copied += count
                written += count
            progress(written)
        conn.exec_driver_sql("DROP TABLE temp.import_slow")
        return copied

    def _write_all(self, conn: Connection, batch: WriteBatch, progress: Progress) -> None:
        """Every staged row through the row-by-row path (another database than SQLite)."""
        written = 0
        for records in self.batches():
            batch(conn, records)
            written += len(records)
            progress(written)


def _paged(conn: Connection) -> Iterator[tuple[int, int | None]]:
    """The rows of `temp.import_slow` in line order, PAGE at a time (bounded memory)."""
    last = 0
    while True:
        rows = conn.exec_driver_sql(
            "SELECT line, before FROM temp.import_slow WHERE line > ? ORDER BY line LIMIT ?",
            (last, PAGE),
        ).all()
        if not rows:
            return
        for line, before in rows:
            yield int(line), None if before is None else int(before)
        last = int(rows[-1][0])


def _ranges(first: int, last: int) -> Iterator[tuple[str, tuple[int, int]]]:
    for start in range(first, last + 1, CHUNK_LINES):
        yield "copy", (start, min(start + CHUNK_LINES - 1, last))


@contextmanager
def _timed(held: Held) -> Iterator[None]:
    started, cpu = time.perf_counter(), time.process_time()
    try:
        yield
    finally:
        held.seconds = time.perf_counter() - started
        held.cpu_seconds = time.process_time() - cpu


@contextmanager
def attached(engine: Engine, stage: _Stage, held: Held) -> Iterator[Connection]:
    """One write transaction (SQLite: BEGIN IMMEDIATE, with the stage attached as `stage`),
    timed from BEGIN to the end of COMMIT into `held`. On SQLite the WAL is checkpointed after
    the commit rather than by it: the commit's own checkpoint runs once the write lock is
    released anyway, and a passive checkpoint never blocks other writers."""
    stage.seal()
    with engine.connect() as conn:
        if engine.dialect.name != "sqlite":
            with _timed(held), conn.begin():
                yield conn
            return
        raw = conn.connection.driver_connection
        assert raw is not None
        # ATTACH cannot run inside a transaction: through the driver, before BEGIN.
        raw.execute("ATTACH DATABASE ? AS stage", (str(stage.path),))
        raw.execute("PRAGMA wal_autocheckpoint=0")
        try:
            conn = conn.execution_options(sqlite_begin="IMMEDIATE")
            with _timed(held), conn.begin(), bulk_cache(conn):
                yield conn
        finally:
            raw.execute("PRAGMA wal_autocheckpoint=1000")  # SQLite's default
            raw.execute("DETACH DATABASE stage")
        raw.execute("PRAGMA wal_checkpoint(PASSIVE)")


def _stamp(at: datetime) -> str:
    return naive_utc(at).isoformat(" ", "microseconds")  # as the Timestamp column binds it


def _any_row(conn: Connection, table: str) -> bool:
    return conn.exec_driver_sql(f"SELECT EXISTS (SELECT 1 FROM main.{table})").scalar() == 1


# -- people -------------------------------------------------------------------------------

# The columns of a new influencer the stage holds (all but the import's constants).
_PEOPLE = (*INFLUENCER_FIELDS, "email_norm")
_PEOPLE_READ = [_reader(influencer.c[name]) for name in INFLUENCER_FIELDS]
_BITS = {name: 1 << i for i, name in enumerate(INFLUENCER_FIELDS)}


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


def _text(value: Any, default: str = "") -> Any:
    return default if value is None else value


def _json_list(value: Any) -> str:
    """`json.dumps(list(value))`; a list of text without the encoder's Python layer."""
    if not value:
        return "[]"
    try:
        return "[" + ", ".join(map(encode_basestring_ascii, value)) + "]"
    except TypeError:  # not all text
        return json.dumps(list(value))


def _json_dict(value: Any) -> str:
    """`json.dumps(dict(value))`; text keys and values without the encoder's Python layer."""
    if not value:
        return "{}"
    e = encode_basestring_ascii
    try:
        return "{" + ", ".join([e(k) + ": " + e(v) for k, v in dict(value).items()]) + "}"
    except TypeError:  # not all text
        return json.dumps(dict(value))


def person_row(record: Mapping[str, Any]) -> tuple[Any, ...]:
    """The record as a new influencer row binds it, in _PEOPLE's order: what
    `roster_upsert._row` and the columns' SQLite bind conversions make of it, a field left out
    taking the stored default. JSON as SQLAlchemy's JSON type binds it with no serializer
    configured (`json.dumps`). `tests/test_roster_stage.py` compares the two."""
    get = record.get
    tier, basis = get("tier"), get("basis")
    return (
        get("name"),
        get("email"),
        get("platform"),
        get("handle"),
        get("followers"),
        _float(get("avg_likes")),
        _float(get("avg_comments")),
        _float(get("engagement_rate")),
        None if tier is None else str(tier),
        _text(get("niche")),
        _text(get("country")),
        _text(get("language"), "ja"),
        _text(get("timezone")),
        _text(get("manager_email")),
        _json_list(get("tags")),
        _json_dict(get("custom")),
        str(basis) if basis else Basis.NONE.value,
        _text(get("basis_url")),
        _text(get("basis_seen_at")),
        1 if get("refuses_ads") else 0,
        _text(get("honorific_name")),
        _text(get("send_to")),
        person_key(record),
    )


class PeopleStage(_Stage):
    """Influencer rows: each as its row as a new person, with which of the record's fields the
    file gave (`present`), its repeat key (`b`), the manager's address as contacts hold it
    (`m`) and, when nothing is stored yet, its rank (table `rank`)."""

    COLUMNS = ("present", *_PEOPLE, "b", "m")
    A, B = ("platform", "handle"), "b"

    def __init__(self, *, at: datetime, source_file: str, import_run: str) -> None:
        super().__init__()
        self.db.execute("CREATE TABLE rank (line INTEGER PRIMARY KEY, pct REAL)")
        # What every row is stamped with, as the SQLite driver binds it.
        self.stamp = (source_file, import_run, _stamp(at), _stamp(at))
        self.at = at
        self.ranked = False  # whether the ranks written with the rows are final
        self.transfer = False  # whether the stage holds the rows as table `influencer`
        self._masks: dict[tuple[str, ...], int] = {}  # `present` by the record's keys

    def add(self, rows: Sequence[tuple[int, str | None, Mapping[str, Any]]]) -> None:
        """(line, key, record) of valid rows, in line order: a row repeats an earlier one with
        the same platform + handle or the same key `b` (None: none)."""
        staged: list[tuple[Any, ...]] = []
        masks = self._masks
        for line, b, record in rows:
            shape = tuple(record)
            present = masks.get(shape)
            if present is None:
                present = masks[shape] = sum(_BITS[name] for name in shape if name in _BITS)
            manager = normalise_address(record.get("manager_email") or "")
            staged.append((line, present, *person_row(record), b, manager))
        self.db.executemany(self._insert, staged)

    def prepare(self, conn: Connection) -> None:
        """Before the write lock, after `superseded`: mark the people whose address another
        row shares or names as a manager's. When the database holds no influencer, rank the
        rows as `recompute_er_rank` would (written with them: a first import need not rank
        again unless something was stored meanwhile), and try to build the table the rows
        will be (`_build_transfer`), which no marked row may be in."""
        if conn.dialect.name == "sqlite" and not _any_row(conn, "influencer"):
            self.db.execute(
                "INSERT INTO rank SELECT line, 100.0 * CUME_DIST() OVER"
                " (PARTITION BY platform ORDER BY engagement_rate) FROM rows"
                " WHERE engagement_rate IS NOT NULL ORDER BY line"
            )
            self.ranked = True
            if self._build_transfer(conn):
                return  # its UNIQUE (email_norm) held and no address is a manager's: none marked
        self.db.execute(
            "UPDATE rows SET slow = 1 WHERE email_norm IN"
            " (SELECT email_norm FROM rows GROUP BY email_norm HAVING count(*) > 1)"
            " OR email_norm IN (SELECT m FROM rows WHERE m <> '')"
        )

    def _build_transfer(self, conn: Connection) -> bool:
        """The rows as table `influencer`, made with the database's own CREATE TABLE and
        CREATE INDEX statements and numbered from 1, as a first import numbers them; False
        (and no table) when two rows have one address or a row's address is another's
        manager's. Into an empty table, `INSERT INTO main.influencer SELECT * FROM
        stage.influencer` copies the table's and each index's b-tree in order (SQLite's
        transfer optimization, `xferOptimization` in its insert.c) instead of inserting a row
        and five index entries at a time under the write lock; into a table that is not empty
        SQLite inserts them one by one, the same rows."""
        ddl = conn.exec_driver_sql(
            "SELECT type, sql FROM sqlite_master WHERE tbl_name = 'influencer'"
            " AND type IN ('table', 'index') AND sql IS NOT NULL ORDER BY type = 'index'"
        ).all()
        self.db.execute(ddl[0][1])  # the table (its UNIQUE constraints make indexes too)
        try:
            self.db.execute(_copy_people("main.influencer", "main"), self.stamp)
        except sqlite3.IntegrityError:  # a repeated address (the keys of a row are unique)
            self.db.execute("DROP TABLE influencer")
            return False
        if self.db.execute(
            "SELECT EXISTS (SELECT 1 FROM rows WHERE m <> ''"
            " AND m IN (SELECT email_norm FROM influencer))"
        ).fetchone()[0]:
            self.db.execute("DROP TABLE influencer")
            return False
        for _, sql in ddl[1:]:  # the other indexes, each built from the sorted rows
            self.db.execute(sql)
        self.transfer = True
        return True

    def _record(self, row: Sequence[Any]) -> Record:
        present = row[0]
        record: Record = {}
        for i, name in enumerate(INFLUENCER_FIELDS):
            if present & _BITS[name]:
                value, read = row[i + 1], _PEOPLE_READ[i]
                record[name] = value if read is None or value is None else read(value)
        return record

    def write(self, conn: Connection, batch: WriteBatch, *, progress: Progress) -> Written:
        """Write every staged row in file order (see the module docstring). `ranked` stays
        true only when nothing was stored and every row was copied. Rows the stored person
        already matches in every field are counted in `unchanged`."""
        if conn.dialect.name != "sqlite":
            self._write_all(conn, batch, progress)
            self.ranked = False
            return Written()
        at = self.at
        stored = _any_row(conn, "influencer") or _any_row(conn, "account")
        basis_none = self.db.execute(
            "SELECT count(*) FROM rows WHERE basis = ?", (Basis.NONE.value,)
        ).fetchone()[0]  # less the rows not copied, below: they are counted as they are written
        if self.transfer and not stored:  # nothing marked (see `prepare`), nothing stored
            count = int(
                conn.exec_driver_sql(
                    "INSERT INTO main.influencer SELECT * FROM stage.influencer"
                ).rowcount
            )
            self._sync(conn, (0, _LAST_LINE), 0, at)
            progress(count)
            return Written(count, basis_none)
        same = self._same(conn, stored)
        basis_none += same.basis_none
        self._mark_slow(conn, _STORED_PERSON if stored else None)
        slow = conn.exec_driver_sql("SELECT count(*) FROM temp.import_slow").scalar()
        self.ranked = self.ranked and not stored and not slow
        last_id = [int(conn.exec_driver_sql("SELECT max(id) FROM influencer").scalar() or 0)]

        def copy(lines: tuple[int, int]) -> int:
            count = int(conn.exec_driver_sql(_COPY_PEOPLE, (*self.stamp, *lines)).rowcount)
            if count:
                self._sync(conn, lines, last_id[0], at)
            last_id[0] = int(conn.exec_driver_sql("SELECT max(id) FROM influencer").scalar() or 0)
            return count

        def slow_batch(conn: Connection, records: Batch) -> None:
            nonlocal basis_none
            basis_none -= sum(r.get("basis", Basis.NONE) == Basis.NONE for _, r in records)
            batch(conn, records)
            last_id[0] = int(conn.exec_driver_sql("SELECT max(id) FROM influencer").scalar() or 0)

        copied = self._write(conn, slow_batch, copy, progress, same.inserted)
        conn.exec_driver_sql("DROP TABLE temp.import_same")
        return Written(copied, basis_none, same.inserted)

    def _same(self, conn: Connection, stored: bool) -> Written:
        """`temp.import_same`: the staged people (none marked) whose platform + handle and
        address are one stored person's, whose address is nobody's manager's, and whose every
        field the file gives equals the stored one (JSON compared as text: equal text is equal
        lists and dicts, so a custom column merged in changes nothing). `upsert_influencers`
        would find each unchanged and only stamp it with this import: that stamp is written
        here, for all of them at once. Returns their count (`inserted`) and `basis_none`: how
        the report counts their basis less what `write` counted for them."""
        conn.exec_driver_sql("DROP TABLE IF EXISTS temp.import_same")
        conn.exec_driver_sql(
            "CREATE TEMP TABLE import_same (line INTEGER PRIMARY KEY, id INTEGER NOT NULL)"
        )
        if not stored:
            return Written()
        for (present,) in self.db.execute("SELECT DISTINCT present FROM rows WHERE NOT slow"):
            equal = " AND ".join(
                f"s.{name} IS i.{name}"
                for name in (*INFLUENCER_FIELDS, "email_norm")
                if name in ("custom", "email_norm") or present & _BITS[name]
            )
            conn.exec_driver_sql(
                "INSERT INTO temp.import_same SELECT s.line, i.id FROM stage.rows s"
                " JOIN main.influencer i ON i.platform = s.platform AND i.handle = s.handle"
                f" WHERE s.present = ? AND NOT s.slow AND s.email <> '' AND {equal}"
                f" AND {_NOT_SHARED}",
                (present,),
            )
        conn.exec_driver_sql(
            "UPDATE main.influencer SET source_file = ?, import_run = ?, updated_at = ?,"
            " source_line = m.line FROM temp.import_same m WHERE m.id = influencer.id",
            self.stamp[:3],
        )
        count, none_written, none_counted = conn.exec_driver_sql(
            "SELECT count(*), coalesce(sum(s.basis = ?), 0),"
            " coalesce(sum(s.basis = ? AND s.present & ? != 0), 0)"
            " FROM temp.import_same m JOIN stage.rows s ON s.line = m.line",
            (Basis.NONE.value, Basis.NONE.value, _BITS["basis"]),
        ).one()
        return Written(int(count), int(none_counted) - int(none_written))

    def _sync(self, conn: Connection, lines: tuple[int, int], after_id: int, at: datetime) -> None:
        """The copied rows' first accounts and own addresses, by INSERT ... SELECT of the ids
        after `after_id` (the write lock is held: no other writer numbers rows meanwhile);
        then `people.sync` for those with a manager (their agency is found or made)."""
        stamp = _stamp(at)
        conn.exec_driver_sql(_MIRROR_NEW, (stamp, stamp, after_id))
        conn.exec_driver_sql(_OWN_NEW, (stamp, after_id))
        managed = [
            _Written(record)
            for _, record in self._select("line BETWEEN ? AND ? AND manager_email <> ''", lines)
        ]
        if managed:
            people.sync(conn, managed, at=at)


@dataclass
class _Written:
    """A copied row as `people.sync` reads it."""

    values: Record


# A staged person the database already knows: their address, account or a manager's address
# (but not one `_same` found unchanged).
_STORED_PERSON = (
    "s.line NOT IN (SELECT line FROM temp.import_same)"
    " AND (EXISTS (SELECT 1 FROM main.influencer i WHERE i.email_norm = s.email_norm)"
    " OR EXISTS (SELECT 1 FROM main.influencer i"
    " WHERE i.platform = s.platform AND i.handle = s.handle)"
    " OR EXISTS (SELECT 1 FROM main.account a"
    " WHERE a.platform = s.platform AND a.handle = s.handle)"
    " OR EXISTS (SELECT 1 FROM main.contact c"
    " WHERE c.address_norm = s.email_norm AND c.role = 'manager'))"
)
# The stored person `i` is not known to share the staged person's address `s`: it is nobody's
# manager address, nor their own manager's (compared lower-cased: a stored manager address of
# printable ASCII without spaces is its own `email_norm` lower-cased; any other takes the
# row-by-row path).
_NOT_SHARED = (
    "i.manager_email NOT GLOB '*[^!-~]*' AND lower(i.manager_email) <> s.email_norm"
    " AND NOT EXISTS (SELECT 1 FROM main.contact c"
    " WHERE c.address_norm = s.email_norm AND c.role = 'manager')"
)


def _copy_people(into: str, stage: str, where: str = "") -> str:
    """INSERT INTO `into` the staged people (of schema `stage`) `where` (the four stamps are
    bound first), in line order, with their ranks."""
    return (
        f"INSERT INTO {into} ({', '.join(_PEOPLE)}, source_line, source_file, import_run,"
        " updated_at, created_at, er_rank_pct)"
        f" SELECT {', '.join('s.' + n for n in _PEOPLE)}, s.line, ?, ?, ?, ?, r.pct"
        f" FROM {stage}.rows s LEFT JOIN {stage}.rank r ON r.line = s.line"
        f" {where} ORDER BY s.line"
    )


_COPY_PEOPLE = _copy_people(
    "main.influencer",
    "stage",
    "WHERE s.line BETWEEN ? AND ? AND s.line NOT IN (SELECT line FROM temp.import_same)",
)
# A new person's first account (with the rank written with them) and own address.
_MIRROR_NEW = (
    "INSERT INTO main.account (influencer_id, platform, handle, followers, avg_likes,"
    " avg_comments, engagement_rate, er_rank_pct, tier, created_at, updated_at)"
    " SELECT id, platform, handle, followers, avg_likes, avg_comments, engagement_rate,"
    " er_rank_pct, tier, ?, ? FROM main.influencer WHERE id > ?"
)
_OWN_NEW = (
    "INSERT INTO main.contact (influencer_id, address, address_norm, role, created_at)"
    " SELECT id, email, email_norm, 'self', ? FROM main.influencer WHERE id > ? AND email <> ''"
)


# -- posts --------------------------------------------------------------------------------

_POSTS = ("influencer_id", "url", *POST_FIELDS)
_POST_READ = [_reader(post.c[name]) for name in _POSTS]


class PostStage(_Stage):
    """Post rows, each as its stored row (its influencer resolved); a post is its URL."""

    COLUMNS = _POSTS
    A = ("url",)

    def add(self, rows: Sequence[tuple[int, Mapping[str, Any]]]) -> None:
        """(line, record) of valid rows, in line order; each record names its
        `influencer_id`."""
        staged: list[tuple[Any, ...]] = []
        for line, record in rows:
            get = record.get
            at = get("published_at")
            staged.append(
                (
                    line,
                    get("influencer_id"),
                    get("url"),
                    get("platform"),
                    get("title"),
                    get("caption"),
                    None if at is None else _stamp(at),
                    get("likes"),
                    get("comments"),
                    get("shares"),
                    get("saves"),
                    get("views"),
                )
            )
        self.db.executemany(self._insert, staged)

    def _record(self, row: Sequence[Any]) -> Record:
        return {
            name: value if read is None or value is None else read(value)
            for name, value, read in zip(_POSTS, row, _POST_READ, strict=True)
        }

    def write(self, conn: Connection, batch: WriteBatch, *, progress: Progress) -> Written:
        """Write every staged post in file order: new URLs copied (SQLite), the others
        through `upsert_posts`."""
        if conn.dialect.name != "sqlite":
            self._write_all(conn, batch, progress)
            return Written()
        stored = "EXISTS (SELECT 1 FROM main.post p WHERE p.url = s.url)"
        self._mark_slow(conn, stored if _any_row(conn, "post") else None)

        def copy(lines: tuple[int, int]) -> int:
            return int(conn.exec_driver_sql(_COPY_POSTS, lines).rowcount)

        return Written(self._write(conn, batch, copy, progress))


_COPY_POSTS = (
    f"INSERT INTO main.post ({', '.join(_POSTS)}) SELECT {', '.join(_POSTS)}"
    " FROM stage.rows WHERE line BETWEEN ? AND ? ORDER BY line"
)
