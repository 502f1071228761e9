"""Importing influencers and posts, and the suppression list.

Two passes. The first reads and checks every row without touching the write lock: good records
are staged (`outreach.store.queries.roster_stage`: a private SQLite file, in the form they will
be stored in), bad rows are reported. All-or-nothing by default: a file with a bad row is
rejected there and never takes the lock. Repeated rows are then found in the stage (the later
one wins). The second pass writes the stage inside one write transaction: rows new to the
database copied a range at a time, the others a batch of BATCH_ROWS at a time through the
upserts; a problem only the database can see (an address and a handle naming two different
people) still rolls it all back. `skip_invalid` commits the good rows and reports the rest;
`dry_run` always rolls back, so its report is exactly what a real run would say. Memory does not
grow with the file: rows are never held beyond one batch and the lists in the report are capped.

Longer than 400 lines on purpose: the two passes share the stage and the report, and their order
is what keeps a bad file from ever taking the write lock.
"""

from __future__ import annotations

import codecs
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import OperationalError

from outreach.clock import Clock, naive_utc
from outreach.config import Config, ImportPreset
from outreach.domain.cleaning import BadValue, parse_platform
from outreach.domain.influencer import Basis
from outreach.errors import ImportRejected, InputError, RowError, UserError
from outreach.services.roster import rows as roster_rows
from outreach.services.roster.columns import (
    INFLUENCER_ALIASES,
    POST_ALIASES,
    ColumnMap,
    parse_pairs,
)
from outreach.services.roster.rows import RowProblems, RowRules
from outreach.services.roster.source import (
    HeaderRejected,
    SourceProblem,
    encoding_problem,
    read_rows,
)
from outreach.store.queries import erasure, suppression
from outreach.store.queries import roster as q
from outreach.store.queries import suppression as sq
from outreach.store.queries.roster_stage import Held, PeopleStage, PostStage, attached
from outreach.store.queries.suppression import list_suppressions, suppressed_among
from outreach.store.session import describe_unavailable, is_unavailable, reading, writing

MAX_LISTED = 1000  # errors, changes and warnings kept for the report; the rest are counted
BATCH_ROWS = 1000  # records checked per read transaction (suppression, posts' influencers)


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
    columns: tuple[str, ...] = ()  # --map pairs, "COLUMN=field" (or "field=COLUMN")
    preset: str | None = None  # [import.presets.NAME]: its map, encoding, sheet and platform
    sheet: str | None = None  # the workbook sheet (default: the first)


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
    lock_seconds: float = 0.0  # how long the write transaction held the database
    lock_cpu_seconds: float = 0.0  # this process's CPU time in it (a busy machine's wall time
    # is mostly waiting for a core)

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


Validate = Callable[[Mapping[str, str]], dict[str, Any]]
Batch = list[tuple[int, dict[str, Any]]]
Checked = list[tuple[int, "dict[str, Any] | list[RowError]"]]
# Resolves what a batch of valid records names in the database (posts: their influencer),
# turning the records it cannot resolve into errors; runs in a read transaction.
Resolve = Callable[[Connection, Checked], Checked]


class _Header:
    """The reader's header hook: a ColumnMap, warning about --map columns the file lacks."""

    def __init__(self, columns: ColumnMap, report: ImportReport) -> None:
        self.columns = columns
        self.report = report

    def score(self, cells: list[str]) -> int:
        return self.columns.score(cells)

    def rename(self, headers: list[str]) -> list[str]:
        resolved = self.columns.resolve(headers)
        for column in resolved.unknown:
            self.report.warn(f"{self.report.file}: --map: no column {column!r} in the file")
        return [resolved.fields.get(h.strip(), h) for h in headers]


@dataclass(frozen=True)
class _Plan:
    """What one import reads: the options with a preset applied, and how columns map."""

    encoding: str | None
    sheet: str | None
    platform: str
    pairs: dict[str, str]


def _plan(config: Config, options: ImportOptions, fields: tuple[str, ...]) -> _Plan:
    preset = ImportPreset()
    if options.preset is not None:
        try:
            preset = config.import_.presets[options.preset]
        except KeyError:
            known = ", ".join(sorted(config.import_.presets)) or "none are configured"
            raise InputError(
                f"no preset {options.preset!r}",
                field="--preset",
                hint=f"[import.presets.NAME] in {config.source}: {known}",
            ) from None
    pairs = parse_pairs(
        [f"{k}={v}" for k, v in preset.map.items()],
        fields,
        source=f"import.presets.{options.preset}.map",
    )
    pairs.update(parse_pairs(options.columns, fields, source="--map"))
    platform = ""
    if preset.platform:
        try:
            platform = parse_platform(preset.platform)
        except BadValue as exc:
            raise InputError(
                str(exc), field=f"import.presets.{options.preset}.platform", file=config.source
            ) from None
    return _Plan(
        encoding=options.encoding or preset.encoding or None,
        sheet=options.sheet or preset.sheet or None,
        platform=platform,
        pairs=pairs,
    )


def _row_errors(name: str, line: int, exc: Exception) -> list[RowError]:
    if isinstance(exc, RowProblems):
        return [RowError(name, line, f, reason) for f, reason in exc.problems]
    if isinstance(exc, SourceProblem):  # its own line: a duplicate key names the key's line
        return [RowError(name, exc.line, exc.field, exc.reason)]
    assert isinstance(exc, InputError)
    return [RowError(name, line, exc.field or "row", exc.message)]


def _checked_rows(
    path: Path,
    report: ImportReport,
    plan: _Plan,
    required: tuple[str, ...],
    header: _Header,
    validate: Validate,
) -> Iterator[tuple[int, dict[str, Any] | list[RowError]]]:
    """(line, record) for good rows and (line, errors) for bad ones; whole-file problems raise
    ImportRejected whatever the mode (a file that cannot be read has no good rows). A text
    field with a `?` where the export lost a character is warned about."""
    name = report.file
    rows = read_rows(path, plan.encoding, required=required, header=header, sheet=plan.sheet)
    try:
        for line, cells in rows:
            try:
                if isinstance(cells, SourceProblem):
                    raise cells
                checked = validate(cells)
            except (RowProblems, SourceProblem, InputError) as exc:
                yield line, _row_errors(name, line, exc)
                continue
            for key in roster_rows.lost_characters(cells):
                report.warn(
                    f"{name}:{line}: {key}: {cells[key].strip()[:60]!r} has '?' where the "
                    "export lost a character (emoji, or a kanji Shift_JIS lacks); export "
                    "again as CSV UTF-8 or .xlsx"
                )
            yield line, checked
    except HeaderRejected as exc:
        raise ImportRejected(
            [RowError(name, p.line, p.field, p.reason) for p in exc.problems]
        ) from None
    except SourceProblem as exc:
        raise ImportRejected([RowError(name, exc.line, exc.field, exc.reason)]) from None


@dataclass
class _Kind:
    """What differs between importing influencers and posts."""

    columns: ColumnMap
    required: tuple[str, ...]  # columns the header must have
    validate: Validate
    # What a batch of valid records names in the database (posts: their influencer), looked up
    # in a read transaction (no write lock); records it cannot resolve become errors.
    resolve: Resolve
    stage: PeopleStage | PostStage
    add: Callable[[Batch], None]  # stages a batch of good records
    # Under the write lock: writes the stage, calling back with the rows written so far.
    write: Callable[[Connection, Callable[[int], None]], None]
    prepare: Callable[[Connection], None] = lambda conn: None  # the whole stage, before the lock
    finish: Callable[[Connection], None] = lambda conn: None  # after writing, under the lock


def _spool(
    path: Path,
    report: ImportReport,
    options: ImportOptions,
    plan: _Plan,
    kind: _Kind,
    conn: Connection,
) -> None:
    """The first pass: every row validated; good records staged a batch at a time, after
    `kind.resolve` looked up what they name."""
    header = _Header(kind.columns, report)
    pending: Checked = []
    seen = 0

    def flush() -> None:
        nonlocal pending
        checked = pending
        pending = []
        if any(not isinstance(r, list) for _, r in checked):
            with conn.begin():
                checked = kind.resolve(conn, checked)
        good: Batch = []
        for line, record in checked:
            if isinstance(record, list):
                report.rejected += 1
                for err in record:
                    report.error(err)
            elif not report.errors or options.skip_invalid:
                good.append((line, record))
        if good and (not report.errors or options.skip_invalid):
            kind.add(good)

    rows = _checked_rows(path, report, plan, kind.required, header, kind.validate)
    for line, checked in rows:
        seen += 1
        if options.progress is not None and seen % PROGRESS_ROWS == 0:
            options.progress("validated", seen)
        if isinstance(checked, dict) and report.errors and not options.skip_invalid:
            continue  # it will be rejected: only look for more errors
        pending.append((line, checked))
        if len(pending) >= BATCH_ROWS:
            flush()
    flush()


def _run_import(
    engine: Engine,
    path: Path,
    report: ImportReport,
    options: ImportOptions,
    plan: _Plan,
    kind: _Kind,
) -> ImportReport:
    """Validate the whole file, then write it in one transaction (see the module docstring)."""
    try:
        _check_source(path, report.file, plan)
        # One connection, a read transaction per batch: opening a SQLite file costs about 1 ms.
        with engine.connect() as conn:
            _spool(path, report, options, plan, kind, conn)
        if report.errors and not options.skip_invalid:
            raise report.rejection()
        same = "address or platform+handle" if report.kind == "influencers" else "URL"
        for line, later in kind.stage.superseded():
            report.duplicates += 1
            report.warn(
                f"{report.file}:{later}: duplicate of line {line} (same {same}); line {later} wins"
            )
        with reading(engine) as conn:
            kind.prepare(conn)

        def progress(written: int) -> None:
            if options.progress is not None:
                options.progress("written", written)

        held = Held()
        try:
            with attached(engine, kind.stage, held) as conn:
                kind.write(conn, progress)
                if report.errors and not options.skip_invalid:
                    raise report.rejection()
                kind.finish(conn)
                if options.dry_run:
                    raise _DryRun
        except _DryRun:
            pass
        finally:
            report.lock_seconds = held.seconds
            report.lock_cpu_seconds = held.cpu_seconds
    finally:
        kind.stage.close()
    return report


def _check_source(path: Path, name: str, plan: _Plan) -> None:
    if not path.is_file():
        raise InputError(
            "no such file", file=name, hint="give the path of a .xlsx, .csv or .json file"
        )
    if plan.encoding is not None:
        try:
            codecs.lookup(plan.encoding)
        except LookupError:
            raise InputError(
                f"unknown encoding {plan.encoding!r}",
                field="--encoding",
                hint="for example utf-8, utf-8-sig or cp932",
            ) from None
        if (problem := encoding_problem(plan.encoding)) is not None:
            raise InputError(
                problem, field="--encoding", hint="for example utf-8, utf-8-sig or cp932"
            )


def import_influencers(
    engine: Engine, path: Path, *, config: Config, clock: Clock, options: ImportOptions
) -> ImportReport:
    """Load influencers from a workbook, CSV or JSON; duplicates update the stored influencer
    (changes listed).

    After writing, the engagement-rate rank within each platform is recomputed in one pass.
    """
    now = clock.now()
    run = uuid.uuid4().hex
    name = str(path)
    columns = ColumnMap(roster_rows.INFLUENCER_COLUMNS, INFLUENCER_ALIASES)
    plan = _plan(config, options, columns.fields)
    columns.pairs = plan.pairs
    rules = RowRules(
        tiers=config.tiers,
        basis=options.basis,
        basis_url=options.basis_url,
        today=now.date() if options.basis_url else None,
        check_deliverability=options.check_deliverability,
        platform=plan.platform,
    )
    report = ImportReport(file=name, kind="influencers", dry_run=options.dry_run)
    basis_none = 0

    validate = roster_rows.InfluencerRows(rules)

    def key(record: dict[str, Any]) -> str | None:
        # A repeat is the same account (platform + handle: the stage compares those), or the
        # same person's address and name on the same platform (a renamed handle): rows sharing
        # an address on other platforms are one person's accounts, and under other names
        # talents of one agency; all are written.
        if not record.get("email"):
            return None
        name = "".join(str(record["name"]).split()).casefold()
        return f"{q.email_norm(record['email'])}\x1f{record['platform']}\x1f{name}"

    def write_batch(conn: Connection, batch: Batch) -> None:
        nonlocal basis_none
        done = q.upsert_influencers(
            conn, batch, at=now, source_file=name, import_run=run, ids=False
        )
        for (line, record), outcome in zip(batch, done, strict=True):
            if (clash := outcome.conflict) is not None:
                report.rejected += 1
                report.error(
                    RowError(name, line, clash.field or "email", f"{clash.message} ({clash.hint})")
                )
                continue
            if outcome.duplicate_of is not None:
                report.duplicates += 1
                report.warn(
                    f"{name}:{line}: duplicate of line {outcome.duplicate_of} "
                    f"(same address or platform+handle); line {line} wins"
                )
            elif outcome.changes is None:
                report.inserted += 1
            elif outcome.changes:
                report.updated += 1
                for f, (old, new) in outcome.changes.items():
                    report.change(f"{name}:{line}: @{record['handle']}: {f}: {old!r} → {new!r}")
            else:
                report.unchanged += 1
            stored_basis = record.get("basis", Basis.NONE if outcome.changes is None else None)
            basis_none += stored_basis == Basis.NONE

    def resolve(conn: Connection, checked: Checked) -> Checked:
        """Before the lock: which addresses are suppressed (warned about)."""
        good = [(line, r) for line, r in checked if isinstance(r, dict)]
        addresses = [r[k] for _, r in good for k in ("email", "manager_email") if r.get(k)]
        suppressed = suppressed_among(conn, addresses)
        for line, record in good if suppressed else ():
            for key in ("email", "manager_email"):
                if record.get(key, "") in suppressed:
                    report.warn(
                        f"{name}:{line}: {key}: {record[key]} is suppressed; "
                        "imported, but it will not be mailed"
                    )
        return checked

    stage = PeopleStage(at=now, source_file=name, import_run=run)

    def add(good: Batch) -> None:
        stage.add([(line, key(record), record) for line, record in good])

    def write(conn: Connection, progress: Callable[[int], None]) -> None:
        nonlocal basis_none
        done = stage.write(conn, write_batch, progress=progress)
        report.inserted += done.inserted
        report.unchanged += done.unchanged
        basis_none += done.basis_none

    def finish(conn: Connection) -> None:
        if not stage.ranked:  # else the ranks were written with the rows, and are final
            q.recompute_er_rank(conn)
        if basis_none:
            report.warn(
                f"{name}: {basis_none} influencer(s) have basis 'none': enrolment "
                "refuses them (add a basis column or pass --basis)"
            )

    kind = _Kind(
        columns,
        roster_rows.INFLUENCER_HEADER,
        validate,
        resolve,
        stage,
        add,
        write,
        prepare=stage.prepare,
        finish=finish,
    )
    return _run_import(engine, path, report, options, plan, kind)


def import_posts(
    engine: Engine, path: Path, *, config: Config, options: ImportOptions
) -> ImportReport:
    """Load posts; each names its influencer by handle (on the row's platform), address or
    profile URL. Influencers are looked up a batch at a time before the write lock."""
    name = str(path)
    columns = ColumnMap(roster_rows.POST_COLUMNS, POST_ALIASES)
    plan = _plan(config, options, columns.fields)
    columns.pairs = plan.pairs
    rules = RowRules(tiers=config.tiers, zone=config.sending.timezone, platform=plan.platform)
    report = ImportReport(file=name, kind="posts", dry_run=options.dry_run)

    validate = roster_rows.PostRows(rules)

    def resolve(conn: Connection, checked: Checked) -> Checked:
        wanted = [(r["influencer"], r["platform"]) for _, r in checked if isinstance(r, dict)]
        found = q.influencer_ids_for(conn, wanted)
        out: Checked = []
        for line, record in checked:
            if isinstance(record, dict):
                key = (record["influencer"], record["platform"])
                if found.get(key) is None:
                    reason = (
                        f"no influencer {record['influencer']!r} on {record['platform']} "
                        "(import influencers first)"
                    )
                    out.append((line, [RowError(name, line, "influencer", reason)]))
                    continue
                record["influencer_id"] = found[key]
            out.append((line, record))
        return out

    def write_batch(conn: Connection, batch: Batch) -> None:
        for (line, record), changes in zip(batch, q.upsert_posts(conn, batch), strict=True):
            if changes is None:
                report.inserted += 1
            elif changes:
                report.updated += 1
                for f, (old, new) in changes.items():
                    report.change(f"{name}:{line}: {record['url']}: {f}: {old!r} → {new!r}")
            else:
                report.unchanged += 1

    stage = PostStage()

    def write(conn: Connection, progress: Callable[[int], None]) -> None:
        done = stage.write(conn, write_batch, progress=progress)
        report.inserted += done.inserted  # the rows copied; `write_batch` counts the others

    kind = _Kind(columns, roster_rows.POST_REQUIRED, validate, resolve, stage, stage.add, write)
    return _run_import(engine, path, report, options, plan, kind)


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
        added = suppression.suppress(conn, text, reason=reason, source="cli", at=at)
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
    entries: Sequence[sq.Entry | sq.DomainEntry]  # what was lifted
    forced: bool  # --force lifted an entry no bounce made
    bounced_in: list[str]  # campaigns where its enrollment ended as bounced (enrol skips it)


def remove_suppression(
    engine: Engine,
    address: str,
    *,
    reason: str,
    actor: str,
    force: bool,
    clock: Clock,
    mailbox: str | None = None,
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
            if text.startswith("@"):
                return _lift_domain(
                    conn,
                    text,
                    mailbox,
                    reason=reason.strip(),
                    actor=actor.strip(),
                    force=force,
                    at=at,
                )
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


def _lift_domain(
    conn: Connection,
    text: str,
    mailbox: str | None,
    *,
    reason: str,
    actor: str,
    force: bool,
    at: datetime,
) -> Removed:
    """Lift a domain's rules ("@domain"; one mailbox's with `mailbox`): an agency's stop is its
    wish, so only forced, as an opt-out is."""
    entries = sq.domain_entries_for(conn, text, mailbox)
    scope = f" for mailbox {mailbox}" if mailbox else ""
    if not entries:
        raise UserError(
            f"is not suppressed{scope}; nothing to remove",
            field=text,
            hint=f"see outreach suppression list --address {text}",
        )
    kept = [e for e in entries if e.reason not in sq.BOUNCE_REASONS]
    if kept and not force:
        names = ", ".join(sorted({e.reason for e in kept}))
        boxes = ", ".join(sorted({e.mailbox for e in kept}))
        raise UserError(
            f"suppressed as {names} for mailbox {boxes}: the agency asked not to be "
            "mailed; nothing removed",
            field=text,
            hint="to lift this anyway, add --force with a --reason saying why they may be "
            "mailed again (--mailbox NAME lifts one mailbox's rule only)",
        )
    gone = sq.remove_domain_entries(conn, entries, reason=reason, actor=actor, at=at)
    return Removed(
        "@" + sq.rule_domain(text),
        gone,
        forced=any(e.reason not in sq.BOUNCE_REASONS for e in gone),
        bounced_in=[],
    )


def suppression_audit(engine: Engine, address: str | None = None) -> list[dict[str, Any]]:
    """Every add and removal a person made, oldest first; all or one address's."""
    with reading(engine) as conn:
        return sq.audit_trail(conn, address=address)


def forget_address(
    engine: Engine, address: str, *, clock: Clock, actor: str = ""
) -> erasure.Erased:
    """Erase a person on request (GDPR art. 17, APPI): their data goes, the suppression hash
    stays."""
    with writing(engine) as conn:
        return erasure.forget(conn, q.email_norm(address), at=naive_utc(clock.now()), actor=actor)
