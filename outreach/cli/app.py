"""Shared CLI plumbing: lazily loaded config and engine, error printing, output formats."""

from __future__ import annotations

import csv
import io
import itertools
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from functools import cached_property
from typing import Any
from zoneinfo import ZoneInfo

import click
import wcwidth
from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from outreach.cli import times
from outreach.config import Config, load_config
from outreach.domain.display import safe_json, safe_text
from outreach.errors import ConfigError, UserError


class App:
    """What every command may need, built on first use."""

    def __init__(self, config_path: str | None, *, utc: bool = False) -> None:
        self.config_path = config_path
        self.utc = utc  # --utc: show times in UTC rather than the display timezone

    @cached_property
    def display_zone(self) -> ZoneInfo | None:
        """The zone times are shown in (None: UTC), from [workspace] display_timezone; UTC
        when --utc is given or there is no readable config."""
        if self.utc:
            return None
        try:
            return ZoneInfo(self.config.display_timezone)
        except UserError:
            return None

    @cached_property
    def config(self) -> Config:
        return load_config(self.config_path)

    @cached_property
    def engine(self) -> Engine:
        from outreach.store.session import check_schema, describe_unavailable, make_engine

        try:
            engine = make_engine(self.config.database_url)
            check_schema(engine)
        except (SQLAlchemyError, ImportError) as exc:  # ImportError: its driver is not installed
            why = describe_unavailable(exc) if isinstance(exc, DBAPIError) else str(exc)
            raise ConfigError(
                f"cannot use the database: {why.splitlines()[0] if why else type(exc).__name__}",
                file=self.config.source,
                field="database.url",
                hint="check the URL and that the database server is running",
            ) from None
        return engine


def csv_safe(value: Any) -> str:
    """Neutralise spreadsheet formulas on export (OWASP ASVS 1.2.10, CWE-1236) and terminal
    controls (display.safe_text; line breaks and tabs are kept)."""
    text = "" if value is None else safe_text(value, multiline=True)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r", "\0") else text


def emit(rows: Sequence[Mapping[str, Any]], fmt: str, columns: Sequence[str] | None = None) -> None:
    """Print rows as a table (terminal), JSON lines or CSV. Times are shown in the display
    timezone with its name (ISO 8601 with the offset in JSON)."""
    cols = list(columns or (rows[0].keys() if rows else []))
    rows = _with_times(rows, cols, fmt)
    if fmt == "json":
        for row in rows:
            line = json.dumps({c: row.get(c) for c in cols}, ensure_ascii=False, default=str)
            click.echo(safe_json(line))
        return
    if fmt == "csv":
        buf = io.StringIO()
        w = csv.writer(buf)
        w.writerow(cols)
        for row in rows:
            w.writerow([csv_safe(row.get(c)) for c in cols])
        click.echo(buf.getvalue(), nl=False)
        return
    click.echo(format_table(rows, cols))


def _with_times(
    rows: Sequence[Mapping[str, Any]], cols: Sequence[str], fmt: str
) -> Sequence[Mapping[str, Any]]:
    if not any(isinstance(row.get(c), datetime) for row in rows for c in cols):
        return rows
    ctx = click.get_current_context(silent=True)
    app = ctx.find_object(App) if ctx is not None else None
    zone = app.display_zone if app is not None else None
    render = times.iso if fmt == "json" else times.show
    return [
        {c: render(v, zone) if isinstance(v := row.get(c), datetime) else v for c in cols}
        for row in rows
    ]


def pad(text: str, width: int) -> str:
    """`text` followed by spaces up to `width` terminal columns."""
    return text + " " * (width - text_width(text))


def text_width(text: str) -> int:
    """Columns the text takes on a terminal (wcwidth: East Asian wide characters, combining
    marks and emoji sequences); a character it cannot measure counts as one."""
    width = wcwidth.wcswidth(text)
    return width if width >= 0 else sum(max(wcwidth.wcwidth(ch), 1) for ch in text)


def format_table(rows: Iterable[Mapping[str, Any]], cols: Sequence[str]) -> str:
    body = [["" if r.get(c) is None else safe_text(r.get(c)) for c in cols] for r in rows]
    widths = [
        max([text_width(c)] + [text_width(row[i]) for row in body]) for i, c in enumerate(cols)
    ]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(
            cell + " " * (w - text_width(cell)) for cell, w in zip(cells, widths, strict=True)
        ).rstrip()

    out = [line(cols), line(["-" * w for w in widths])]
    out += [line(row) for row in body]
    return "\n".join(out)


def emit_stream(
    rows: Iterable[Mapping[str, Any]], fmt: str, columns: Sequence[str], *, page: int = 100
) -> None:
    """`emit` for rows that come one at a time: printed a page at a time as they come; a
    table's columns take their widths from its first page (a wider cell later shifts its row)."""
    cols = list(columns)
    it = iter(rows)
    chunk = list(itertools.islice(it, page))
    emit(chunk, fmt, cols)
    if fmt == "table":
        widths = [
            max(
                [text_width(c)]
                + [text_width("" if r.get(c) is None else safe_text(r.get(c))) for r in chunk]
            )
            for c in cols
        ]
    while chunk := list(itertools.islice(it, page)):
        if fmt == "json":
            emit(chunk, fmt, cols)
        elif fmt == "csv":
            buf = io.StringIO()
            csv.writer(buf).writerows([csv_safe(r.get(c)) for c in cols] for r in chunk)
            click.echo(buf.getvalue(), nl=False)
        else:
            cells = (["" if r.get(c) is None else safe_text(r.get(c)) for c in cols] for r in chunk)
            click.echo(
                "\n".join(
                    "  ".join(
                        cell + " " * (w - text_width(cell))
                        for cell, w in zip(row, widths, strict=True)
                    ).rstrip()
                    for row in cells
                )
            )


def format_option(default: str = "table") -> Callable[[Any], Any]:
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(["table", "json", "csv"]),
        default=default,
        show_default=True,
        help="Output format.",
    )
