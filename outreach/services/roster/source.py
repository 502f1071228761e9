"""Rows of a roster file, streamed: an Excel workbook (.xlsx, read-only), CSV or TSV (UTF-8
with or without BOM, UTF-16 with BOM, Shift_JIS/CP932; comma, tab or semicolon) or JSON.

Yields `(line, cells)` where line is the physical file line the record starts on (right even
when quoted cells hold newlines) and cells maps column name -> text, or is the `SourceProblem`
of that one record (wrong cell count, bad JSON line) so `--skip-invalid` can go on. Problems
with the file as a whole (encoding, header, broken quoting) raise `SourceProblem`.

Longer than 400 lines on purpose: each format's reader (xlsx, sniffed CSV/TSV, JSON) yields the
same (line, cells) records, and they are read side by side.
"""

from __future__ import annotations

import codecs
import csv
import itertools
import json
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Any, Protocol, TextIO

from outreach.domain.cleaning import invisible
from outreach.errors import InputError

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


class Header(Protocol):
    """How a reader finds and names the header: `score` counts the cells of a row that are
    known headers (the header is the best of the first HEADER_SCAN rows, so a title row above
    it is skipped); `rename` turns the headers into field names (raising InputError)."""

    def score(self, cells: list[str]) -> int: ...

    def rename(self, headers: list[str]) -> list[str]: ...


IGNORED = "-"  # a column `Header.rename` leaves out
HEADER_SCAN = 10  # rows looked at for the header: title rows and notes above it are skipped
XLSX_SUFFIXES = (".xlsx", ".xlsm")
_ZIP = b"PK\x03\x04"
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls and password-protected workbooks
DELIMITERS = ("\t", ",", ";")  # in this order when two split a header equally well


def detect_encoding(path: Path) -> str:
    """By BOM (UTF-16 as Excel's 「Unicode テキスト」 writes it, UTF-8), else UTF-8 when the
    first 64 KiB decode strictly, else CP932.

    CP932 is the superset of Shift_JIS that Excel on Japanese Windows writes (①, ㈱, 髙).
    """
    with path.open("rb") as fh:
        sample = fh.read(SNIFF_BYTES)
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if len(sample) >= 4 and sample[1::2].count(0) > len(sample) // 4:
        return "utf-16-le"  # no BOM, but every other byte of ASCII text is NUL
    if len(sample) >= 4 and sample[0::2].count(0) > len(sample) // 4:
        return "utf-16-be"
    try:
        codecs.getincrementaldecoder("utf-8-sig")(errors="strict").decode(sample, final=False)
    except UnicodeDecodeError:
        return "cp932"
    return "utf-8-sig"


def file_kind(path: Path) -> str:
    """xlsx, json or text, by the first bytes (a workbook renamed .csv is still a workbook)."""
    with path.open("rb") as fh:
        magic = fh.read(8)
    if magic.startswith(_ZIP) or path.suffix.lower() in XLSX_SUFFIXES:
        return "xlsx"
    if magic.startswith(_OLE2) or path.suffix.lower() == ".xls":
        raise SourceProblem(
            1,
            "file",
            "an Excel 97-2003 (.xls) or password-protected workbook; save it as .xlsx "
            "without a password, or as CSV UTF-8",
        )
    if path.suffix.lower() in JSON_SUFFIXES:
        return "json"
    return "text"


def read_rows(
    path: Path,
    encoding: str | None = None,
    *,
    required: tuple[str, ...] = (),
    header: Header | None = None,
    sheet: str | None = None,
) -> Iterator[Record]:
    """The records of `path`, by content: an .xlsx sheet, JSON (list or lines), CSV or TSV.

    A header without a `required` column (after `header.rename`) raises HeaderRejected; a
    JSON record without one is left to the row checks (each object has its own keys).
    """
    kind = file_kind(path)
    if kind == "xlsx":
        yield from _table(_xlsx_lines(path, sheet), "xlsx", required, header, pad=True)
        return
    enc = encoding or detect_encoding(path)
    if kind == "json":
        yield from _renamed(_json_rows(path, enc), header)
        return
    with path.open(encoding=enc, errors="surrogateescape", newline="") as fh:
        delimiter = "\t" if path.suffix.lower() == ".tsv" else sniff_delimiter(fh)
        yield from _table(_csv_lines(fh, delimiter), enc, required, header)


def sniff_delimiter(fh: TextIO) -> str:
    """The delimiter that splits the first lines into the most columns (comma when none does);
    rewinds `fh`."""
    sample = fh.read(SNIFF_BYTES)
    fh.seek(0)
    lines = sample.splitlines()[:HEADER_SCAN] or [""]
    best, widest = ",", 1
    for delimiter in DELIMITERS:
        try:
            width = max(len(row) for row in csv.reader(lines, delimiter=delimiter))
        except (csv.Error, ValueError):
            continue
        if width > widest:
            best, widest = delimiter, width
    return best


Line = tuple[int, list[str]]


def _csv_lines(fh: TextIO, delimiter: str) -> Iterator[Line]:
    """(first physical line, cells) of each record; csv.Error as a SourceProblem."""
    reader = csv.reader(fh, delimiter=delimiter)
    end = 0  # the last line of the record before
    try:
        for cells in reader:  # a csv.Error can only come from here, not from the consumer
            start, end = end + 1, reader.line_num
            yield start, cells
    except csv.Error as exc:
        raise SourceProblem(end + 1, "row" if end else "header", str(exc)) from None


def _xlsx_lines(path: Path, sheet: str | None) -> Iterator[Line]:
    """The rows of one sheet, streamed (openpyxl read-only mode); cached formula values."""
    import zipfile

    import openpyxl  # loaded only for a workbook: most imports are CSV
    from openpyxl.utils.exceptions import InvalidFileException

    # A file object, not the path: openpyxl refuses a workbook by its name (list.csv), and a
    # workbook is recognised by its content here.
    fh = path.open("rb")
    try:
        book = openpyxl.load_workbook(fh, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError) as exc:
        fh.close()
        raise SourceProblem(1, "file", f"not a readable .xlsx workbook ({exc})") from None
    try:
        names = book.sheetnames
        if sheet is not None and sheet not in names:
            raise SourceProblem(
                1, "--sheet", f"no sheet {sheet!r} (the workbook has {', '.join(names)})"
            )
        ws = book[sheet] if sheet is not None else book.worksheets[0]
        for number, values in enumerate(ws.iter_rows(min_row=1, values_only=True), 1):
            end = len(values)
            while end and values[end - 1] is None:
                end -= 1  # a row formatted to column XFD holds 16,384 empty cells
            yield number, [_xlsx_text(v) for v in values[:end]]
    finally:
        book.close()
        fh.close()


def _xlsx_text(value: object) -> str:
    """A cell as the text a CSV export would hold: 12000.0 -> 12000, a date -> 2026-11-02."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value)


def _table(
    lines: Iterator[Line],
    encoding: str,
    required: tuple[str, ...],
    header: Header | None,
    *,
    pad: bool = False,
) -> Iterator[Record]:
    """Header found (and named), then each non-blank record as column -> cell. `pad`: a row
    shorter than the header has empty cells at its end (a sheet's rows end at their last
    value; a CSV row that is short lost cells and is a problem)."""
    seen: list[Line] = []
    for first in lines:
        seen.append(first)
        if header is None or len(seen) >= HEADER_SCAN:
            break
    seen = [(n, cells) for n, cells in seen if any(c.strip() for c in cells)] or seen
    if not seen:
        raise SourceProblem(1, "header", "the file is empty")
    at = _header_row(seen, header)
    line, names = seen[at]
    for name in names:
        if (problem := _undecodable("header", name, line, encoding)) is not None:
            raise problem
    rest = seen[at + 1 :]
    if header is not None and rest and _sub_header(names, rest[0][1], header):
        names = _merge_headers(names, rest[0][1])
        line, rest = rest[0][0], rest[1:]
    columns = _check_header(names, line)
    if header is not None:
        try:
            columns = header.rename(columns)
        except InputError as exc:
            raise SourceProblem(line, "header", f"{exc.message} ({exc.hint})") from None
    present = {c.lower() for c in columns}
    shown = ", ".join(n for n in names[:12] if n.strip()) + (", ..." if len(names) > 12 else "")
    missing = [
        SourceProblem(
            line,
            name.split("|")[0],
            f"required column is missing (headers read: {shown}; name one with "
            f'--map "COLUMN={name.split("|")[0]}")',
        )
        for name in required
        if not any(alt in present for alt in name.split("|"))
    ]
    if missing:
        raise HeaderRejected(missing)
    width = len(columns)
    plain = IGNORED not in columns and "" not in columns  # no cell is left out of a row
    for start, cells in itertools.chain(rest, lines):
        text = "".join(cells)
        if not text.strip():  # a blank row (whitespace is whitespace in any cell)
            continue
        if pad and len(cells) < width:
            cells = cells + [""] * (width - len(cells))
        if plain and len(cells) == width and not _ESCAPED.search(text):
            yield start, dict(zip(columns, cells, strict=True))  # `_cells_by_column`'s result
            continue
        yield start, _cells_by_column(columns, cells, start, encoding)


def _header_row(rows: list[Line], header: Header | None) -> int:
    """The first of the best-scoring rows (the first row when nothing scores)."""
    if header is None:
        return 0
    scores = [header.score([c.strip() for c in cells]) for _, cells in rows]
    best = max(scores)
    return scores.index(best) if best > 0 else 0


def _sub_header(top: list[str], below: list[str], header: Header) -> bool:
    """Whether the row under the header names columns a merged cell above spans (`SNS` over
    `媒体` and `アカウント`): it holds known headers and no address or number."""
    cells = [c.strip() for c in below]
    if any("@" in c or c.replace(",", "").replace(".", "").isdigit() for c in cells):
        return False
    return header.score([c for i, c in enumerate(cells) if i >= len(top) or c != top[i]]) > 0


def _merge_headers(top: list[str], below: list[str]) -> list[str]:
    """Each column's name from the lower row where it has one, else from the upper."""
    width = max(len(top), len(below))
    top, below = top + [""] * (width - len(top)), below + [""] * (width - len(below))
    return [b if b.strip() else t for t, b in zip(top, below, strict=True)]


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


def _check_header(header: list[str], line: int) -> list[str]:
    columns = [h.strip() for h in header]
    while columns and not columns[-1]:
        columns.pop()  # Excel exports a formatted but empty column as a trailing ","
    if len(columns) > MAX_COLUMNS:
        raise SourceProblem(line, "header", f"{len(header)} columns; at most {MAX_COLUMNS} allowed")
    seen: set[str] = set()
    for name in columns:
        if not name:
            continue  # a spacer column: a row with a value there is a row problem
        if (hidden := _hidden(name)) is not None:
            raise SourceProblem(line, "header", f"column {name!r} contains {hidden}")
        if name.lower() in seen:
            raise SourceProblem(line, "header", f"column {name!r} appears twice")
        seen.add(name.lower())
    if not seen:
        raise SourceProblem(line, "header", "the header row has no column names")
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
    row.pop(IGNORED, None)
    if "" in row:
        for number, (column, cell) in enumerate(zip(columns, cells, strict=False), 1):
            if not column and cell.strip():
                return SourceProblem(
                    line, f"column {number}", f"{cell.strip()[:40]!r} is under no header"
                )
        del row[""]
    if _ESCAPED.search("".join(cells)):
        for column, cell in row.items():
            problem = _undecodable(column, cell, line, encoding)
            if problem is not None:
                return problem
    return row


def _renamed(records: Iterator[Record], header: Header | None) -> Iterator[Record]:
    """JSON records with their keys named as a table's header would be."""
    if header is None:
        yield from records
        return
    names: dict[tuple[str, ...], list[str]] = {}
    for line, record in records:
        if isinstance(record, SourceProblem):
            yield line, record
            continue
        keys = tuple(record)
        if keys not in names:
            if len(names) > 1000:
                names.clear()  # bounded: records with ever new keys
            try:
                names[keys] = header.rename(list(keys))
            except InputError as exc:
                yield line, SourceProblem(line, "json", f"{exc.message} ({exc.hint})")
                continue
        yield line, dict(zip(names[keys], record.values(), strict=True))


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
