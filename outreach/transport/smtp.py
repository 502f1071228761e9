"""SMTP submission: a small connection pool per mailbox and classified endings.

aiosmtplib sets each connection up (connect, STARTTLS or implicit TLS, EHLO, AUTH); the mail
transactions are driven here, over `session.SmtpSession`, instead of with `sendmail`:
- the outbox must record `sending` once the server has accepted the envelope and before any
  byte of the message, and a drop must be told apart by whether the final dot went out (retry)
  or not (maybe delivered: `unknown`). `sendmail` hides both;
- MAIL, RCPT and DATA go out in one write when the server offers PIPELINING (RFC 2920): two
  round trips per message instead of four. aiosmtplib reads one reply per write, so it cannot.
Connections are reused only when their transaction state is known to be clean; after any
timeout, disconnect or unexpected error they are closed and forgotten.
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field

import aiosmtplib

from outreach import failpoints
from outreach.config import MailboxConfig, SmtpConfig, secret
from outreach.domain.outbox import Outcome
from outreach.domain.smtp_codes import Phase, classify_drop, classify_reply, enhanced_status
from outreach.failpoints import Failpoint
from outreach.transport.oauth import AccessTokens, OAuthFailure, b64, oauthbearer
from outreach.transport.session import SmtpSession


@dataclass(frozen=True)
class SendResult:
    """How one attempt ended, with what the server said (never anything secret)."""

    outcome: Outcome
    phase: Phase
    code: int | None = None
    enhanced: str = ""
    text: str = ""
    exception_type: str = ""
    refused: Mapping[str, str] = field(
        default_factory=dict
    )  # recipients refused while others passed


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
    body = raw.replace(b"\n.", b"\n..")  # a dot opening any line but the first: ~6x a regex
    if body.startswith(b"."):
        body = b"." + body
    if not body.endswith(b"\r\n"):
        body += b"\r\n"
    return body + b".\r\n"


class _Failed(Exception):
    """A reply or drop that ends the attempt; carries the classified result. `in_data`: the
    server answered DATA with 354 and waits for a message, so the connection cannot be reset."""

    def __init__(self, result: SendResult, *, in_data: bool = False) -> None:
        super().__init__(result.text)
        self.result = result
        self.in_data = in_data


def _reply_failure(phase: Phase, code: int, message: str) -> _Failed:
    enhanced = enhanced_status(message)
    return _Failed(
        SendResult(classify_reply(phase, code, enhanced), phase, code, enhanced, message)
    )


def _drop_failure(phase: Phase, exc: BaseException) -> _Failed:
    text = str(exc) or type(exc).__name__
    return _Failed(
        SendResult(classify_drop(phase), phase, text=text, exception_type=type(exc).__name__)
    )


_DROPS = (aiosmtplib.SMTPException, OSError, asyncio.TimeoutError)


async def _proceed() -> bool:
    """The default `on_before_data`: nothing to check, send the message."""
    return True


class MailboxPool:
    """Idle authenticated connections to one mailbox's relay, at most `connections` in use."""

    def __init__(
        self, name: str, mailbox: MailboxConfig, tokens: AccessTokens | None = None
    ) -> None:
        self.name = name
        self.cfg = mailbox.smtp
        self.tokens = tokens  # auth = "oauth2": SASL with an access token instead of a password
        self._idle: list[SmtpSession] = []
        self._slots = asyncio.Semaphore(self.cfg.connections)
        self.opened = 0  # connections opened so far (crash tests bound `unknown` by it)

    async def _connect(self) -> SmtpSession:
        """A new connection, set up by aiosmtplib: TLS as configured (never opportunistic),
        EHLO, AUTH. Its transactions are then ours (`SmtpSession`)."""
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
        except (*_DROPS, ssl.SSLError) as exc:
            smtp.close()
            raise _drop_failure(Phase.CONNECT, exc) from exc
        if self.tokens is not None:
            await self._oauth_login(smtp)
        elif cfg.username:
            try:
                await smtp.login(cfg.username, secret(cfg.password_env) or "")
            except aiosmtplib.SMTPResponseException as exc:
                smtp.close()
                raise _reply_failure(Phase.AUTH, exc.code, exc.message) from exc
            except _DROPS as exc:
                smtp.close()
                raise _drop_failure(Phase.AUTH, exc) from exc
        try:
            return SmtpSession(smtp)
        except aiosmtplib.SMTPException as exc:
            smtp.close()
            raise _drop_failure(Phase.CONNECT, exc) from exc

    async def _oauth_login(self, smtp: aiosmtplib.SMTP) -> None:
        """AUTH OAUTHBEARER (RFC 7628) when offered, else XOAUTH2, with the stored access
        token; after a 535 (an expired or revoked token) once more with a refreshed one."""
        assert self.tokens is not None
        tokens = self.tokens
        for renew in (False, True):
            try:
                token = await asyncio.to_thread(tokens.access_token, renew)
            except OAuthFailure as exc:
                smtp.close()
                raise _Failed(SendResult(Outcome.SENDER_FAULT, Phase.AUTH, text=str(exc))) from None
            try:
                if "oauthbearer" in smtp.server_auth_methods:
                    await _auth_oauthbearer(smtp, tokens.user, token, self.cfg)
                else:
                    await smtp.auth_xoauth2(tokens.user, token)
                return
            except aiosmtplib.SMTPResponseException as exc:
                if exc.code == 535 and not renew:
                    continue  # refresh once: the token may have expired or been replaced
                smtp.close()
                raise _reply_failure(Phase.AUTH, exc.code, exc.message) from None
            except _DROPS as exc:
                smtp.close()
                raise _drop_failure(Phase.AUTH, exc) from None

    def _take_idle(self) -> SmtpSession | None:
        """An idle connection still fit for a transaction (the server may have closed it, or
        said 421, while it waited)."""
        while self._idle:
            session = self._idle.pop()
            if session.usable:
                return session
            session.close()
        return None

    async def send(
        self,
        mail_from: str,
        rcpt_to: Sequence[str],
        raw: bytes,
        *,
        on_before_data: Callable[[], Awaitable[bool]] = _proceed,
    ) -> SendResult:
        """One transaction. `on_before_data` runs once the server has accepted MAIL, RCPT and
        DATA (354), before any byte of the message: it makes the last stop check and records
        `sending` durably (awaited: dispatch commits the marks of several connections
        together); returning False abandons the transaction (outcome CANCELLED) by closing the
        connection, which makes the server discard it (RFC 5321 4.1.1.4)."""
        async with self._slots:
            try:
                session = self._take_idle() or await self._connect()
            except _Failed as failed:
                return failed.result
            try:
                result = await self._transaction(session, mail_from, rcpt_to, raw, on_before_data)
            except _Failed as failed:
                await self._reset_or_close(session, failed)
                return failed.result
            except BaseException:
                session.close()
                raise
            self._keep(session)
            return result

    async def _transaction(
        self,
        session: SmtpSession,
        mail_from: str,
        rcpt_to: Sequence[str],
        raw: bytes,
        on_before_data: Callable[[], Awaitable[bool]],
    ) -> SendResult:
        refused = await self._envelope(session, mail_from, rcpt_to)
        failpoints.hit(Failpoint.AFTER_RCPT)
        if not await on_before_data():
            raise _Failed(
                SendResult(
                    Outcome.CANCELLED, Phase.DATA, text="stopped or claim lost before the message"
                ),
                in_data=True,
            )
        code, message = await self._message(session, raw)
        if not 200 <= code < 300:
            raise _reply_failure(Phase.DOT, code, message)
        said = message + "".join(f"; refused {rcpt}: {why}" for rcpt, why in refused.items())
        return SendResult(
            Outcome.SENT, Phase.DONE, code, enhanced_status(message), said, refused=refused
        )

    async def _envelope(
        self, session: SmtpSession, mail_from: str, rcpt_to: Sequence[str]
    ) -> dict[str, str]:
        """MAIL FROM, RCPT TO for each recipient, DATA: in one write when the server offers
        PIPELINING (RFC 2920), else one command per round trip, stopping at the first refusal
        that ends the transaction. Returns the recipients refused while others passed.

        Addresses were validated at import (no SMTPUTF8, brackets or line breaks), so they are
        written as they are. Pipelined, every reply is read (the connection stays in step) and
        the first failure, in command order, is the one raised."""
        steps = [
            (Phase.MAIL, b"MAIL FROM:" + envelope_address(mail_from), ""),
            *((Phase.RCPT, b"RCPT TO:" + envelope_address(rcpt), rcpt) for rcpt in rcpt_to),
            (Phase.DATA, b"DATA", ""),
        ]
        timeout = self.cfg.timeout
        refused: dict[str, str] = {}
        mail_failure: _Failed | None = None
        first_refusal: _Failed | None = None
        data_failure: _Failed | None = None
        in_data = False
        try:
            if session.pipelining:
                session.write(b"".join(line + b"\r\n" for _, line, _ in steps))
        except _DROPS as exc:
            raise _drop_failure(Phase.MAIL, exc) from exc
        for phase, line, rcpt in steps:
            try:
                if not session.pipelining:
                    if mail_failure or (phase is Phase.DATA and len(refused) == len(rcpt_to)):
                        break
                    session.write(line + b"\r\n")
                reply = await session.read(timeout)
            except _DROPS as exc:  # a refusal already read explains the drop (421, then closed)
                every_rcpt_refused = first_refusal if len(refused) == len(rcpt_to) else None
                raise (mail_failure or every_rcpt_refused or _drop_failure(phase, exc)) from exc
            if phase is Phase.MAIL and reply.code != 250:
                mail_failure = _reply_failure(phase, reply.code, reply.message)
            elif phase is Phase.RCPT and reply.code not in (250, 251):
                refused[rcpt] = f"{reply.code} {reply.message}"
                first_refusal = first_refusal or _reply_failure(phase, reply.code, reply.message)
            elif phase is Phase.DATA:
                in_data = reply.code == 354
                data_failure = None if in_data else _reply_failure(phase, reply.code, reply.message)
        failure = (
            mail_failure
            or (first_refusal if len(refused) == len(rcpt_to) else None)
            or data_failure
        )
        if failure is not None:
            raise _Failed(failure.result, in_data=in_data)
        return refused

    async def _message(self, session: SmtpSession, raw: bytes) -> tuple[int, str]:
        """The message and its final dot, then the long wait for the reply (data_timeout)."""
        try:
            session.write(frame_data(raw))
        except _DROPS as exc:
            raise _drop_failure(Phase.DATA, exc) from exc
        failpoints.hit(Failpoint.BEFORE_DOT_REPLY)
        try:
            reply = await session.read(self.cfg.data_timeout)
        except _DROPS as exc:
            raise _drop_failure(Phase.DOT, exc) from exc
        return reply.code, reply.message

    async def _reset_or_close(self, session: SmtpSession, failed: _Failed) -> None:
        """After a refusal that left the connection in step, RSET and keep it; else close it
        (a drop, a 421, the reply after the dot, or a server waiting for a message)."""
        result = failed.result
        if failed.in_data or result.code is None or result.code == 421 or result.phase is Phase.DOT:
            session.close()
            return
        try:
            reply = await session.command(b"RSET", self.cfg.timeout)
        except _DROPS:
            session.close()
            return
        if reply.code == 250:
            self._keep(session)
        else:
            session.close()

    def _keep(self, session: SmtpSession) -> None:
        if session.usable:
            self._idle.append(session)
        else:
            session.close()

    async def close(self) -> None:
        """QUIT every idle connection (best effort: the server may be gone)."""
        idle, self._idle = self._idle, []
        for session in idle:
            await session.quit(self.cfg.timeout)


async def _auth_oauthbearer(
    smtp: aiosmtplib.SMTP, user: str, token: str, cfg: SmtpConfig
) -> aiosmtplib.SMTPResponse:
    """RFC 7628 3.2.2-3.2.3: on failure the server sends an error challenge (334) and the
    client answers with a single ^A (base64 "AQ==") to get the final 535."""
    response = await smtp.execute_command(
        b"AUTH", b"OAUTHBEARER", b64(oauthbearer(user, token, cfg.host, cfg.port))
    )
    if response.code == 334:
        response = await smtp.execute_command(b"AQ==")
    if response.code != 235:
        raise aiosmtplib.SMTPAuthenticationError(response.code, response.message)
    return response


class SmtpTransport:
    """One pool per configured mailbox; what dispatch talks to. `tokens`: the access tokens
    of the mailboxes with auth = "oauth2" (services.mailbox.oauth.token_sources)."""

    def __init__(
        self,
        mailboxes: Mapping[str, MailboxConfig],
        tokens: Mapping[str, AccessTokens] | None = None,
    ) -> None:
        self._pools = {
            name: MailboxPool(name, mb, (tokens or {}).get(name)) for name, mb in mailboxes.items()
        }

    def pool(self, mailbox: str) -> MailboxPool:
        return self._pools[mailbox]

    @property
    def connections_opened(self) -> int:
        return sum(p.opened for p in self._pools.values())

    async def close(self) -> None:
        for pool in self._pools.values():
            await pool.close()
