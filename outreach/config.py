"""config.toml + OUTREACH_* environment -> frozen settings. The only module that reads os.environ.

Precedence: `--config PATH`, then `$OUTREACH_CONFIG`, then `./config.toml`. Environment variables
`OUTREACH_<SECTION>__<KEY>` override file values (`__` nests). Passwords and secrets are never
read from the file: a key names the environment variable that holds them (`password_env`).

Longer than 400 lines on purpose: every key, its default and its check live in one place, the
single source of the configuration reference.
"""

from __future__ import annotations

import ipaddress
import os
import re
import tomllib
from datetime import time
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from email_validator import EmailNotValidError, validate_email
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from outreach.closures import Closures
from outreach.errors import ConfigError

ENV_PREFIX = "OUTREACH_"
_SECRET_KEYS = re.compile(r"^(password|secret|token|api_key)$", re.I)


def email_address(
    raw: str, *, check_deliverability: bool = False, test_domains: bool = False
) -> str:
    """One bare `local@domain`, checked by email-validator, the domain in its ASCII (IDNA
    A-label, `xn--`) form so it needs no SMTPUTF8; ValueError with the reason if not.

    The one address check for the roster and every address-valued setting. A non-ASCII local
    part would need SMTPUTF8 (RFC 6531), which outreach does not use. `test_domains` admits the
    RFC 2606 `.test` domain (staging configs)."""
    text = raw.strip()
    try:
        checked = validate_email(
            text,
            check_deliverability=check_deliverability,
            allow_smtputf8=False,
            test_environment=test_domains,
        )
    except EmailNotValidError as exc:
        raise ValueError(str(exc)) from None
    return checked.ascii_email or checked.normalized


def _setting_address(value: str) -> str:
    if not value:
        return value
    try:
        return email_address(value, test_domains=True)
    except ValueError as exc:
        raise ValueError(f"{value!r} is not one email address: {exc}") from None


def _setting_domain(value: str) -> str:
    if not value:
        return value
    try:
        return email_address(f"x@{value}", test_domains=True).rpartition("@")[2]
    except ValueError as exc:
        raise ValueError(f"{value!r} is not a domain name: {exc}") from None


# Address-valued settings: one bare address (or empty), so a value can never add a recipient,
# a second From address or a header line.
Address = Annotated[str, AfterValidator(_setting_address)]
Domain = Annotated[str, AfterValidator(_setting_domain)]


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class WorkspaceConfig(_Frozen):
    templates: str = "templates"
    sequences: str = "sequences"
    campaigns: str = "campaigns"
    # Where the command line shows times ("" = [sending] timezone); stored times stay UTC.
    display_timezone: str = ""
    # The language of reports (`outreach report`): "ja", "en", or "" = Japanese when the
    # display timezone is Asia/Tokyo, else English.
    report_language: Literal["", "ja", "en"] = ""

    @field_validator("display_timezone")
    @classmethod
    def _display_zone(cls, v: str) -> str:
        if v:
            try:
                ZoneInfo(v)
            except (ZoneInfoNotFoundError, ValueError) as exc:
                raise ValueError(
                    f"unknown timezone {v!r} (use an IANA name like 'Asia/Tokyo')"
                ) from exc
        return v


class DatabaseConfig(_Frozen):
    url: str = "sqlite:///outreach.db"


class SenderConfig(_Frozen):
    name: str
    organisation: str
    postal_address: str
    enquiry_email: Address
    name_ja: str = ""
    organisation_ja: str = ""
    postal_address_ja: str = ""


Security = Literal["starttls", "tls", "none"]


def is_loopback(host: str) -> bool:
    """A host name or address (IPv6 in brackets or not) that stays on this machine."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class ServerConfig(_Frozen):
    host: str
    port: int = Field(gt=0, lt=65536)
    security: Security = "starttls"
    username: str = ""
    password_env: str = ""
    timeout: float = Field(default=30.0, gt=0)
    ca_file: str = ""

    @model_validator(mode="after")
    def _plaintext_only_on_loopback(self) -> ServerConfig:
        if self.security == "none" and not is_loopback(self.host):
            raise ValueError(
                f"security = 'none' is allowed only for loopback hosts, not {self.host!r}; "
                "use 'starttls' or 'tls'"
            )
        return self


class SmtpConfig(ServerConfig):
    port: int = Field(default=587, gt=0, lt=65536)
    data_timeout: float = Field(default=600.0, gt=0)  # RFC 5321 4.5.3.2.6: 10 min after the dot
    connections: int = Field(default=1, ge=1, le=16)


class InboxSourceConfig(_Frozen):
    source: Literal["imap", "maildir", "none"] = "none"
    path: str = "inbox"  # maildir
    host: str = ""
    port: int = Field(default=993, gt=0, lt=65536)
    security: Security = "tls"
    username: str = ""
    password_env: str = ""
    folder: str = "INBOX"
    timeout: float = Field(default=30.0, gt=0)
    ca_file: str = ""
    mark_seen: bool = False

    @model_validator(mode="after")
    def _check(self) -> InboxSourceConfig:
        if self.source == "imap":
            if not self.host:
                raise ValueError("host is required when source = 'imap'")
            if self.security == "none" and not is_loopback(self.host):
                raise ValueError("security = 'none' is allowed only for loopback hosts")
        return self


class LimitsConfig(_Frozen):
    daily_cap: int = Field(default=50, ge=1)
    min_gap_seconds: float = Field(default=60.0, ge=0)
    jitter_seconds: float = Field(default=30.0, ge=0)
    # Daily caps for a new mailbox's first days, counted from its first send: "20,30,45,70,100"
    # (then daily_cap); providers distrust a new sender that starts at full volume.
    ramp: tuple[int, ...] = ()

    @field_validator("ramp", mode="before")
    @classmethod
    def _ramp(cls, v: Any) -> tuple[int, ...]:
        if isinstance(v, tuple):
            return v
        parts = v.split(",") if isinstance(v, str) else v if isinstance(v, list) else None
        try:
            caps = tuple(int(str(p).strip()) for p in parts or () if str(p).strip())
        except ValueError:
            caps = ()
        if (
            parts is None
            or (str(v).strip() and not caps)
            or any(c < 1 for c in caps)
            or len(caps) != len([p for p in parts if str(p).strip()])
        ):
            raise ValueError(f'expected daily caps such as "20,30,45,70,100", got {v!r}')
        return caps


OAUTH2_PROVIDERS: dict[str, dict[str, Any]] = {
    # https://developers.google.com/identity/protocols/oauth2/limited-input-device and
    # https://developers.google.com/gmail/imap/xoauth2-protocol (scope for IMAP and SMTP)
    "google": {
        "token_endpoint": "https://oauth2.googleapis.com/token",
        "device_authorization_endpoint": "https://oauth2.googleapis.com/device/code",
        "authorization_endpoint": "https://accounts.google.com/o/oauth2/v2/auth",
        "scopes": ("https://mail.google.com/",),
    },
    # https://learn.microsoft.com/entra/identity-platform/v2-oauth2-device-code and
    # https://learn.microsoft.com/exchange/client-developer/legacy-protocols/
    # how-to-authenticate-an-imap-pop-smtp-application-by-using-oauth
    "microsoft": {
        "token_endpoint": "https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token",
        "device_authorization_endpoint": (
            "https://login.microsoftonline.com/{tenant}/oauth2/v2.0/devicecode"
        ),
        "authorization_endpoint": (
            "https://login.microsoftonline.com/{tenant}/oauth2/v2.0/authorize"
        ),
        "scopes": (
            "https://outlook.office.com/SMTP.Send",
            "https://outlook.office.com/IMAP.AccessAsUser.All",
            "offline_access",
        ),
    },
}


def _endpoint_url(value: str) -> str:
    """An OAuth2 endpoint: https, or http on a loopback host only (a local test server)."""
    if not value:
        return value
    scheme, _, rest = value.partition("://")
    host = split_host_port(rest.split("/", 1)[0].rpartition("@")[2], 443)[0]
    if scheme == "https" and host:
        return value
    if scheme == "http" and is_loopback(host):
        return value
    raise ValueError(f"{value!r} is not an https:// URL (http:// only on a loopback host)")


EndpointUrl = Annotated[str, AfterValidator(_endpoint_url)]


class OAuth2Config(_Frozen):
    """`[mailboxes.NAME.oauth2]`, used when the mailbox has `auth = "oauth2"`: who issues its
    tokens and how `outreach mailbox login` gets the first one. The refresh token is stored
    sealed in the database with the key in the environment variable `key_env`."""

    provider: Literal["google", "microsoft", "generic"]
    client_id: str = Field(min_length=1)
    client_secret_env: str = ""  # a public client (device flow, loopback + PKCE) has none
    tenant: str = "common"  # microsoft: common | organizations | a tenant id
    token_endpoint: EndpointUrl = ""  # generic: required; else the provider's
    device_authorization_endpoint: EndpointUrl = ""
    authorization_endpoint: EndpointUrl = ""
    scopes: tuple[str, ...] = ()  # empty: the provider's mail scopes
    flow: Literal["device", "loopback"] = "device"  # RFC 8628 | RFC 8252 (browser on this host)
    key_env: str = "OUTREACH_TOKEN_KEY"
    refresh_before_seconds: float = Field(default=300.0, ge=0)  # renew this long before expiry
    timeout: float = Field(default=30.0, gt=0)

    def _known(self, key: str) -> Any:
        return OAUTH2_PROVIDERS.get(self.provider, {}).get(key)

    def endpoint(self, key: str) -> str:
        """token_endpoint | device_authorization_endpoint | authorization_endpoint: as set,
        else the provider's ('' when neither)."""
        value = str(getattr(self, key) or self._known(key) or "")
        return value.replace("{tenant}", self.tenant)

    @property
    def scope(self) -> str:
        return " ".join(self.scopes or self._known("scopes") or ())

    @model_validator(mode="after")
    def _generic_endpoints(self) -> OAuth2Config:
        if self.provider == "generic":
            flow_key = "authorization_endpoint"
            if self.flow == "device":
                flow_key = "device_authorization_endpoint"
            for key in ("token_endpoint", flow_key):
                if not getattr(self, key):
                    raise ValueError(f'{key} is required when provider = "generic"')
            if not self.scopes:
                raise ValueError('scopes is required when provider = "generic"')
        return self


class MailboxConfig(_Frozen):
    from_address: Address
    from_name: str = ""
    from_name_ja: str = ""  # display name for Japanese templates (else from_name)
    reply_to: Address = ""
    message_id_domain: Domain = ""
    # A per-message signed envelope sender (VERP), e.g. "bounces+{token}@example.jp": a bounce
    # then names the exact message it is about, and a forged one cannot
    # (inbox.return_path_secret_env).
    return_path: str = ""
    smtp: SmtpConfig
    inbox: InboxSourceConfig = InboxSourceConfig()
    limits: LimitsConfig = LimitsConfig()
    # `outreach doctor`: the DKIM selectors the relay signs with, under dkim_domain (the d= of
    # its signatures; default the From domain).
    dkim_selectors: tuple[str, ...] = ()
    dkim_domain: Domain = ""
    # Where a copy of each accepted message is appended over IMAP (the inbox's server and login):
    # "auto" = the folder LIST marks \Sent (RFC 6154), none on Gmail, which saves SMTP-sent mail
    # itself; "off"; or a folder name.
    sent_folder: str = "auto"
    # "oauth2": SMTP and IMAP log in with SASL XOAUTH2/OAUTHBEARER and a token from [.oauth2]
    # (run `outreach mailbox login NAME` once); "password": smtp/inbox password_env.
    auth: Literal["password", "oauth2"] = "password"
    oauth2: OAuth2Config | None = None

    @field_validator("dkim_selectors")
    @classmethod
    def _selectors(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        for selector in v:
            if not re.fullmatch(r"[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*", selector):
                raise ValueError(f"{selector!r} is not a DKIM selector (letters, digits, - _ .)")
        return v

    @model_validator(mode="after")
    def _oauth2_settings(self) -> MailboxConfig:
        if self.auth == "oauth2" and self.oauth2 is None:
            raise ValueError(
                'auth = "oauth2" needs a [mailboxes.NAME.oauth2] table (provider, client_id)'
            )
        return self

    @property
    def login_user(self) -> str:
        """The account an OAuth2 token is for (SASL `user=`): smtp.username, else the From."""
        return self.smtp.username or self.from_address

    @model_validator(mode="after")
    def _sent_folder_needs_imap(self) -> MailboxConfig:
        if self.sent_folder not in ("auto", "off") and self.inbox.source != "imap":
            raise ValueError(
                f"sent_folder = {self.sent_folder!r} needs the mailbox's IMAP login: set "
                'inbox.source = "imap" (or sent_folder = "off")'
            )
        if not self.sent_folder.strip():
            raise ValueError('sent_folder is "auto", "off" or a folder name, not empty')
        return self

    @property
    def id_domain(self) -> str:
        return self.message_id_domain or self.from_address.rpartition("@")[2]

    @field_validator("return_path")
    @classmethod
    def _return_path(cls, v: str) -> str:
        if not v:
            return v
        local, at, domain = v.rpartition("@")
        if v.count("{token}") != 1 or "{token}" not in local:
            raise ValueError(
                "return_path must hold {token} once, before the @ (bounces+{token}@example.jp)"
            )
        # RFC 5321 4.5.3.1.1: a local part has at most 64 octets; the token takes 46.
        if (
            not at
            or not re.fullmatch(r"[A-Za-z0-9.+_=-]*", local.replace("{token}", ""))
            or not re.fullmatch(r"[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+", domain)
            or len(local) - 7 + 46 > 64
        ):
            raise ValueError(
                f"return_path {v!r} is not an address with at most 18 characters "
                "around {token} before the @"
            )
        return v


class WindowConfig(_Frozen):
    days: tuple[Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"], ...] = (
        "mon",
        "tue",
        "wed",
        "thu",
        "fri",
    )
    start: time = time(9, 0)
    end: time = time(18, 0)

    @model_validator(mode="after")
    def _order(self) -> WindowConfig:
        if self.end <= self.start:
            raise ValueError("window end must be after start")
        return self


class RetryConfig(_Frozen):
    max_attempts: int = Field(default=5, ge=1, le=50)
    first_backoff_seconds: float = Field(default=300.0, ge=0)
    max_backoff_seconds: float = Field(default=3600.0, ge=0)
    max_age_hours: float = Field(default=8.0, gt=0)


class CooldownConfig(_Frozen):
    """[sending.cooldown]: days before another campaign may pitch someone, by where their
    relationship with us stands (their latest state in any other campaign); a state left out
    uses `[sending] cooldown_days` from the last contact. Never mailed: no cooldown."""

    contacted: int | None = Field(default=None, ge=0)  # mailed, no answer (from the last mail)
    replied: int | None = Field(default=None, ge=0)  # in talks (from the reply)
    declined: int | None = Field(default=None, ge=0)  # said no (from the decline)
    contracted: int | None = Field(default=None, ge=0)  # deal agreed (from the agreement)
    posted: int | None = Field(default=None, ge=0)  # posted for us (from the post)


class SendingConfig(_Frozen):
    timezone: str = "Asia/Tokyo"
    window: WindowConfig = WindowConfig()
    holiday_country: str = "JP"
    observe_holidays: bool = True  # false: public holidays are ordinary days (demo, global teams)
    jitter_seconds: float = Field(default=120.0, ge=0)
    cooldown_days: int = Field(default=90, ge=0)
    cooldown: CooldownConfig = CooldownConfig()
    breaker_threshold: int = Field(default=3, ge=1)
    breaker_pause_minutes: float = Field(default=30.0, ge=0)
    lease_seconds: float = Field(default=300.0, gt=0)
    tick_seconds: float = Field(default=5.0, gt=0)
    batch_size: int = Field(default=100, ge=1)
    retry: RetryConfig = RetryConfig()
    iso2022jp_fallback: Literal["fail", "utf-8"] = "fail"
    to_manager: bool = False
    planner: Literal["process", "thread"] = "process"
    # Days the business is shut beyond public holidays, in each recipient's zone:
    # ["12-29..01-03", "08-13..08-16", "2026-12-24"]. Campaigns may add their own.
    closed: Closures = Closures()

    @field_validator("closed", mode="before")
    @classmethod
    def _closed(cls, v: Any) -> Closures:
        if isinstance(v, Closures):
            return v
        if not isinstance(v, list | tuple):
            raise ValueError('must be a list such as ["12-29..01-03", "08-13..08-16"]')
        return Closures.parse(v)

    @field_validator("timezone")
    @classmethod
    def _zone(cls, v: str) -> str:
        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(
                f"unknown timezone {v!r} (use an IANA name like 'Asia/Tokyo')"
            ) from exc
        return v


class TiersConfig(_Frozen):
    micro: int = 10_000
    macro: int = 100_000
    mega: int = 1_000_000

    @model_validator(mode="after")
    def _order(self) -> TiersConfig:
        if not 0 < self.micro < self.macro < self.mega:
            raise ValueError("tiers must satisfy 0 < micro < macro < mega")
        return self


class TrackingConfig(_Frozen):
    base_url: str = "https://example.jp/r"
    utm_source: str = "influencer"
    utm_medium: str = "email"


class UnsubscribeConfig(_Frozen):
    base_url: str = "https://example.jp/unsubscribe"
    mailto: Address = ""
    secret_env: str = "OUTREACH_UNSUBSCRIBE_SECRET"
    listen: str = "127.0.0.1:8780"
    serve: bool = False
    allowed_hosts: tuple[str, ...] = ()


class SentCopyConfig(_Frozen):
    """The job that appends accepted messages to their mailbox's Sent folder."""

    every_seconds: float = Field(default=60.0, gt=0)
    max_attempts: int = Field(default=8, ge=1, le=50)
    first_backoff_seconds: float = Field(default=60.0, ge=0)
    max_backoff_seconds: float = Field(default=3600.0, ge=0)
    batch_size: int = Field(default=200, ge=1)  # copies per mailbox per pass


class InboxConfig(_Frozen):
    poll_seconds: float = Field(default=60.0, gt=0)
    freshness_minutes: float = Field(default=30.0, gt=0)
    ooo_default_days: int = Field(default=7, ge=1)
    reply_stage: Literal["negotiating", "contracted", "paused"] = "negotiating"  # a Stage
    # Of each inbound message, the header block and this many bytes are read and stored.
    max_stored_bytes: int = Field(default=1 << 20, ge=16_384)
    # Authentication-Results (RFC 8601) are read only from these servers (their authserv-id):
    # anyone can write that header, only our receiving server's own stamp is evidence.
    trusted_authserv_ids: tuple[str, ...] = ()
    max_pause_days: int = Field(default=60, ge=1)  # an out-of-office pauses at most this long
    review_below: float | None = Field(
        default=None, ge=0, le=1
    )  # None: the classifier's REVIEW_BELOW
    soft_bounce_limit: int = Field(default=3, ge=1)  # this many transient bounces ...
    soft_bounce_days: float = Field(default=14, gt=0)  # ... within this many days suppress
    return_path_secret_env: str = "OUTREACH_RETURN_PATH_SECRET"  # signs mailboxes' return_path


class DoctorConfig(_Frozen):
    """`outreach doctor`: which DNS servers to ask ("" = the system resolver), how long to wait."""

    nameservers: tuple[str, ...] = ()  # "192.0.2.53" or "192.0.2.53:5353" or "[2001:db8::53]:53"
    timeout: float = Field(default=5.0, gt=0)
    ca_file: str = ""  # CA bundle for the one-click endpoint's certificate (a private CA)

    @field_validator("nameservers")
    @classmethod
    def _servers(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        for server in v:
            host, port = split_host_port(server, 53)
            try:
                ipaddress.ip_address(host)
            except ValueError:
                raise ValueError(
                    f"{server!r} is not an IP address with an optional :port"
                ) from None
            if not 0 < port < 65536:
                raise ValueError(f"{server!r}: port out of range")
        return v


def split_host_port(text: str, default_port: int) -> tuple[str, int]:
    """`host`, `host:port`, `[v6]` or `[v6]:port` -> (host, port); a bare IPv6 has no port."""
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        return host, int(rest[1:]) if rest.startswith(":") and rest[1:].isdigit() else default_port
    if text.count(":") == 1:
        host, _, port = text.partition(":")
        return host, int(port) if port.isdigit() else -1
    return text, default_port


class DigestConfig(_Frozen):
    """`[digest]`: a daily or weekly summary mail to the team (`outreach digest`, the daemon's
    digest job). Times are in the workspace display timezone."""

    to: tuple[Address, ...] = Field(min_length=1)
    every: Literal["daily", "weekly"] = "daily"
    at: str = Field(default="09:00", pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$")
    weekday: Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"] = "mon"
    mailbox: str = "main"
    template: str = "digest"  # templates/<template>.<report language>.j2
    attach_report: bool = True  # each live campaign's HTML report attached


class PipelineConfig(_Frozen):
    stale_days: int = Field(default=14, ge=1)


class SafetyConfig(_Frozen):
    redirect_all_to: Address = ""


class LintRuleConfig(_Frozen):
    severity: Literal["off", "warning", "error"] | None = None
    max_words: int | None = None
    max_chars_ja: int | None = None
    max_subject: int | None = None
    max_subject_ja: int | None = None
    max_links: int | None = None
    max_age_days: int | None = None
    line_width: int | None = None
    min_shared_chars: int | None = None
    intro_lines: int | None = None
    extra_phrases: tuple[str, ...] | None = None


class ImportPreset(_Frozen):
    """`[import.presets.NAME]`: how one source's sheets are read (`outreach import --preset`)."""

    map: dict[str, str] = Field(default_factory=dict)  # column header -> field, or "-"
    encoding: str = ""
    sheet: str = ""
    platform: str = ""  # for rows that name no platform (a list of one platform's accounts)


class ImportConfig(_Frozen):
    presets: dict[str, ImportPreset] = Field(default_factory=dict)


class Config(_Frozen):
    workspace: WorkspaceConfig = WorkspaceConfig()
    database: DatabaseConfig = DatabaseConfig()
    sender: SenderConfig
    mailboxes: dict[str, MailboxConfig]
    sending: SendingConfig = SendingConfig()
    tiers: TiersConfig = TiersConfig()
    tracking: TrackingConfig = TrackingConfig()
    unsubscribe: UnsubscribeConfig = UnsubscribeConfig()
    inbox: InboxConfig = InboxConfig()
    sent_copy: SentCopyConfig = SentCopyConfig()
    pipeline: PipelineConfig = PipelineConfig()
    safety: SafetyConfig = SafetyConfig()
    doctor: DoctorConfig = DoctorConfig()
    lint: dict[str, LintRuleConfig] = Field(default_factory=dict)
    import_: ImportConfig = Field(default=ImportConfig(), alias="import")
    digest: DigestConfig | None = None  # absent: no digest
    # Not from the file: where it was read, for resolving relative paths.
    base_dir: Path = Path(".")
    source: str = "<defaults>"

    @model_validator(mode="after")
    def _need_a_mailbox(self) -> Config:
        if not self.mailboxes:
            raise ValueError("at least one [mailboxes.NAME] section is required")
        return self

    def path(self, relative: str) -> Path:
        p = Path(relative)
        return p if p.is_absolute() else self.base_dir / p

    @property
    def display_timezone(self) -> str:
        """The zone people read times in: [workspace] display_timezone, else [sending] timezone."""
        return self.workspace.display_timezone or self.sending.timezone

    @property
    def templates_dir(self) -> Path:
        return self.path(self.workspace.templates)

    @property
    def sequences_dir(self) -> Path:
        return self.path(self.workspace.sequences)

    @property
    def campaigns_dir(self) -> Path:
        return self.path(self.workspace.campaigns)

    @property
    def database_url(self) -> str:
        """The URL with a relative SQLite path made absolute against the config's folder."""
        url = self.database.url
        prefix = "sqlite:///"
        if url.startswith(prefix) and not url.startswith(prefix + "/") and ":memory:" not in url:
            return prefix + str((self.base_dir / url[len(prefix) :]).resolve())
        return url

    def mailbox(self, name: str) -> MailboxConfig:
        try:
            return self.mailboxes[name]
        except KeyError:
            known = ", ".join(sorted(self.mailboxes))
            raise ConfigError(
                f"unknown mailbox {name!r}", file=self.source, hint=f"configured: {known}"
            ) from None

    def __repr__(self) -> str:  # never print secrets: there are none here, only env names
        return f"Config(source={self.source!r})"


def secret(env_name: str) -> str | None:
    """The value of the environment variable a config key names (never from the file)."""
    return os.environ.get(env_name) if env_name else None


UNSUBSCRIBE_KEY_MIN_BYTES = 32  # a shorter secret can be found by searching from one token


def unsubscribe_secret(config: Config) -> str | None:
    """The one-click token key from the environment (None when unset); ConfigError when short."""
    env = config.unsubscribe.secret_env
    key = secret(env)
    if key and len(key.encode("utf-8")) < UNSUBSCRIBE_KEY_MIN_BYTES:
        raise ConfigError(
            f"environment variable {env} is {len(key.encode('utf-8'))} bytes long; "
            f"at least {UNSUBSCRIBE_KEY_MIN_BYTES} are needed",
            file=config.source,
            field="unsubscribe.secret_env",
            hint="generate one: python -c 'import secrets; print(secrets.token_urlsafe(32))'; "
            "links in mail already sent stop working when it changes",
        )
    return key or None


def find_config_path(explicit: str | os.PathLike[str] | None) -> Path:
    if explicit:
        return Path(explicit)
    env = os.environ.get("OUTREACH_CONFIG")
    if env:
        return Path(env)
    return Path("config.toml")


def _env_overrides() -> dict[str, Any]:
    tree: dict[str, Any] = {}
    for key, value in os.environ.items():
        if not key.startswith(ENV_PREFIX) or key == "OUTREACH_CONFIG" or "__" not in key:
            continue
        parts = key[len(ENV_PREFIX) :].lower().split("__")
        node = tree
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return tree


def _merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for k, v in extra.items():
        out[k] = _merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


def _reject_secrets(node: Any, source: str, trail: tuple[str, ...] = ()) -> None:
    if isinstance(node, dict):
        for k, v in node.items():
            if _SECRET_KEYS.match(str(k)):
                key = ".".join((*trail, str(k)))
                raise ConfigError(
                    "secrets are never read from the file",
                    file=source,
                    field=key,
                    hint=f"put it in an environment variable and set {key}_env to its name",
                )
            _reject_secrets(v, source, (*trail, str(k)))


def _describe(err: dict[str, Any]) -> tuple[str, str]:
    key = ".".join(str(p) for p in err["loc"]) or "(top level)"
    kind = err["type"]
    if kind == "missing":
        return key, "required key is missing"
    if kind == "extra_forbidden":
        return key, "unknown key"
    msg = str(err["msg"]).removeprefix("Value error, ")
    given = err.get("input")
    if kind.endswith("_type") or kind.endswith("_parsing"):
        return key, f"{msg}, got {given!r}"
    return key, msg


def _from_environment(loc: tuple[Any, ...], env: dict[str, Any]) -> str | None:
    """The OUTREACH_* variable that set the value at `loc`, if one did."""
    node: Any = env
    for part in loc:
        if not isinstance(node, dict) or str(part) not in node:
            return None
        node = node[str(part)]
    return ENV_PREFIX + "__".join(str(p) for p in loc).upper()


def parse_config(data: dict[str, Any], *, source: str, base_dir: Path) -> Config:
    _reject_secrets(data, source)
    env = _env_overrides()
    merged = _merge(data, env)
    try:
        return Config.model_validate({**merged, "base_dir": base_dir, "source": source})
    except ValidationError as exc:
        first = exc.errors()[0]
        key, msg = _describe(dict(first))
        if (variable := _from_environment(tuple(first["loc"]), env)) is not None:
            key = f"{key} (set by environment variable {variable})"
        more = len(exc.errors()) - 1
        hint = f"and {more} more problem(s); see config.example.toml" if more else None
        raise ConfigError(msg, file=source, field=key, hint=hint) from None


def load_config(explicit: str | os.PathLike[str] | None = None) -> Config:
    path = find_config_path(explicit)
    if not path.exists():
        raise ConfigError(
            "config file not found",
            file=str(path),
            hint="run `outreach init` to create a workspace, or pass --config",
        )
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"not valid TOML: {exc}", file=str(path)) from None
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"not UTF-8 text (byte 0x{exc.object[exc.start]:02X} at offset {exc.start})",
            file=str(path),
            hint="save it as UTF-8",
        ) from None
    except RecursionError:
        raise ConfigError("not valid TOML: nested too deeply", file=str(path)) from None
    except ValueError:  # int() refuses over 4,300 digits (CVE-2020-10735)
        raise ConfigError(
            "not valid TOML: a number has more than 4,300 digits", file=str(path)
        ) from None
    except OSError as exc:
        raise ConfigError(f"cannot be read: {exc.strerror}", file=str(path)) from None
    return parse_config(data, source=str(path), base_dir=path.resolve().parent)
