"""Importing influencers and posts, and the suppression list.

Two passes. The first reads and validates every row without touching the write lock: good
records are spooled to a temporary file, bad rows are reported. All-or-nothing by default: a
file with a bad row is rejected there and never takes the lock. The second pass writes the
spooled records in batches of BATCH_ROWS inside one write transaction; a problem only the
database can see (an address and a handle naming two different people) still rolls it all
back. `skip_invalid` commits the good rows and reports the rest; `dry_run` always rolls back,
so its report is exactly what a real run would say. Memory does not grow with the file: rows
are never held beyond one batch and the lists in the report are capped.
"""

from __future__ import annotations

import codecs
import pickle
import tempfile
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import OperationalError

from outreach.clock import Clock, naive_utc
from outreach.config import Config
from outreach.domain.influencer import Basis
from outreach.errors import ImportRejected, InputError, RowError, UserError
from outreach.services.roster import rows as roster_rows
from outreach.services.roster.rows import RowProblems, RowRules
from outreach.services.roster.source import (
    HeaderRejected,
    SourceProblem,
    encoding_problem,
    read_rows,
)
from outreach.store.queries import erasure, pipeline
from outreach.store.queries import roster as q
from outreach.store.queries import suppression as sq
from outreach.store.queries.suppression import list_suppressions, suppressed_among
from outreach.store.session import describe_unavailable, is_unavailable, reading, writing

MAX_LISTED = 1000  # errors, changes and warnings kept for the report; the rest are counted
BATCH_ROWS = 1000  # records written per batch (one lookup query + executemany)


@dataclass(frozen=True)
class ImportOptions:
    encoding: str | None = None
    basis: Basis | None = None
    basis_url: str = ""
    skip_invalid: bool = False
    check_deliverability: bool = False
    dry_run: bool = False
    # Called with (phase, rows so far) every PROGRESS_ROWS rows: "validated" or "written".
    progress: Callable[[str, int], None] | None = None


PROGRESS_ROWS = 5_000


@dataclass
class ImportReport:
    """What an import did (or, for a dry run, would do)."""

    file: str
    kind: str  # influencers | posts
    dry_run: bool = False
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    duplicates: int = 0  # rows repeating an earlier row of the same file (the last one wins)
    rejected: int = 0
    errors: list[RowError] = field(default_factory=list)
    changes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    unlisted: int = 0  # errors, changes or warnings beyond MAX_LISTED
    error_count: int = 0  # listed or not
    last_error: RowError | None = None

    def _keep(self, bucket: list[Any], item: Any) -> None:
        if len(bucket) < MAX_LISTED:
            bucket.append(item)
        else:
            self.unlisted += 1

    def error(self, err: RowError) -> None:
        self._keep(self.errors, err)
        self.error_count += 1
        self.last_error = err

    def rejection(self) -> ImportRejected:
        """The errors, closed by a count of those past MAX_LISTED (named at the last one)."""
        hidden = self.error_count - len(self.errors)
        last = self.last_error
        if not hidden or last is None:
            return ImportRejected(self.errors)
        more = RowError(last.file, last.line, "more", f"{hidden} more problem(s) not listed")
        return ImportRejected([*self.errors, more])

    def change(self, text: str) -> None:
        self._keep(self.changes, text)

    def warn(self, text: str) -> None:
        self._keep(self.warnings, text)


class _DryRun(Exception):
    """Raised inside the write transaction to roll a dry run back."""


Validate = Callable[[Connection | None, dict[str, str]], dict[str, Any]]
Batch = list[tuple[int, dict[str, Any]]]
Write = Callable[[Connection, Batch, ImportReport], None]


def _row_errors(name: str, line: int, exc: Exception) -> list[RowError]:
    if isinstance(exc, RowProblems):
        return [RowError(name, line, f, reason) for f, reason in exc.problems]
    if isinstance(exc, SourceProblem):  # its own line: a duplicate key names the key's line
        return [RowError(name, exc.line, exc.field, exc.reason)]
    assert isinstance(exc, InputError)
    return [RowError(name, line, exc.field or "row", exc.message)]


def _checked_rows(
    path: Path,
    name: str,
    options: ImportOptions,
    required: tuple[str, ...],
    conn: Connection | None,
    validate: Validate,
) -> Iterator[tuple[int, dict[str, Any] | list[RowError]]]:
    """(line, record) for good rows and (line, errors) for bad ones; whole-file problems raise
    ImportRejected whatever the mode (a file that cannot be read has no good rows)."""
    rows = read_rows(path, options.encoding, required=required)
    try:
        for line, cells in rows:
            try:
                if isinstance(cells, SourceProblem):
                    raise cells
                yield line, validate(conn, cells)
            except (RowProblems, SourceProblem, InputError) as exc:
                yield line, _row_errors(name, line, exc)
    except HeaderRejected as exc:
        raise ImportRejected([RowError(name, p.line, p.field, p.reason) for p in exc.problems])
    except SourceProblem as exc:
        raise ImportRejected([RowError(name, exc.line, exc.field, exc.reason)]) from None


def _spool(
    path: Path,
    report: ImportReport,
    options: ImportOptions,
    required: tuple[str, ...],
    validate: Validate,
    conn: Connection | None,
    spool: IO[bytes],
) -> None:
    """The first pass: every row validated; good records pickled to `spool` a batch at a time."""
    batch: Batch = []
    seen = 0
    for line, checked in _checked_rows(path, report.file, options, required, conn, validate):
        seen += 1
        if options.progress is not None and seen % PROGRESS_ROWS == 0:
            options.progress("validated", seen)
        if isinstance(checked, list):
            report.rejected += 1
            for err in checked:
                report.error(err)
            continue
        if report.errors and not options.skip_invalid:
            continue  # it will be rejected: only look for more errors
        batch.append((line, checked))
        if len(batch) >= BATCH_ROWS:
            pickle.dump(batch, spool, pickle.HIGHEST_PROTOCOL)
            batch = []
    if batch:
        pickle.dump(batch, spool, pickle.HIGHEST_PROTOCOL)


def _spooled(spool: IO[bytes]) -> Iterator[Batch]:
    spool.seek(0)
    while True:
        try:
            batch: Batch = pickle.load(spool)  # our own temporary file, written above
        except EOFError:
            return
        yield batch


def _run_import(
    engine: Engine,
    path: Path,
    report: ImportReport,
    options: ImportOptions,
    required: tuple[str, ...],
    validate: Validate,
    write: Write,
    finish: Callable[[Connection], None] = lambda conn: None,
    *,
    lookups: bool = False,
) -> ImportReport:
    """Validate the whole file, then write it in one transaction (see the module docstring).

    `lookups`: validation reads the database (posts name their influencer), so the first pass
    runs in a read transaction, which takes no write lock."""
    name = report.file
    if not path.is_file():
        raise InputError("no such file", file=name, hint="give the path of a .csv or .json file")
    if options.encoding is not None:
        try:
            codecs.lookup(options.encoding)
        except LookupError:
            raise InputError(
                f"unknown encoding {options.encoding!r}",
                field="--encoding",
                hint="for example utf-8, utf-8-sig or cp932",
            ) from None
        if (problem := encoding_problem(options.encoding)) is not None:
            raise InputError(
                problem, field="--encoding", hint="for example utf-8, utf-8-sig or cp932"
            )
    with tempfile.TemporaryFile(prefix="outreach-import-") as spool:
        with ExitStack() as stack:
            conn = stack.enter_context(reading(engine)) if lookups else None
            _spool(path, report, options, required, validate, conn, spool)
        if report.errors and not options.skip_invalid:
            raise report.rejection()
        try:
            with writing(engine) as conn:
                written = 0
                for batch in _spooled(spool):
                    write(conn, batch, report)
                    written += len(batch)
                    if options.progress is not None:
                        options.progress("written", written)
                if report.errors and not options.skip_invalid:
                    raise report.rejection()
                finish(conn)
                if options.dry_run:
                    raise _DryRun
        except _DryRun:
            pass
    return report


def import_influencers(
    engine: Engine, path: Path, *, config: Config, clock: Clock, options: ImportOptions
) -> ImportReport:
    """Load influencers from CSV/JSON; duplicates update the stored influencer (changes listed).

    After writing, the engagement-rate rank within each platform is recomputed in one pass.
    """
    now = clock.now()
    run = uuid.uuid4().hex
    name = str(path)
    rules = RowRules(
        tiers=config.tiers,
        basis=options.basis,
        basis_url=options.basis_url,
        today=now.date() if options.basis_url else None,
        check_deliverability=options.check_deliverability,
    )
    report = ImportReport(file=name, kind="influencers", dry_run=options.dry_run)
    basis_none = 0

    def validate(_conn: Connection | None, cells: dict[str, str]) -> dict[str, Any]:
        return roster_rows.influencer_record(cells, rules)

    def write(conn: Connection, batch: Batch, rep: ImportReport) -> None:
        nonlocal basis_none
        done = q.upsert_influencers(
            conn, batch, at=now, source_file=name, import_run=run, ids=False
        )
        imported: Batch = []
        for (line, record), outcome in zip(batch, done, strict=True):
            if (clash := outcome.conflict) is not None:
                rep.rejected += 1
                rep.error(
                    RowError(name, line, clash.field or "email", f"{clash.message} ({clash.hint})")
                )
                continue
            imported.append((line, record))
            if outcome.duplicate_of is not None:
                rep.duplicates += 1
                rep.warn(
                    f"{name}:{line}: duplicate of line {outcome.duplicate_of} "
                    f"(same address or platform+handle); line {line} wins"
                )
            elif outcome.changes is None:
                rep.inserted += 1
            elif outcome.changes:
                rep.updated += 1
                for f, (old, new) in outcome.changes.items():
                    rep.change(f"{name}:{line}: @{record['handle']}: {f}: {old!r} → {new!r}")
            else:
                rep.unchanged += 1
            stored_basis = record.get("basis", Basis.NONE if outcome.changes is None else None)
            basis_none += stored_basis == Basis.NONE
        addresses = [r[k] for _, r in imported for k in ("email", "manager_email") if r.get(k)]
        suppressed = suppressed_among(conn, addresses)
        for line, record in imported:
            for key in ("email", "manager_email"):
                if record.get(key, "") in suppressed:
                    rep.warn(
                        f"{name}:{line}: {key}: {record[key]} is suppressed; "
                        "imported, but it will not be mailed"
                    )

    def finish(conn: Connection) -> None:
        q.recompute_er_rank(conn)
        if basis_none:
            report.warn(
                f"{name}: {basis_none} influencer(s) have basis 'none': enrolment "
                "refuses them (add a basis column or pass --basis)"
            )

    return _run_import(
        engine, path, report, options, roster_rows.INFLUENCER_REQUIRED, validate, write, finish
    )


def import_posts(
    engine: Engine, path: Path, *, config: Config, options: ImportOptions
) -> ImportReport:
    """Load posts; each names its influencer by handle (on the row's platform) or address."""
    name = str(path)
    rules = RowRules(tiers=config.tiers, zone=config.sending.timezone)
    report = ImportReport(file=name, kind="posts", dry_run=options.dry_run)

    def validate(conn: Connection | None, cells: dict[str, str]) -> dict[str, Any]:
        assert conn is not None  # lookups=True below
        record = roster_rows.post_record(cells, rules)
        record["influencer_id"] = q.influencer_id_for(
            conn, record["influencer"], record["platform"]
        )
        if record["influencer_id"] is None:
            raise RowProblems(
                [
                    (
                        "influencer",
                        (
                            f"no influencer {record['influencer']!r} on "
                            f"{record['platform']} (import influencers first)"
                        ),
                    )
                ]
            )
        return record

    def write(conn: Connection, batch: Batch, rep: ImportReport) -> None:
        for line, record in batch:
            _id, changes = q.upsert_post(conn, record["influencer_id"], record)
            if changes is None:
                rep.inserted += 1
            elif changes:
                rep.updated += 1
                for f, (old, new) in changes.items():
                    rep.change(f"{name}:{line}: {record['url']}: {f}: {old!r} → {new!r}")
            else:
                rep.unchanged += 1

    return _run_import(
        engine, path, report, options, roster_rows.POST_REQUIRED, validate, write, lookups=True
    )


def suppress_address(
    engine: Engine, address: str, *, reason: str, clock: Clock, actor: str, note: str = ""
) -> bool:
    """Add an address to the global suppression list, with an audit row naming `actor`; False
    (and no audit row) when it was already there for this reason."""
    text = address.strip()
    if "@" not in text:
        raise InputError(f"{text!r} is not an email address", field="address")
    text = q.email_norm(text)  # an IDN domain as the roster stores it (xn--)
    at = naive_utc(clock.now())
    with writing(engine) as conn:
        added = pipeline.suppress(conn, text, reason=reason, source="cli", at=at)
        if added:
            why = f"{reason}: {note.strip()}" if note.strip() else reason
            sq.record(conn, text, action="add", reason=why, actor=actor, at=at)
        return added


def suppressions(
    engine: Engine, *, reason: str | None = None, address: str | None = None
) -> list[dict[str, Any]]:
    """Entries newest first, optionally only one reason's or one address's."""
    with reading(engine) as conn:
        return list_suppressions(conn, reason=reason, address=address)


# Why an entry that no bounce made stays unless forced: said to the operator who tries.
KEPT_BECAUSE = {
    "opt_out": "the person asked not to be mailed",
    "complaint": "the person complained about our mail (reported it as spam)",
    "legal": "it was suppressed for a legal reason",
    "manual": "someone suppressed it by hand",
    "erasure": "the person asked to be forgotten (outreach forget)",
}


@dataclass(frozen=True)
class Removed:
    address: str
    entries: list[sq.Entry]  # what was lifted
    forced: bool  # --force lifted an entry no bounce made
    bounced_in: list[str]  # campaigns where its enrollment ended as bounced (enrol skips it)


def remove_suppression(
    engine: Engine, address: str, *, reason: str, actor: str, force: bool, clock: Clock
) -> Removed:
    """Lift the address's bounce-made entries (others only with `force`) and audit each, in one
    transaction; raises UserError, writing nothing, when it is not suppressed or not liftable."""
    text = address.strip()
    if not reason.strip():
        raise UserError(
            "must say why the address may be mailed again",
            field="--reason",
            hint='for example --reason "mailbox restored, confirmed by phone"',
        )
    if not actor.strip():
        raise UserError("must name who removes it", field="--actor")
    at = naive_utc(clock.now())
    try:
        with writing(engine) as conn:
            return _lift(conn, text, reason=reason.strip(), actor=actor.strip(), force=force, at=at)
    except OperationalError as exc:
        if not is_unavailable(exc):
            raise
        raise UserError(
            f"{describe_unavailable(exc)}; nothing was removed",
            field=text,
            hint="run the command again",
        ) from None


def _lift(
    conn: Connection, text: str, *, reason: str, actor: str, force: bool, at: datetime
) -> Removed:
    entries = sq.entries_for(conn, text)
    if not entries:
        raise UserError(
            "is not suppressed; nothing to remove",
            field=text,
            hint=f"see outreach suppression list --address {text}",
        )
    kept = [e for e in entries if e.reason not in sq.BOUNCE_REASONS]
    if kept and not force:
        names = ", ".join(sorted({e.reason for e in kept}))
        why = "; ".join(sorted({KEPT_BECAUSE.get(e.reason, "no bounce made it") for e in kept}))
        raise UserError(
            f"suppressed as {names}: {why}; nothing removed",
            field=text,
            hint="only hard_bounce and soft_bounce_limit are lifted without --force; to "
            "lift this anyway, add --force with a --reason saying why they may be "
            "mailed again",
        )
    gone = sq.remove_entries(
        conn, text, entries, reason=reason, actor=actor, forced=[e.id for e in kept], at=at
    )
    return Removed(
        text.lower(),
        gone,
        forced=any(e.reason not in sq.BOUNCE_REASONS for e in gone),
        bounced_in=sq.bounced_in(conn, text),
    )


def suppression_audit(engine: Engine, address: str | None = None) -> list[dict[str, Any]]:
    """Every add and removal a person made, oldest first; all or one address's."""
    with reading(engine) as conn:
        return sq.audit_trail(conn, address=address)


def forget_address(
    engine: Engine, address: str, *, clock: Clock, actor: str = ""
) -> erasure.Erased:
    """Erase a person on request (GDPR art. 17, APPI): their data goes, the suppression hash stays."""
    with writing(engine) as conn:
        return erasure.forget(conn, q.email_norm(address), at=naive_utc(clock.now()), actor=actor)
