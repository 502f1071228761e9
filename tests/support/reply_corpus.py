"""The labelled human replies in tests/data/replies/: built into real mail, classified, scored.

Shared by tests/test_reply_intents.py and bench/reply_accuracy.py.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from email.header import Header
from email.utils import format_datetime, formataddr, getaddresses
from pathlib import Path
from typing import Any

from outreach.inbound import Classified, parse_and_classify
from outreach.inbound.model import REVIEW_BELOW

DATA = Path(__file__).resolve().parents[1] / "data" / "replies"
LABELLED = DATA / "replies.toml"
HELD_OUT = DATA / "heldout.toml"
#: Every set, the labelled ones first, then the held-out ones in the order they were written.
SETS = (
    LABELLED,
    DATA / "labelled2.toml",
    HELD_OUT,
    *(DATA / f"heldout{n}.toml" for n in range(2, 711)),
)
INTENTS = ("opt_out", "decline", "referral", "auto_reply", "interested")
JST = timezone(timedelta(hours=9))
OUR_ADDR = "hana@hanamilabs.jp"

_PITCH = {
    "ja": (
        "みな様\n\nはじめまして、はなみラボの桜井と申します。\n"
        "いつも素敵なご投稿を拝見しております。\n"
        "この度、新商品「桜ナイトセラム」のPR投稿をご相談できればと思いご連絡いたしました。\n"
        "どうぞよろしくお願いいたします。\n"
        "━━━━━━━━━━━━━━━━━━━━\n株式会社はなみラボ\n桜井 はな\n"
        "東京都渋谷区神宮前1-2-3\nお問い合わせ：hana@hanamilabs.jp\n\n"
        "今後このようなご案内が不要でしたら、\n"
        "お手数ですが下記から配信停止をお申し付けください。\n"
        "配信停止：https://hanamilabs.jp/u/Zx81kQ\n"
        "（このメールに「配信停止」とご返信いただいても承ります）"
    ),
    "en": (
        "Hi Milo,\n\nI'm Hana from Hanami Labs. We loved your recent night-routine video and\n"
        "would like to send you our Sakura Night Serum for a paid post.\n\nBest,\n"
        "--\nHana Sakurai, Hanami Labs\n1-2-3 Jingumae, Shibuya, Tokyo\n"
        "Questions: hana@hanamilabs.jp\n\n"
        "If you would rather not hear from us again, you can opt out at any time:\n"
        'https://hanamilabs.jp/u/Zx81kQ (or simply reply "unsubscribe").'
    ),
}


@dataclass(frozen=True)
class Case:
    """One labelled reply."""

    id: str
    lang: str
    subject: str
    body: str
    intent: str
    quote: str = "none"
    sender: str = ""
    received: date = date(2026, 12, 7)
    headers: dict[str, str] = field(default_factory=dict)
    referred_to: str = ""
    returns_on: date | None = None
    note: str = ""

    def raw(self) -> bytes:
        """The reply as a real message, with our pitch and footer quoted the way `quote` says.

        Written out by hand rather than with `EmailMessage`, whose header objects cost a third
        of the time the suite spends on these sets: RFC 2047 words for non-ASCII headers, the
        body as 8bit UTF-8 (as an 8BITMIME server delivers it)."""
        sent = datetime(
            self.received.year, self.received.month, self.received.day, 10, 0, tzinfo=JST
        )
        headers = [
            ("From", self.sender),
            ("To", f"Hana Sakurai <{OUR_ADDR}>"),
            ("Subject", self.subject),
            ("Date", format_datetime(sent)),
            ("Message-ID", f"<{self.id}@replies.example>"),
            ("In-Reply-To", "<pitch-1@hanamilabs.jp>"),
            *self.headers.items(),
        ]
        body = self.body.strip("\n") + self._quoted() + "\n"
        lines = [f"{name}: {_header_value(name, value)}" for name, value in headers]
        lines += [
            'Content-Type: text/plain; charset="utf-8"',
            f"Content-Transfer-Encoding: {'7bit' if body.isascii() else '8bit'}",
            "MIME-Version: 1.0",
            "",
            body,
        ]
        return "\n".join(lines).encode("utf-8")

    def _quoted(self) -> str:
        """Our pitch below the reply, quoted the way `quote` says."""
        pitch = _PITCH[self.lang]
        if self.quote == "gmail":
            return (
                f"\n\nOn Tue, Dec 1, 2026 at 10:00 AM Hana Sakurai <{OUR_ADDR}> wrote:\n"
                + "\n".join("> " + line for line in pitch.split("\n"))
            )
        if self.quote == "ja":
            return f"\n\n2026年12月1日(火) 10:00 桜井 はな <{OUR_ADDR}>:\n" + "\n".join(
                "> " + line for line in pitch.split("\n")
            )
        if self.quote == "outlook":
            head = (
                "差出人: 桜井 はな <{a}>\n送信日時: 2026年12月1日 10:00\n宛先: {to}\n件名: {s}"
                if self.lang == "ja"
                else "From: Hana Sakurai <{a}>\nSent: Tuesday, December 1, 2026 10:00 AM\n"
                "To: {to}\nSubject: {s}"
            )
            return (
                "\n\n________________________________\n"
                + head.format(a=OUR_ADDR, to=self.sender, s=self.subject.removeprefix("Re: "))
                + "\n\n"
                + pitch
            )
        if self.quote == "plain":  # pasted below with no attribution line and no "> "
            return "\n\n" + pitch
        if self.quote != "none":
            raise ValueError(f"{self.id}: quote: unknown style {self.quote!r}")
        return ""


def _header_value(name: str, value: str) -> str:
    """A header value as it travels: RFC 2047 encoded words where it is not ASCII (in an
    address header, the display names only)."""
    if value.isascii():
        return value
    if name.lower() in ("from", "to", "cc", "reply-to", "sender"):
        return ", ".join(formataddr(pair, "utf-8") for pair in getaddresses([value]))
    return Header(value, "utf-8").encode()


def load(path: Path) -> list[Case]:
    """The cases of one fixture file."""
    with path.open("rb") as fh:
        rows: list[dict[str, Any]] = tomllib.load(fh)["reply"]
    cases = []
    for row in rows:
        lang = row["lang"]
        default_from = "mina.beauty@example.jp" if lang == "ja" else "milo@example.com"
        back = row.get("returns_on") or ""
        cases.append(
            Case(
                id=row["id"],
                lang=lang,
                subject=row["subject"],
                body=row["body"],
                intent=row["intent"],
                quote=row.get("quote", "none"),
                sender=row.get("from", default_from),
                received=_day(row.get("received", "2026-12-07")),
                headers=dict(row.get("headers", {})),
                referred_to=row.get("referred_to", ""),
                returns_on=_day(back) if back else None,
                note=row.get("note", ""),
            )
        )
    return cases


def _day(value: str | date) -> date:
    """A TOML date, written bare (2026-12-07) or quoted ("2026-12-07")."""
    return value if isinstance(value, date) else date.fromisoformat(value)


def predicted_intent(found: Classified) -> str:
    """The intent the classifier gave a human reply; auto_reply for an automatic one."""
    return "auto_reply" if found.kind == "auto_reply" else (found.intent or found.kind)


@dataclass
class Score:
    """Precision and recall per intent, and the figures the targets name."""

    n: int = 0
    confusion: dict[tuple[str, str], int] = field(default_factory=dict)
    referral_right: int = 0
    referral_total: int = 0
    return_right: int = 0
    return_total: int = 0
    review: int = 0
    misses: list[str] = field(default_factory=list)

    def add(self, case: Case, found: Classified) -> None:
        got = predicted_intent(found)
        self.n += 1
        self.confusion[(case.intent, got)] = self.confusion.get((case.intent, got), 0) + 1
        self.review += found.confidence < REVIEW_BELOW
        wrong = []
        if got != case.intent:
            wrong.append(f"intent {got}")
        if case.intent == "referral":
            self.referral_total += 1
            if got == "referral" and found.referred_to == case.referred_to:
                self.referral_right += 1
            elif got == "referral":
                wrong.append(f"referred_to {found.referred_to!r} not {case.referred_to!r}")
        if case.intent == "auto_reply" and case.returns_on is not None:
            self.return_total += 1
            if found.returns_on == case.returns_on:
                self.return_right += 1
            else:
                wrong.append(f"returns_on {found.returns_on} not {case.returns_on}")
        if wrong:
            self.misses.append(
                f"{case.id} ({case.intent}): "
                + "; ".join(wrong)
                + f" [confidence {found.confidence:.2f}]"
            )

    def counts(self, intent: str) -> tuple[int, int, int]:
        """(true positives, labelled as intent, predicted as intent)."""
        tp = self.confusion.get((intent, intent), 0)
        labelled = sum(n for (want, _), n in self.confusion.items() if want == intent)
        predicted = sum(n for (_, got), n in self.confusion.items() if got == intent)
        return tp, labelled, predicted

    def recall(self, intent: str) -> float:
        tp, labelled, _ = self.counts(intent)
        return tp / labelled if labelled else 1.0

    def precision(self, intent: str) -> float:
        tp, _, predicted = self.counts(intent)
        return tp / predicted if predicted else 1.0

    def interested_as(self, intent: str) -> int:
        """Interested replies read as `intent` (the targets allow none as opt_out or decline)."""
        return self.confusion.get(("interested", intent), 0)

    def table(self, title: str) -> str:
        lines = [
            f"{title}: {self.n} replies",
            f"{'intent':<12} {'labelled':>8} {'precision':>10} {'recall':>8}",
        ]
        for intent in INTENTS:
            tp, labelled, predicted = self.counts(intent)
            lines.append(
                f"{intent:<12} {labelled:>8} {tp:>4}/{predicted:<4}"
                f" {100 * self.precision(intent):>4.0f}%"
                f" {tp:>3}/{labelled:<3} {100 * self.recall(intent):>3.0f}%"
            )
        lines.append(
            f"referrals with the right address: {self.referral_right}/{self.referral_total}"
        )
        lines.append(
            f"out-of-office with the stated return date: {self.return_right}/{self.return_total}"
        )
        lines.append(
            f"interested read as opt_out: {self.interested_as('opt_out')}, as decline: "
            f"{self.interested_as('decline')}; below review threshold: {self.review}"
        )
        lines += [f"  miss {m}" for m in self.misses]
        return "\n".join(lines)


def score(cases: Iterable[Case]) -> Score:
    """Classify every case as raw mail and score it."""
    result = Score()
    for case in cases:
        result.add(case, parse_and_classify(case.raw()))
    return result
