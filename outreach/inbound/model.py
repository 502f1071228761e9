"""What the classifier returns: plain frozen values, no I/O, no store."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

BOUNCE = "bounce"
COMPLAINT = "complaint"
AUTO_REPLY = "auto_reply"
OPT_OUT = "opt_out"
DECLINE = "decline"
REPLY = "reply"

#: Every kind, in the order the checks run (a DSN also carries Auto-Submitted, so bounce first).
KINDS = (BOUNCE, COMPLAINT, AUTO_REPLY, OPT_OUT, DECLINE, REPLY)

#: Recorded instead of the classifier's kind: too unsure, or not tied to mail of ours, to act on.
NEEDS_REVIEW = "needs_review"
#: A success DSN: never a bounce; it resets the soft-bounce count.
DELIVERED = "delivered"

#: Human-reply intents (Classified.intent); interested and referral are kind `reply`.
INTERESTED = "interested"
REFERRAL = "referral"
#: Below this confidence a classification needs an operator's review before it acts.
REVIEW_BELOW = 0.6


@dataclass(frozen=True)
class Bounce:
    """One failed (or delayed) recipient from a delivery status notification."""

    status: str  # RFC 3463 enhanced status, e.g. "5.1.1"
    recipient: str  # normalised lower
    permanent: bool  # suppress this recipient: a recipient-side, permanent failure
    diagnostic: str
    reason: str = "undefined"  # Sisimai's vocabulary: userunknown, mailboxfull, blocked, ...
    sender_side: bool = False  # our fault or our reputation's: never suppresses the recipient


@dataclass(frozen=True)
class Classified:
    """An inbound message reduced to what the pipeline acts on."""

    kind: str
    message_id: str
    in_reply_to: str
    references: tuple[str, ...]
    from_addr: str
    subject: str
    text: str  # the reply's own text: quoted history and our footer removed
    returns_on: date | None
    bounce: Bounce | None
    original_message_id: str  # for DSN/ARF: Message-ID of OUR message quoted inside
    reasons: tuple[str, ...]
    original_recipient: str = ""  # for DSN/ARF: the address our message went to, if stated
    intent: str = ""  # human replies: interested, referral, decline, opt_out
    referred_to: str = ""  # a referral: the agency's or manager's address to write to instead
    confidence: float = 1.0  # 0..1; below the review threshold the message needs review

    @classmethod
    def unreadable(
        cls, kind: str, reason: str, *, message_id: str = "", in_reply_to: str = ""
    ) -> Classified:
        """What is known of a message the parsers could not read: a kind and why."""
        return cls(
            kind=kind,
            message_id=message_id,
            in_reply_to=in_reply_to,
            references=(),
            from_addr="",
            subject="",
            text="",
            returns_on=None,
            bounce=None,
            original_message_id="",
            reasons=(reason,),
        )
