"""What the lint works on (`Draft`: one rendered template for one influencer) and what it
reports (`LintFinding`). Rules take plain Drafts, so they are testable without rendering."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from outreach.domain.campaign import Campaign
from outreach.domain.influencer import Influencer, Post
from outreach.services.lint import text

Severity = Literal["warning", "error"]


@dataclass(frozen=True)
class LintFinding:
    """One problem: printed as `template:line: rule-id severity: message (hint)`."""

    template: str
    line: int
    rule: str
    severity: Severity
    message: str
    hint: str = ""

    def __str__(self) -> str:
        head = f"{self.template}:{self.line}: {self.rule} {self.severity}: {self.message}"
        return f"{head} ({self.hint})" if self.hint else head

    def as_dict(self) -> dict[str, Any]:
        return {
            "template": self.template,
            "line": self.line,
            "rule": self.rule,
            "severity": self.severity,
            "message": self.message,
            "hint": self.hint,
        }


@dataclass(frozen=True)
class Draft:
    """One template rendered for one influencer, with the source it came from."""

    template_name: str  # e.g. "templates/pitch.ja.j2": what findings print
    source_text: str  # the template file as written (front matter included)
    subject: str
    body_text: str  # the rendered text/plain body, footer included
    language: str  # ja | en
    influencer: Influencer
    posts: tuple[Post, ...] = ()
    step: int = 1  # 1 = the pitch; follow-ups are 2, 3, ...
    subject_line: int = 1  # file line of `subject = ...`
    sender: Mapping[str, str] = field(default_factory=dict)  # the template context's sender
    opt_out: tuple[str, ...] = ()  # the rendered unsubscribe URL and mailto address
    attachments: tuple[str, ...] = ()  # file names of attachment parts of the message
    now: datetime | None = None
    sent_subject: str = ""  # the subject that goes out ("Re: …" on a follow-up), when known
    campaign: Campaign | None = None  # what it was rendered with (names a field in hints)

    @property
    def source_lines(self) -> list[str]:
        return self.source_text.split("\n")

    @property
    def body_start_line(self) -> int:
        """File line where the body starts (after the front matter)."""
        return text.front_matter_height(self.source_text) + 1

    @property
    def main(self) -> str:
        """The body above the signature separator: what the influencer reads as the pitch."""
        return text.split_footer(self.body_text)[0]

    @property
    def footer(self) -> str:
        return text.split_footer(self.body_text)[1]

    @property
    def post_texts(self) -> tuple[str, ...]:
        """The influencer's own words that a template may quote (titles, captions, labels)."""
        out: list[str] = []
        for post in self.posts:
            out += [s for s in (post.label, post.title, post.caption, post.url) if s]
        return tuple(sorted(set(out), key=len, reverse=True))

    def own_text(self, part: str) -> str:
        """`part` without URLs and without the influencer's quoted post texts."""
        for quoted in self.post_texts:
            part = part.replace(quoted, " ")
        return text.URL.sub(" ", part)

    def line_of(self, rendered: str, default: int | None = None) -> int:
        """The template line that produced a piece of rendered text (best literal overlap)."""
        found = text.source_line_for(self.source_lines, rendered, self.body_start_line)
        if found is not None:
            return found
        return default if default is not None else self.body_start_line

    def line_of_rendered(self, rendered_line: str) -> int:
        """The template line of one line of the body (a footer line: the include's line)."""
        if self.footer and rendered_line in self.footer.split("\n"):
            return self.line_of_tag(r"\{%-?\s*include", default=len(self.source_lines))
        return self.line_of(rendered_line)

    def line_of_tag(self, pattern: str, default: int | None = None) -> int:
        """The first template line matching a regular expression (e.g. an include)."""
        found = text.first_line_matching(self.source_lines, pattern, self.body_start_line)
        if found is not None:
            return found
        return default if default is not None else self.body_start_line
