"""Text from outside (inbound mail, SMTP replies, rosters) made safe to print on a terminal or log.

Control characters are shown as visible escapes (`\\x1b`, `\\x9b`, `\\u202e`) rather than
dropped, so an operator sees that something was there but a terminal never acts on it:
ESC and C1 sequences can retitle the window, forge hyperlinks (OSC 8), move the cursor or
hide text, and Bidi overrides reorder what is shown (CVE-2021-42574, "Trojan Source").
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import Any

# C0 controls, DEL, C1 controls; Bidi embeddings, overrides and isolates (Unicode UAX #9
# 2.1-2.5, and the Arabic letter mark); line and paragraph separators, which some terminals and
# log viewers treat as line breaks.
_BIDI = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
_UNSAFE_LINE = re.compile(f"[\x00-\x1f\x7f-\x9f{_BIDI}\u2028\u2029]")
_UNSAFE_MULTILINE = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f{_BIDI}\u2028\u2029]")
_JSON_UNSAFE = re.compile(f"[\x7f-\x9f{_BIDI}\u2028\u2029]")  # json.dumps escapes C0 itself


def _escape(found: re.Match[str]) -> str:
    code = ord(found.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def safe_text(text: object, *, multiline: bool = False) -> str:
    """`text` with every control, C1 and Bidi-control character shown as a visible escape.

    Single-line (the default, for headers and table cells) also escapes tab and line breaks;
    `multiline` (message bodies) keeps tab and newline, and turns CRLF into a newline first.
    """
    value = "" if text is None else str(text)
    if multiline:
        return _UNSAFE_MULTILINE.sub(_escape, value.replace("\r\n", "\n"))
    return _UNSAFE_LINE.sub(_escape, value)


def safe_json(line: str) -> str:
    """A JSON document (from `json.dumps(..., ensure_ascii=False)`) with DEL, C1, Bidi controls
    and line separators written as `\\uXXXX` escapes: the same data, safe to print."""
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", line)


def _safe_arg(value: Any) -> Any:
    if isinstance(value, (int, float)) or value is None:
        return value
    return safe_text(value if isinstance(value, str) else str(value))


class SafeLogFilter(logging.Filter):
    """A handler filter: every value interpolated into a log message is made single-line and
    visible (a hostile Subject cannot forge a log line or drive the terminal), and the whole
    message and any traceback are made safe while keeping their own line breaks."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "_outreach_safe", False):
            return True
        try:
            if isinstance(record.args, Mapping):
                args: Any = {k: _safe_arg(v) for k, v in record.args.items()}
            else:
                args = tuple(_safe_arg(v) for v in record.args or ())
            message = str(record.msg) % args if record.args else str(record.msg)
        except Exception:  # logging must not raise (a %d given text, ...)
            message = f"{record.msg!s} {record.args!r}"
        record.msg = safe_text(message, multiline=True)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = safe_text(record.exc_text, multiline=True)
        if record.stack_info:
            record.stack_info = safe_text(record.stack_info, multiline=True)
        record._outreach_safe = True
        return True


def protect_logging() -> None:
    """Put SafeLogFilter on every handler of the root logger and on logging's last-resort
    handler (what prints warnings when nothing was configured); idempotent."""
    handlers = [*logging.getLogger().handlers]
    if logging.lastResort is not None:
        handlers.append(logging.lastResort)
    for handler in handlers:
        if not any(isinstance(f, SafeLogFilter) for f in handler.filters):
            handler.addFilter(SafeLogFilter())
