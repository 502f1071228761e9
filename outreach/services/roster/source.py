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
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from outreach.domain.cleaning import invisible

SNIFF_BYTES = 1 << 16
MAX_COLUMNS = 256  # roster exports have dozens; thousands means a broken file or an attack
# A cell over csv's field_size_limit (131,072 characters) is a csv.Error: reported, not read.
JSON_SUFFIXES = (".json", ".jsonl", ".ndjson")
CHUNK_CHARS = 1 << 16  # characters read at a time from a JSON array
MAX_DIGITS = 40  # longer JSON numbers stay text (no count or rate has that many digits)
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


def _hidden(name: str) -> str | None:
    """A column name with an invisible or control character would silently be another column."""
    if name.isprintable():
        return None
    for ch in name:
        if unicodedata.category(ch) in ("Cf", "Cc"):
            return f"the invisible character {invisible(ch)}"
    return None


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
        if (hidden := _hidden(name)) is not None:
            raise SourceProblem(line, "header", f"column {name!r} contains {hidden}")
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
    """A JSON array is streamed element by element; JSON lines line by line."""
    with path.open(encoding=encoding, errors="surrogateescape") as fh:
        first = fh.read(1)
        while first.isspace() or first == "\ufeff":
            first = fh.read(1)
        fh.seek(0)
        if first == "[":
            yield from _json_array(_Stream(fh), encoding)
            return
        line = 0
        for line, text in enumerate(fh, 1):
            if not text.strip():
                continue
            problem = _undecodable("json", text, line, encoding)
            yield line, problem if problem is not None else _json_record(text.strip(), line)


class _Duplicated(dict[str, Any]):
    """An object that named `key` more than once (json keeps the last value: RFC 8259 4
    leaves duplicate names undefined, so a record with one is refused, not guessed)."""

    key: str = ""


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    record = dict(pairs)
    if len(record) == len(pairs):
        return record
    seen: set[str] = set()
    duplicated = _Duplicated(record)
    for key, _ in pairs:
        if key in seen:
            duplicated.key = key
            break
        seen.add(key)
    return duplicated


def _number(text: str) -> int | str:
    """Long digit strings stay text: int() refuses over 4,300 digits (CVE-2020-10735) and the
    field's own check then names the line; no count or rate needs more than MAX_DIGITS."""
    return int(text) if len(text) <= MAX_DIGITS else text


def _real(text: str) -> float | str:
    return float(text) if len(text) <= MAX_DIGITS else text


_DECODER = json.JSONDecoder(object_pairs_hook=_pairs, parse_int=_number, parse_float=_real)
_SPACE = re.compile(r"[ \t\r\n]*")
_NESTED = "nested too deeply (a record holds text, numbers or a list of them)"


class _Stream:
    """A text file read in chunks, tracking the line of the read position.

    Each chunk's newlines are counted once as the position passes them, so finding a
    record's line costs nothing extra (counting from the start for every record is what
    made a 40,000-record array take minutes).
    """

    def __init__(self, fh: TextIO) -> None:
        self.fh = fh
        self.buf = ""
        self.pos = 0
        self.line = 1
        self.eof = False

    def refill(self, size: int = 0) -> bool:
        if self.eof:
            return False
        more = self.fh.read(size or CHUNK_CHARS)
        if not more:
            self.eof = True
            return False
        self.buf = self.buf[self.pos :] + more
        self.pos = 0
        return True

    def advance(self, to: int) -> None:
        self.line += self.buf.count("\n", self.pos, to)
        self.pos = to

    def line_at(self, pos: int) -> int:
        return self.line + self.buf.count("\n", self.pos, pos)

    def skip_space(self) -> str:
        """The next character that is not JSON whitespace ("" at the end of the file)."""
        while True:
            end = _SPACE.match(self.buf, self.pos)
            assert end is not None
            self.advance(end.end())
            if self.pos < len(self.buf):
                return self.buf[self.pos]
            if not self.refill():
                return ""

    def value(self) -> tuple[Any, int]:
        """The JSON value at the position and where it ends; reads more while it is cut off.

        Each retry reads twice as much as the last, so a record spanning many chunks is
        parsed a bounded number of times (linear overall)."""
        size = CHUNK_CHARS
        while True:
            try:
                found, end = _DECODER.raw_decode(self.buf, self.pos)
            except json.JSONDecodeError as exc:
                if not _cut_off(exc, len(self.buf)):
                    raise SourceProblem(self.line_at(exc.pos), "json", exc.msg) from None
                if not self.refill(size):
                    raise SourceProblem(
                        self.line, "json", "the file ends inside this record (was it cut short?)"
                    ) from None
                size *= 2
                continue
            except RecursionError:
                raise SourceProblem(self.line, "json", _NESTED) from None
            if end < len(self.buf) or not self.refill(size):
                return found, end  # a value ending the buffer may be a number cut short


def _cut_off(exc: json.JSONDecodeError, size: int) -> bool:
    """Whether the error may only mean the buffer ends inside the value (more text fixes it):
    an unterminated string, or a failure within a literal's length of the end."""
    return exc.msg.startswith("Unterminated string") or exc.pos >= size - 16


def _json_array(stream: _Stream, encoding: str) -> Iterator[Record]:
    stream.skip_space()
    if stream.buf.startswith("\ufeff", stream.pos):
        stream.advance(stream.pos + 1)
        stream.skip_space()
    stream.advance(stream.pos + 1)  # the "[" that _json_rows saw
    following = stream.skip_space()
    if following == "]":
        stream.advance(stream.pos + 1)
    while following != "]":
        line = stream.line
        item, end = stream.value()
        text = stream.buf[stream.pos : end]
        stream.advance(end)
        problem = _undecodable("json", text, line, encoding) if _ESCAPED.search(text) else None
        if isinstance(item, _Duplicated):
            problem = _duplicate(item.key, text, line)
        yield line, problem if problem is not None else _json_item(item, line)
        following = stream.skip_space()
        if following not in (",", "]"):
            found = repr(following) if following else "the end of the file"
            raise SourceProblem(
                stream.line, "json", f"expected ',' or ']' after a record, found {found}"
            )
        stream.advance(stream.pos + 1)
        if following == "," and stream.skip_space() == "]":
            raise SourceProblem(stream.line, "json", "a ',' before ']' (trailing comma)")
    if stream.skip_space():
        raise SourceProblem(stream.line, "json", "text after the closing ']'")


def _duplicate(key: str, text: str, line: int) -> SourceProblem:
    """The key's second appearance, by line (the record's line if it was spelt with escapes)."""
    found = list(re.finditer(re.escape(json.dumps(key, ensure_ascii=False)) + r"\s*:", text))
    where = line + text.count("\n", 0, found[1].start()) if len(found) > 1 else line
    return SourceProblem(
        where,
        key,
        f"appears twice in the record starting on line {line} "
        "(JSON would keep only the last); keep one",
    )


def _json_item(item: Any, line: int) -> dict[str, str] | SourceProblem:
    try:
        return _json_object(item, line)
    except SourceProblem as problem:
        return problem


def _json_record(text: str, line: int) -> dict[str, str] | SourceProblem:
    try:
        return _json_object(_decode(text, line), line)
    except SourceProblem as problem:
        return problem


def _decode(text: str, line: int) -> Any:
    try:
        return _DECODER.decode(text)
    except json.JSONDecodeError as exc:
        raise SourceProblem(line + exc.lineno - 1, "json", exc.msg) from None
    except RecursionError:
        raise SourceProblem(line, "json", _NESTED) from None


def _json_object(item: Any, line: int) -> dict[str, str]:
    if not isinstance(item, dict):
        raise SourceProblem(line, "json", "each record must be an object")
    if isinstance(item, _Duplicated):
        raise _duplicate(item.key, "", line)
    if len(item) > MAX_COLUMNS:
        raise SourceProblem(line, "json", f"{len(item)} fields; at most {MAX_COLUMNS} allowed")
    for key in item:
        if (hidden := _hidden(key)) is not None:
            raise SourceProblem(line, "json", f"key {key!r} contains {hidden}")
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


# Python names of the byte-to-text encodings a spreadsheet or export can be written in. Any
# other codec is refused: rot13 or base64 are not text encodings at all, and punycode, idna,
# unicode_escape or utf-7 turn plain bytes into different text.
_TEXT_ENCODINGS = re.compile(
    r"utf-(8|8-sig|16|16-le|16-be|32|32-le|32-be)|ascii|iso8859-\d+|cp\d+|mac-[a-z]+"
    r"|koi8-[a-z]+|shift_jis(_2004|x0213)?|euc_(jp|jis_2004|jisx0213|kr)"
    r"|iso2022_(jp(_1|_2|_2004|_3|_ext)?|kr)|gb2312|gbk|gb18030|big5(hkscs)?|hz|johab"
    r"|tis-620|kz1048|ptcp154"
)


def encoding_problem(name: str) -> str | None:
    """Why `name` cannot be used to read a roster, or None (LookupError when Python lacks it)."""
    info = codecs.lookup(name)
    if not getattr(info, "_is_text_encoding", True) or not _TEXT_ENCODINGS.fullmatch(info.name):
        return f"{name!r} is not a text encoding a roster can be written in"
    return None
