"""Per-message signed envelope senders (VERP): `bounces+TOKEN@domain`.

A bounce goes back to the envelope sender, so a token in it names the exact message that
failed. TOKEN is `<ref>.<mac>`: ref is the random part of our Message-ID, mac an HMAC-SHA256 of
the whole Message-ID truncated to 64 bits (base32). Only the recipient of that message ever sees
its token (in the Return-Path their server adds), so a forged bounce can name no one else.
Mailman and listmonk route bounces the same way (VERP, D. J. Bernstein 1997).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Iterable

from outreach.config import Config, secret
from outreach.errors import ConfigError

KEY_MIN_BYTES = 32
_REF = re.compile(r"<([0-9a-f]{32})@([^<>@\s]+)>")
_TOKEN = r"([0-9a-f]{32})\.([a-z2-7]{13})"


def return_path_key(config: Config) -> bytes | None:
    """The signing key, when any mailbox has a return_path; ConfigError when unset or short."""
    users = [name for name, box in config.mailboxes.items() if box.return_path]
    if not users:
        return None
    env = config.inbox.return_path_secret_env
    key = (secret(env) or "").encode("utf-8")
    if len(key) < KEY_MIN_BYTES:
        state = f"is {len(key)} bytes long" if key else "is not set"
        raise ConfigError(
            f"environment variable {env or '(none)'} {state}; mailboxes.{users[0]}.return_path "
            f"needs a key of at least {KEY_MIN_BYTES} bytes",
            file=config.source,
            field="inbox.return_path_secret_env",
            hint="generate one: python -c 'import secrets; print(secrets.token_urlsafe(32))'",
        )
    return key


def _mac(key: bytes, message_id: str) -> str:
    digest = hmac.new(key, b"return-path\n" + message_id.encode("utf-8"), hashlib.sha256).digest()
    return base64.b32encode(digest[:8]).decode("ascii").rstrip("=").lower()


def sign(template: str, key: bytes, message_id: str) -> str | None:
    """The envelope sender for one message, or None for a Message-ID not of our own form."""
    found = _REF.fullmatch(message_id)
    if found is None:
        return None
    return template.replace("{token}", f"{found.group(1)}.{_mac(key, message_id)}")


def tokens_in(text: str, templates: Iterable[str]) -> list[tuple[str, str]]:
    """(ref, mac) of every address in `text` shaped like one of the templates."""
    out: list[tuple[str, str]] = []
    for template in {t for t in templates if t}:
        head, _, tail = template.lower().partition("{token}")
        pattern = re.compile(re.escape(head) + _TOKEN + re.escape(tail), re.IGNORECASE)
        out += [(m.group(1).lower(), m.group(2).lower()) for m in pattern.finditer(text)]
    return out


def candidates(ref: str, domains: Iterable[str]) -> list[str]:
    """The Message-IDs a ref can stand for: one per Message-ID domain we send from."""
    return [f"<{ref}@{d}>" for d in sorted(set(domains))]


def verify(key: bytes, message_id: str, mac: str) -> bool:
    return hmac.compare_digest(_mac(key, message_id), mac)
