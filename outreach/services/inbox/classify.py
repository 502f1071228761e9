"""`outreach inbox classify`: how files of raw mail would be classified, touching no data."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict
from datetime import date
from pathlib import Path
from typing import Any

from outreach.inbound import Classified, parse_and_classify
from outreach.inbound.model import NEEDS_REVIEW, REVIEW_BELOW


def describe(name: str, found: Classified) -> dict[str, Any]:
    """The JSON-ready view ops read: kind, return date, bounce, intent, confidence, and why."""
    return {
        "file": name,
        "kind": NEEDS_REVIEW if found.confidence < REVIEW_BELOW else found.kind,
        "classified_as": found.kind,
        "intent": found.intent or None,
        "referred_to": found.referred_to or None,
        "confidence": found.confidence,
        "returns_on": found.returns_on.isoformat() if found.returns_on else None,
        "bounce": asdict(found.bounce) if found.bounce else None,
        "from": found.from_addr,
        "subject": found.subject,
        "message_id": found.message_id,
        "in_reply_to": found.in_reply_to,
        "original_message_id": found.original_message_id or None,
        "original_recipient": found.original_recipient or None,
        "reasons": list(found.reasons),
        "text": found.text,
    }


def classify_files(paths: Iterable[Path], received: date | None = None) -> list[dict[str, Any]]:
    """Read each file's bytes and classify them; `received` overrides each message's Date."""
    return [describe(str(p), parse_and_classify(p.read_bytes(), received=received)) for p in paths]
