"""Rows of a roster file, streamed: CSV (UTF-8, UTF-8 with BOM, Shift_JIS/CP932) or JSON.

Yields `(line, cells)` where line is the physical file line the record starts on (right even
when quoted cells hold newlines) and cells maps column name -> text, or is the `SourceProblem`
of that one record (wrong cell count, bad JSON line) so `--skip-invalid` can go on. Problems
with the file as a whole (encoding, header, broken quoting) raise `SourceProblem`.
"""

from __future__ import annotations

import codecs
import csv
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SNIFF_BYTES = 1 << 16
MAX_COLUMNS = 256  # roster exports have dozens; thousands means a broken file or an attack
# A cell over csv's field_size_limit (131,072 characters) is a csv.Error: reported, not read.
JSON_SUFFIXES = (".json", ".jsonl", ".ndjson")
_ESCAPED = re.compile("[\udc80-\udcff]")


@dataclass
class SourceProblem(Exception):
    """The file cannot be read as a table: `file:line: field: reason`."""

    line: int
    field: str
    reason: str


Record = tuple[int, "dict[str, str] | SourceProblem"]


class HeaderRejected(Exception):
    """The header lacks required columns: one problem per missing column."""

    def __init__(self, problems: list[SourceProblem]) -> None:
        super().__init__(problems)
        self.problems = problems


def detect_encoding(path: Path) -> str:
    """UTF-8 (with or without BOM) when the first 64 KiB decode strictly, else CP932.

    CP932 is the superset of Shift_JIS that Excel on Japanese Windows writes (①, ㈱, 髙).
    """
    with path.open("rb") as fh:
        sample = fh.read(SNIFF_BYTES)
    try:
        codecs.getincrementaldecoder("utf-8-sig")(errors="strict").decode(sample, final=False)
    except UnicodeDecodeError:
        return "cp932"
    return "utf-8-sig"


def read_rows(
    path: Path, encoding: str | None = None, *, required: tuple[str, ...] = ()
) -> Iterator[Record]:
    """The records of `path`, by extension: JSON (list or lines) or CSV.

    A CSV header without a `required` column raises HeaderRejected; a JSON record without
    one is left to the row checks (each object has its own keys).
    """
    enc = encoding or detect_encoding(path)
    if path.suffix.lower() in JSON_SUFFIXES:
        yield from _json_rows(path, enc)
    else:
        yield from _csv_rows(path, enc, required)


def _undecodable(column: str, cell: str, line: int, encoding: str) -> SourceProblem | None:
    """Bytes the encoding could not decode arrive as lone surrogates (errors=surrogateescape),
    so the error names the exact line and column instead of aborting the whole read."""
    bad = _ESCAPED.search(cell)
    if bad is None:
        return None
    byte = ord(bad.group()) - 0xDC00
    other = "cp932" if encoding.startswith("utf") else "utf-8"
    return SourceProblem(
        line, column, f"byte 0x{byte:02X} is not valid {encoding} (pass --encoding {other}?)"
    )


def _csv_rows(path: Path, encoding: str, required: tuple[str, ...]) -> Iterator[Record]:
    with path.open(encoding=encoding, errors="surrogateescape", newline="") as fh:
        reader = csv.reader(fh)
        rows = iter(reader)
        try:
            header = next(rows, None)
        except csv.Error as exc:
            raise SourceProblem(reader.line_num or 1, "header", str(exc)) from None
        if header is None:
            raise SourceProblem(1, "header", "the file is empty")
        for name in header:
            if (problem := _undecodable("header", name, reader.line_num, encoding)) is not None:
                raise problem
        columns = _check_header(header, reader.line_num)
        present = {c.lower() for c in columns}
        missing = [
            SourceProblem(reader.line_num, name, "required column is missing")
            for name in required
            if name not in present
        ]
        if missing:
            raise HeaderRejected(missing)
        end = reader.line_num
        while True:
            start = end + 1
            try:
                cells = next(rows, None)
            except csv.Error as exc:
                raise SourceProblem(start, "row", str(exc)) from None
            if cells is None:
                return
            end = reader.line_num
            if not any(c.strip() for c in cells):
                continue
            yield start, _cells_by_column(columns, cells, start, encoding)


def _check_header(header: list[str], line: int) -> list[str]:
    if len(header) > MAX_COLUMNS:
        raise SourceProblem(line, "header", f"{len(header)} columns; at most {MAX_COLUMNS} allowed")
    columns = [h.strip() for h in header]
    seen: set[str] = set()
    for number, name in enumerate(columns, 1):
        if not name:
            raise SourceProblem(line, "header", f"column {number} has no name")
        if name.lower() in seen:
            raise SourceProblem(line, "header", f"column {name!r} appears twice")
        seen.add(name.lower())
    return columns


def _cells_by_column(
    columns: list[str], cells: list[str], line: int, encoding: str
) -> dict[str, str] | SourceProblem:
    extra = cells[len(columns) :]
    if len(cells) < len(columns) or any(c.strip() for c in extra):
        return SourceProblem(
            line, "row", f"{len(cells)} cells but the header has {len(columns)} columns"
        )
    row = dict(zip(columns, cells, strict=False))
    if _ESCAPED.search("".join(cells)):
        for column, cell in row.items():
            problem = _undecodable(column, cell, line, encoding)
            if problem is not None:
                return problem
    return row


def _json_rows(path: Path, encoding: str) -> Iterator[Record]:
    """JSON lines stream line by line; a JSON array is read whole (it has no line structure)."""
    with path.open(encoding=encoding, errors="surrogateescape") as fh:
        first = fh.read(1)
        while first.isspace():
            first = fh.read(1)
        fh.seek(0)
        if first == "[":
            yield from _json_array(fh.read())
            return
        line = 0
        for line, text in enumerate(fh, 1):
            if not text.strip():
                continue
            problem = _undecodable("json", text, line, encoding)
            yield line, problem if problem is not None else _json_record(text.strip(), line)


def _json_array(text: str) -> Iterator[Record]:
    decoder = json.JSONDecoder()
    data = _decode(text.lstrip("\ufeff"), 1)
    if not isinstance(data, list):
        raise SourceProblem(1, "json", "expected a list of objects or JSON lines")
    # Find where each element starts so errors can name its line.
    pos = text.index("[") + 1
    for item in data:
        while text[pos] in " \t\r\n,":
            pos += 1
        line = text.count("\n", 0, pos) + 1
        _, pos = decoder.raw_decode(text, pos)
        try:
            yield line, _json_object(item, line)
        except SourceProblem as problem:
            yield line, problem


def _json_record(text: str, line: int) -> dict[str, str] | SourceProblem:
    try:
        return _json_object(_decode(text, line), line)
    except SourceProblem as problem:
        return problem


def _decode(text: str, line: int) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise SourceProblem(line + exc.lineno - 1, "json", exc.msg) from None


def _json_object(item: Any, line: int) -> dict[str, str]:
    if not isinstance(item, dict):
        raise SourceProblem(line, "json", "each record must be an object")
    if len(item) > MAX_COLUMNS:
        raise SourceProblem(line, "json", f"{len(item)} fields; at most {MAX_COLUMNS} allowed")
    return {str(k).strip(): _cell(k, v, line) for k, v in item.items()}


def _cell(key: str, value: Any, line: int) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # 34500.0 from a spreadsheet export is the count 34500
    if isinstance(value, int | float | str):
        return str(value)
    if isinstance(value, list) and all(isinstance(v, str | int | float) for v in value):
        return ",".join(str(v) for v in value)
    raise SourceProblem(line, str(key), "nested values are not supported (use text or a list)")
