"""The error tree. `UserError`s print as `file:line: field: message (hint)` without a traceback."""

from __future__ import annotations

from dataclasses import dataclass, field


class OutreachError(Exception):
    """Base of every error this package raises on purpose."""


class UserError(OutreachError):
    """Something the user can fix: bad input, bad config, an illegal request."""

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        field: str | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.file = file
        self.line = line
        self.field = field
        self.hint = hint

    def location(self) -> str:
        parts = []
        if self.file:
            parts.append(self.file if self.line is None else f"{self.file}:{self.line}")
        if self.field:
            parts.append(self.field)
        return ": ".join(parts)

    def __str__(self) -> str:
        loc = self.location()
        text = f"{loc}: {self.message}" if loc else self.message
        return f"{text} ({self.hint})" if self.hint else text


class ConfigError(UserError):
    """config.toml or the environment is wrong."""


class InputError(UserError):
    """A file the user gave (roster, campaign, sequence, template) is wrong."""


@dataclass
class RowError:
    """One bad row of an import: printed as `file:line: field: reason`."""

    file: str
    line: int
    field: str
    reason: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.field}: {self.reason}"


@dataclass
class ImportRejected(OutreachError):
    """An all-or-nothing import found bad rows; nothing was written."""

    errors: list[RowError] = field(default_factory=list)

    def __str__(self) -> str:
        return "\n".join(str(e) for e in self.errors)


class RenderError(UserError):
    """A template failed for one influencer: `template:line: message (influencer @handle)`."""

    def __init__(self, message: str, *, template: str, line: int | None, handle: str | None):
        super().__init__(message, file=template, line=line)
        self.template = template
        self.handle = handle

    def __str__(self) -> str:
        base = super().__str__()
        return f"{base} (influencer @{self.handle})" if self.handle else base


class StageError(UserError):
    """An illegal pipeline move; the message lists the legal ones."""


class SchemaOutOfDate(UserError):
    """The database has pending migrations."""
