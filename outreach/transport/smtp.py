"""SMTP submission with aiosmtplib: a small connection pool per mailbox and classified endings.

Why the dialogue is driven command by command instead of `sendmail`: the outbox must record
`sending` after RCPT and before DATA, and a drop must be told apart by whether the final dot
went out (retry) or not (maybe delivered: `unknown`). `sendmail` hides both. Connections are
reused only when their transaction state is known to be clean; after any timeout, disconnect
or unexpected error they are closed and forgotten.
"""

from __future__ import annotations

import asyncio
import re
import ssl
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field

import aiosmtplib

from outreach import failpoints
from outreach.config import MailboxConfig, SmtpConfig, secret
from outreach.domain.outbox import Outcome
from outreach.domain.smtp_codes import Phase, classify_drop, classify_reply, enhanced_status

_LEADING_DOT = re.compile(rb"(?m)^\.")


@dataclass(frozen=True)
class SendResult:
    """How one attempt ended, with what the server said (never anything secret)."""

    outcome: Outcome
    phase: Phase
    code: int | None = None
    enhanced: str = ""
    text: str = ""
    exception_type: str = ""
    refused: Mapping[str, str] = field(default_factory=dict)  # recipients refused while others passed


class TlsRequired(aiosmtplib.SMTPException):
    """security = "starttls" and the server does not offer STARTTLS: never fall back to plain."""


def tls_context(cfg: SmtpConfig) -> ssl.SSLContext | None:
    """Verified TLS (hostname and chain), optionally against a private CA file."""
    if cfg.security == "none":
        return None
    return ssl.create_default_context(cafile=cfg.ca_file or None)


def envelope_address(address: str) -> bytes:
    """`<local@domain>` for MAIL FROM / RCPT TO: an internationalised domain in its ASCII
    (IDNA) form; a local part that is not ASCII would need SMTPUTF8, refused at import."""
    local, _, domain = address.rpartition("@")
    return b"<" + local.encode("ascii") + b"@" + domain.encode("idna") + b">"


def frame_data(raw: bytes) -> bytes:
    """The DATA payload: dot-stuffed, CRLF-terminated, then the final dot."""
    body = _LEADING_DOT.sub(b"..", raw)
    if not body.endswith(b"\r\n"):
        body += b"\r\n"
    return body + b".\r\n"


class _Failed(Exception):
    """A reply or drop that ends the attempt; carries the classified result."""

    def __init__(self, result: SendResult) -> None:
        super().__init__(result.text)
        self.result = result


def _reply_failure(phase: Phase, code: int, message: str) -> _Failed:
    enhanced = enhanced_status(message)
    return _Failed(SendResult(classify_reply(phase, code, enhanced), phase, code, enhanced, message))


def _drop_failure(phase: Phase, exc: BaseException) -> _Failed:
    text = str(exc) or type(exc).__name__
    return _Failed(SendResult(classify_drop(phase), phase, text=text, exception_type=type(exc).__name__))


async def _proceed() -> bool:
    """The default `on_before_data`: nothing to check, send DATA."""
    return True


class MailboxPool:
    """Idle authenticated connections to one mailbox's relay, at most `connections` in use."""

    def __init__(self, name: str, mailbox: MailboxConfig) -> None:
        self.name = name
        self.cfg = mailbox.smtp
        self._idle: list[aiosmtplib.SMTP] = []
        self._slots = asyncio.Semaphore(self.cfg.connections)
        self.opened = 0  # connections opened so far (crash tests bound `unknown` by it)

    async def _connect(self) -> aiosmtplib.SMTP:
        cfg = self.cfg
        ctx = tls_context(cfg)
        smtp = aiosmtplib.SMTP(
            hostname=cfg.host,
            port=cfg.port,
            timeout=cfg.timeout,
            use_tls=cfg.security == "tls",
            start_tls=False,  # STARTTLS is done below, and required, never opportunistic
            tls_context=ctx if cfg.security == "tls" else None,
        )
        self.opened += 1
        try:
            await smtp.connect()
            if cfg.security == "starttls":
                await smtp.ehlo()
                if not smtp.supports_extension("starttls"):
                    raise TlsRequired("the server does not offer STARTTLS (security = 'starttls')")
                await smtp.starttls(tls_context=ctx)
            if smtp.is_ehlo_or_helo_needed:  # (again after STARTTLS) we write MAIL/RCPT ourselves
                try:
                    await smtp.ehlo()
                except aiosmtplib.SMTPHeloError:
                    await smtp.helo()
        except aiosmtplib.SMTPResponseException as exc:
            smtp.close()
            raise _reply_failure(Phase.CONNECT, exc.code, exc.message) from exc
        except (aiosmtplib.SMTPException, OSError, ssl.SSLError, asyncio.TimeoutError) as exc:
            smtp.close()
            raise _drop_failure(Phase.CONNECT, exc) from exc
        if cfg.username:
            try:
                await smtp.login(cfg.username, secret(cfg.password_env) or "")
            except aiosmtplib.SMTPResponseException as exc:
                smtp.close()
                raise _reply_failure(Phase.AUTH, exc.code, exc.message) from exc
            except (aiosmtplib.SMTPException, OSError, asyncio.TimeoutError) as exc:
                smtp.close()
                raise _drop_failure(Phase.AUTH, exc) from exc
        return smtp

    async def send(
        self,
        mail_from: str,
        rcpt_to: Sequence[str],
        raw: bytes,
        *,
        on_before_data: Callable[[], Awaitable[bool]] = _proceed,
    ) -> SendResult:
        """One transaction. `on_before_data` runs after RCPT, before any message byte: it makes
        the last stop check and records `sending` durably (awaited: dispatch commits the marks of
        several connections together); returning False aborts cleanly (RSET) with outcome
        CANCELLED."""
        async with self._slots:
            try:
                smtp = self._idle.pop() if self._idle else await self._connect()
            except _Failed as failed:
                return failed.result
            try:
                result = await self._transaction(smtp, mail_from, rcpt_to, raw, on_before_data)
            except _Failed as failed:
                result = failed.result
                await self._reset_or_close(smtp, result)
                return result
            except BaseException:
                smtp.close()
                raise
            self._keep(smtp)
            return result

    async def _transaction(
        self,
        smtp: aiosmtplib.SMTP,
        mail_from: str,
        rcpt_to: Sequence[str],
        raw: bytes,
        on_before_data: Callable[[], Awaitable[bool]],
    ) -> SendResult:
        # MAIL/RCPT written directly: addresses were validated when imported (no SMTPUTF8, no
        # brackets or line breaks), so aiosmtplib's address parsing in mail()/rcpt() is skipped.
        await self._command(smtp.execute_command(b"MAIL", b"FROM:" + envelope_address(mail_from)),
                            Phase.MAIL, expect=(250,))
        refused: dict[str, str] = {}
        first_refusal: _Failed | None = None
        for rcpt in rcpt_to:
            try:
                await self._command(smtp.execute_command(b"RCPT", b"TO:" + envelope_address(rcpt)),
                                    Phase.RCPT, expect=(250, 251))
            except _Failed as failed:
                if failed.result.code is None:
                    raise
                refused[rcpt] = f"{failed.result.code} {failed.result.text}"
                first_refusal = first_refusal or failed
        if first_refusal is not None and len(refused) == len(rcpt_to):
            raise first_refusal
        failpoints.hit("after_rcpt")
        if not await on_before_data():
            raise _Failed(SendResult(Outcome.CANCELLED, Phase.DATA, text="stopped or claim lost before DATA"))
        code, message = await self._data(smtp, raw)
        if not 200 <= code < 300:
            raise _reply_failure(Phase.DOT, code, message)
        said = message + "".join(f"; refused {rcpt}: {why}" for rcpt, why in refused.items())
        return SendResult(Outcome.SENT, Phase.DONE, code, enhanced_status(message), said, refused=refused)

    async def _data(self, smtp: aiosmtplib.SMTP, raw: bytes) -> tuple[int, str]:
        await self._command(smtp.execute_command(b"DATA"), Phase.DATA, expect=(354,))
        protocol = smtp.protocol
        try:
            if protocol is None:
                raise aiosmtplib.SMTPServerDisconnected("connection lost before the message")
            protocol.write(frame_data(raw))
        except (aiosmtplib.SMTPException, OSError) as exc:
            raise _drop_failure(Phase.DATA, exc) from exc
        failpoints.hit("before_dot_reply")
        try:
            reply = await protocol.read_response(timeout=self.cfg.data_timeout)
        except (aiosmtplib.SMTPException, OSError, asyncio.TimeoutError) as exc:
            raise _drop_failure(Phase.DOT, exc) from exc
        return reply.code, reply.message

    @staticmethod
    async def _command(
        call: Awaitable[aiosmtplib.SMTPResponse], phase: Phase, *, expect: tuple[int, ...] = ()
    ) -> aiosmtplib.SMTPResponse:
        try:
            reply = await call
        except aiosmtplib.SMTPResponseException as exc:
            raise _reply_failure(phase, exc.code, exc.message) from exc
        except (aiosmtplib.SMTPException, OSError, asyncio.TimeoutError) as exc:
            raise _drop_failure(phase, exc) from exc
        if expect and reply.code not in expect:
            raise _reply_failure(phase, reply.code, reply.message)
        return reply

    async def _reset_or_close(self, smtp: aiosmtplib.SMTP, result: SendResult) -> None:
        """After a clean refusal (or our own abort) RSET and keep the connection; else close it."""
        refused = result.code is not None and result.code != 421 and result.phase is not Phase.DOT
        if (refused or result.outcome is Outcome.CANCELLED) and smtp.is_connected:
            try:
                await smtp.rset()
            except (aiosmtplib.SMTPException, OSError, asyncio.TimeoutError):
                smtp.close()
                return
            self._keep(smtp)
            return
        smtp.close()

    def _keep(self, smtp: aiosmtplib.SMTP) -> None:
        if smtp.is_connected:
            self._idle.append(smtp)

    async def close(self) -> None:
        """QUIT every idle connection (best effort: the server may be gone)."""
        idle, self._idle = self._idle, []
        for smtp in idle:
            try:
                await smtp.quit()
            except (aiosmtplib.SMTPException, OSError, asyncio.TimeoutError):
                smtp.close()


class SmtpTransport:
    """One pool per configured mailbox; what dispatch talks to."""

    def __init__(self, mailboxes: Mapping[str, MailboxConfig]) -> None:
        self._pools = {name: MailboxPool(name, mb) for name, mb in mailboxes.items()}

    def pool(self, mailbox: str) -> MailboxPool:
        return self._pools[mailbox]

    @property
    def connections_opened(self) -> int:
        return sum(p.opened for p in self._pools.values())

    async def close(self) -> None:
        for pool in self._pools.values():
            await pool.close()
