"""Why a delivery failed, in Sisimai's reason vocabulary, and whose side the failure is on.

The vocabulary and the idea of reading the reason from the diagnostic text follow Sisimai, the
reference bounce parser (https://libsisimai.org/en/reason/). The tables here are data: a new
wording is one more pattern under its reason, never a new code path.

Longer than 400 lines on purpose: most of it is the pattern tables, one block per reason.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: Every reason a bounce can carry (Sisimai's list, https://libsisimai.org/en/reason/).
REASONS = frozenset(
    {
        "authfailure",
        "badreputation",
        "blocked",
        "contenterror",
        "delivered",
        "exceedlimit",
        "expired",
        "feedback",
        "filtered",
        "hasmoved",
        "hostunknown",
        "mailboxfull",
        "mailererror",
        "mesgtoobig",
        "networkerror",
        "norelaying",
        "notaccept",
        "notcompliantrfc",
        "onhold",
        "policyviolation",
        "rejected",
        "requireptr",
        "securityerror",
        "spamdetected",
        "speeding",
        "suspend",
        "syntaxerror",
        "systemerror",
        "systemfull",
        "toomanyconn",
        "undefined",
        "userunknown",
        "vacation",
        "virusdetected",
    }
)

#: The address itself is gone or refuses mail for good: a 5xx for these suppresses it.
RECIPIENT_PERMANENT = frozenset(
    {
        "userunknown",
        "hostunknown",
        "hasmoved",
        "notaccept",
        "suspend",
        "filtered",
    }
)

#: Our fault or our reputation's (authentication, content, sending IP, rate, envelope sender):
#: the influencer's address is fine, so these never suppress it; they count against the mailbox.
SENDER_SIDE = frozenset(
    {
        "authfailure",
        "badreputation",
        "blocked",
        "contenterror",
        "norelaying",
        "notcompliantrfc",
        "policyviolation",
        "rejected",
        "requireptr",
        "securityerror",
        "spamdetected",
        "speeding",
        "toomanyconn",
        "virusdetected",
    }
)

#: RFC 3464 actions that report success, and Postfix's `deliverable` (the answer to an address
#: verification request, `sendmail -bv`, http://www.postfix.org/ADDRESS_VERIFICATION_README.html).
SUCCESS_ACTIONS = frozenset({"delivered", "relayed", "expanded", "deliverable"})

#: What a sender-side failure says about our own sending, for the operator.
SENDER_SIDE_HINT: dict[str, str] = {
    "authfailure": "our SPF/DKIM/DMARC authentication failed at the receiver",
    "requireptr": "our sending IP has no valid reverse DNS (PTR)",
    "blocked": "our sending IP or domain is blocked (blocklist or reputation)",
    "badreputation": "our sending IP or domain has a poor reputation",
    "spamdetected": "our message was judged to be spam",
    "virusdetected": "our message was judged to carry malware",
    "policyviolation": "the receiver's policy refused our message",
    "contenterror": "our message's format was refused",
    "notcompliantrfc": "our message is not RFC 5322 compliant",
    "rejected": "our envelope sender address was refused",
    "norelaying": "the relay refused to pass our message on",
    "securityerror": "our connection or authentication was refused",
    "speeding": "we sent too fast for the receiver",
    "toomanyconn": "we opened too many connections or recipients at once",
}

#: Reasons read from an enhanced status code (RFC 3463, RFC 7372, IANA's SMTP enhanced status
#: code registry). The class digit is ignored unless a key starts with it.
STATUS_REASONS: dict[str, str] = {
    "2.": "delivered",
    "x.1.0": "userunknown",
    "x.1.1": "userunknown",
    "x.1.3": "userunknown",
    "x.1.2": "hostunknown",
    "x.1.4": "filtered",
    "x.1.6": "hasmoved",
    "x.1.7": "rejected",
    "x.1.8": "rejected",
    "x.1.9": "systemerror",
    "x.1.10": "notaccept",
    "4.2.1": "suspend",
    "5.2.1": "filtered",
    "5.2.0": "filtered",
    "x.2.2": "mailboxfull",
    "x.2.3": "exceedlimit",
    "x.2.4": "filtered",
    "5.3.0": "systemerror",
    "x.3.1": "systemfull",
    "x.3.2": "notaccept",
    "x.3.3": "systemerror",
    "x.3.4": "mesgtoobig",
    "x.3.5": "systemerror",
    "5.4.0": "networkerror",
    "x.4.1": "expired",
    "x.4.2": "networkerror",
    "x.4.3": "systemerror",
    "5.4.4": "hostunknown",
    "4.4.4": "networkerror",
    "x.4.5": "systemfull",
    "x.4.6": "networkerror",
    "x.4.7": "expired",
    "x.4.8": "networkerror",
    "x.5.3": "toomanyconn",
    "x.5.4": "systemerror",
    "x.5.5": "systemerror",
    "x.5.2": "syntaxerror",
    "x.5.6": "syntaxerror",
    "x.6.": "contenterror",
    "4.7.1": "blocked",
    "4.7.2": "blocked",
    "5.7.": "securityerror",
    "4.7.": "securityerror",
    "x.7.13": "suspend",
    "x.7.16": "mesgtoobig",
    "x.7.17": "hasmoved",
    "x.7.18": "hasmoved",
    "x.7.20": "authfailure",
    "x.7.21": "authfailure",
    "x.7.22": "authfailure",
    "x.7.23": "authfailure",
    "x.7.24": "authfailure",
    "x.7.25": "requireptr",
    "x.7.26": "authfailure",
    "x.7.27": "notaccept",
    "x.7.28": "spamdetected",
    "x.7.29": "authfailure",
}

#: A status-code reason that the diagnostic's wording may refine (the code is generic or used
#: loosely by many servers, as Sisimai's Reason->retry list notes).
REFINABLE = frozenset(
    {
        "undefined",
        "onhold",
        "systemerror",
        "securityerror",
        "expired",
        "suspend",
        "networkerror",
        "hostunknown",
        "userunknown",
        "filtered",
        "blocked",
        "notaccept",
        # qmail-style servers put x.7.17 (mailbox owner changed) on plain unknown users.
        "hasmoved",
    }
)

#: A status-code reason that only the named wordings may refine: servers put x.2.3 (message
#: longer than the limit) on quota failures too, but "message too large" under x.2.3 stays
#: Sisimai's exceedlimit.
REFINABLE_TO: dict[str, frozenset[str]] = {"exceedlimit": frozenset({"mailboxfull"})}

# Phrases per reason, as regular expressions over lower-cased text with runs of white space
# made single spaces. Checked in this order: the first reason with a match wins, so narrower
# reasons (a full mailbox that also says "rejected") come before broader ones.
PHRASES: dict[str, tuple[str, ...]] = {
    "mailboxfull": (
        r"mailbox (?:is )?full",
        r"full mailbox",
        r"mail ?box (?:has )?exceeded",
        r"over ?quota",
        r"quota (?:exceeded|violation|usage exceeded)",
        r"exceed(?:ed|ing|s)? (?:the |their |its )?"
        r"(?:mailbox |storage |disk )?(?:quota|storage allocation|disk space)",
        r"(?:insufficient|not (?:enough|sufficient)) (?:disk|storage) space",
        r"not enough storage space",
        r"disk ?(?:space )?quota",
        r"overdrawn (?:his|her|their|its|the) ",
        r"mailfolder is full",
        r"mailbox size limit",
        r"would exceed maximum allowed storage",
        r"space has been used up",
        r"too much mail data",
        r"user has too many messages",
        r"no space left",
        r"does not have enough space",
        r"boite du destinataire pleine",
        r"mailbox is over",
        r"mailbox exceeds",
        r"メールボックスが(?:一杯|いっぱい|満杯)",
        r"容量(?:オーバー|超過|制限)",
    ),
    "mesgtoobig": (
        r"message (?:is )?too (?:big|large) for",
        r"message too big",
        r"message size exceeds",
        r"message length exceeds administrative limit",
        r"max(?:imum)? message size exceeded",
        r"exceeded maximum inbound message size",
        r"message file too big",
        r"size limit",
        r"taille limite du message",
        r"line limit exceeded",
    ),
    "exceedlimit": (r"message header size exceeds limit", r"message too large"),
    "suspend": (
        r"(?:account|mailbox|user|address) (?:is |has been )?(?:currently |temporarily )?"
        r"(?:suspended|disabled|deactivated|frozen|locked|inactive|terminated|archived)",
        r"is (?:a )?(?:deactivated|disabled|inactive) (?:mailbox|account|user)",
        r"(?:inactive|archived|disabled) (?:account|recipient|user|mailbox)",
        r"account (?:has been )?disabled or discontinued",
        r"temporar(?:y|ily) (?:locked|inactive)",
        r"email account that you tried to reach is disabled",
        r"user suspended",
        r"recipient suspend",
        r"no longer accepts mail",
        r"account is locked",
        r"boite du destinataire archivee",
        r"recipient(?:'s)? account is blocked",
        r"compte du destinataire est bloque",
        r"mailbox currently suspended",
    ),
    "hasmoved": (r"has been replaced by", r"mailbox has moved", r"\bnot our (?:user|customer)\b"),
    "norelaying": (
        r"relay(?:ing)? (?:access )?(?:denied|not permitted|prohibited)",
        r"no relaying",
        r"unable to relay",
        r"not (?:allowed|permitted|configured) to relay",
        r"as a relay",
        r"relaying mail to .* is not allowed",
        r"not an open relay",
        r"open relay",
        r"email address is not verified",
        r"we do(?: not|n'?t) handle mail for",
        r"not a gateway",
        r"isn'?t in my list of allowed rcpthosts",
    ),
    "authfailure": (
        r"\bdmarc\b",
        r"\bspf\b.{0,40}\b(?:fail|failed|failure|violation|check)",
        r"(?:fail(?:s|ed)?|failure|violation) .{0,30}\bspf\b",
        r"bad spf records",
        r"per its? ?'?s? spf record",
        r"inspect your spf settings",
        r"sender policy framework",
        r"spf\.pobox\.com",
        r"\bdkim\b.{0,30}(?:fail|invalid|missing)",
        r"no (?:passing|valid|acceptable) dkim",
        r"unauthenticated email",
        r"does not have authentication information",
        r"authentication information",
    ),
    "requireptr": (
        r"\bptr\b",
        r"reverse dns",
        r"reverse lookup",
        r"rdns",
        r"ip name lookup failed",
        r"cannot find your hostname",
        r"forward dns entry does not point",
        r"unresolvable relay host name",
        r"generic dns",
        r"mismatches client ip",
    ),
    "notcompliantrfc": (
        r"not rfc ?5322 compliant",
        r"rfcmessagenoncompliant",
        r"multiple (?:from|subject|to|date)"
        r" headers",
        r"with multiple addresses in from",
        r"multiple addresses in from: header",
    ),
    "badreputation": (
        r"\breputation\b",
        r"unexpected volume or user complaints",
    ),
    "spamdetected": (
        # "If you are not a spammer, ask to be delisted" is a blocklist's footer, not a verdict.
        r"(?<!not a )\bspam(?:ming|mer|my)?\b(?!haus|cop)",
        r"spam ?(?:profiler|filter|assassin|score)",
        r"unsolicited",
        r"\bube\b",
        r"message content rejected",
        r"content filter rejection",
        r"rejected because of unacceptable content",
        r"reject, id=",
        r"bulk e-?mail",
        r"junk ?mail",
        r"迷惑メール",
    ),
    "virusdetected": (
        r"\bvirus",
        r"malware",
        r"potentially executable attachment",
        r"infected",
        r"mcspamsignature",
    ),
    "policyviolation": (
        r"polic(?:y|ies) (?:reasons|violation)",
        r"(?:local|security|organi[sz]ation(?:al)?) "
        r"polic(?:y|ies)",
        r"denied by policy",
        r"rejected for policy",
        r"protocol violation",
        r"not accepted for policy",
        r"members-only list",
        r"closed mailing list",
        r"content presents a potential",
        r"illegal attachment",
        r"organizational settings",
        r"header error",
        r"not subscribed to this group",
        r"mass mailer",
    ),
    "speeding": (
        r"rate limit(?:ed|ing)?\b",
        r"try again slower",
        r"sending rate",
        r"at a rate that",
        r"too (?:much|many) (?:mail|messages) (?:from|sent)",
    ),
    "toomanyconn": (
        r"too many (?:connections|concurrent|smtp sessions|errors from your ip|recipients)",
        r"connection (?:rate|frequency) limit",
        r"connection limit",
        r"max emails per hour",
        r"throttling failure",
        r"trop de connexions",
        r"numerous attempts",
    ),
    "rejected": (
        r"sender (?:address )?(?:rejected|denied|blacklisted|not allowed|invalid)",
        r"invalid sender",
        r"domain of sender address",
        r"sender domain (?:must exist|not)",
        r"bogus mail from",
        r"null sender",
        r"empty envelope sender",
        r"purported responsible address",
        r"registered gateway user",
        r"mail from not owned",
        r"(?:sending|send) (?:to|from)/?(?:from)? an address that has been blacklisted",
        r"address that has been blacklisted",
        r"batv",
        r"no third-party dsns",
        r"(?:from|sender):? domain is invalid",
        r"emetteur invalide",
        r"senderfilterconfig",
        r"list of senders to accept mail from",
        r"returned mail not accepted",
        r"after mail from",
        r"in reply to mail from",
        # Google Groups: the group does not exist or takes no posts from our address; its
        # notice is translated, its help link is not.
        r"groups\.google\.com/support",
        r"'send mail as' (?:feature|account)",
    ),
    "userunknown": (
        r"(?:user|recipient|mailbox|address|account|addressee)(?: name)? (?:is )?"
        r"(?:unknown|not found|not known|does not exist|doesn'?t exist|not exist|invalid|"
        r"unavailable|not valid)",
        r"unknown (?:user|recipient|mailbox|address|local ?part|e-?mail address)",
        r"invalid (?:recipient|mailbox|address|user)",
        r"no such (?:user|mailbox|recipient|"
        r"address|person|account)",
        r"(?:account|address|user|mailbox) .{0,60} does not exist",
        r"not a (?:valid|known) (?:user|recipient|mailbox)",
        r"is not a known user",
        r"no (?:mailbox|account) (?:by that name|here|found)",
        r"no mail ?box available",
        r"bad_recipient",
        r"not an active address",
        r"rcpt <[^>]*> does not exist",
        # "550 <taro@example.jp> Rejected": the address itself refused (the reply code is
        # already stripped here, and a sender's address says so before it).
        r"(?:^|; )<?[a-z0-9._%+-]+@[a-z0-9.-]+>?\.{0,3} rejected\b",
        r"bad (?:destination )?"
        r"(?:recipient|address|mailbox)",
        r"non-?existent (?:user|mailbox|address)",
        r"no one at this address",
        r"not listed in",
        r"recipient not ok",
        r"mailbox not present",
        r"address not present",
        r"not a local address",
        # Postfix's generic prefix counts only when no reason follows it; the words after it
        # decide otherwise ("...: Delivery not authorized" is a security error). Microsoft's
        # "Recipient address rejected: Access denied" is its directory saying no such user.
        r"recipient (?:address )?rejected(?!:? ?[a-z])",
        r"recipient address rejected: access denied",
        r"check if (?:the )?(?:recipient'?s? )?address is correct",
        r"badrcptto",
        r"validrcptto",
        r"utilisateur inconnu",
        r"nessun utente",
        r"no existe",
        r"destination addresses? (?:was|were)"
        r" unknown",
        r"the email account that you tried to reach does not exist",
        r"user missing home directory",
        r"user not active",
        r"no valid recipients",
        r"doesn'?t have an? \S+ account",
        r"invalid (?:final delivery )?userid",
        r"resolver\.adr\.recipientnotfound",
        r"ディレクトリ(?:のリスト)?(?:には|に)?(?:見つかりません|ありません)",
        r"address (?:couldn'?t|could not|cannot|can not) be found",
        r"address not found",
        r"address is (?:possibly |probably )?(?:incorrect|wrong)",
        r"unknown or illegal alias",
        r"no such local user",
        r"invalid destination",
        r"is not a valid (?:e-?mail )?address",
        r"address (?:is )?no longer (?:valid|in use|active)",
        r"n'existe pas",
        r"does not have a final e-?mail delivery point",
        r"(?:benutzer|empfänger|empfaenger) (?:ist )?(?:unbekannt|existiert nicht)",
        r"unbekannte[rn]? (?:empfänger|empfaenger|benutzer)",
        r"destinataire inconnu",
        r"宛先不明",
        r"存在しない(?:ユーザ|アカウント|宛先)",
        r"アカウントが存在しません",
        r"宛先(?:の)?(?:メールアドレス|アドレス)が(?:見つかりません|存在しません)",
        r"(?:存在しない|不明な)(?:メール)?アドレス",
        r"該当する(?:ユーザ|アドレス)",
    ),
    "filtered": (
        r"refused due to recipient preferences",
        r"user refuses to receive",
        r"recipient is only accepting mail from",
        r"blocked by the recipient",
        r"message filtered",
        r"user reject",
        r"due to user rules",
        r"is not accepting any mail",
        r"refuse to receive mail",
        r"domain filter",
        r"受信拒否",
    ),
    "hostunknown": (
        r"host (?:or domain name )?(?:unknown|not found(?!, try again)|unreachable)",
        r"(?<![@\w.-])(?:[a-z0-9-]+\.)+[a-z]{2,}>? does not exist",
        r"host (?:[a-z0-9-]+\.)+[a-z]{2,} not found(?!, try again)",
        r"mail domain mentioned in email address is unknown",
        r"unknown host",
        r"domain (?:does not exist|must exist|is not reachable|not found)",
        r"no such domain",
        r"unknown domain",
        r"unroutea?ble address",
        r"name or service not known",
        r"couldn'?t find any host named",
        r"domain name not found",
        r"account or domain may not exist",
    ),
    "notaccept": (
        r"null ?mx",
        r"does not accept mail",
        r"doesn'?t receive email",
        r"no mx (?:record )?found",
        r"no mx record",
        r"type=mx: host not found",
        # AOL's outbound relay says this of a domain with no usable MX, not of a flaky name
        # server (Sisimai's Lhost/Aol.pm reads it the same way).
        r"x-outbound-mail-relay; name service error.{0,80}type=mx: malformed",
        r"no smtp service",
        r"couldn'?t find a mail exchanger",
        r"mail receiving disabled",
        r"not accepting (?:network )?messages",
    ),
    "expired": (
        r"(?:delivery|message) (?:time )?expired",
        r"retry timeout exceeded",
        r"giving up",
        r"failing for a long time",
        r"in the queue too long",
        r"timed out",
        r"could not be delivered for (?:more than )?\d+ days",
        r"cannot send message for",
        r"after multiple retries",
        r"delivery attempts will continue",
        r"has been delayed",
        r"failed \d+ attempts",
        r"within the allowed queue period",
        r"server did not respond",
        r"not been collected",
        r"was not delivered within",
        r"aborted after \d",
        r"did not accept our requests? to connect",
    ),
    "blocked": (
        r"blacklisted",
        r"block ?list(?:ed)?",
        r"black ?list(?:ed)?",
        r"blocked (?:using|by|ip|for)",
        r"\bdnsbl\b",
        r"\brbl\b",
        r"spamhaus",
        r"spamcop",
        r"client host (?:\[[^\]]*\] )?"
        r"(?:rejected|blocked)",
        r"(?:sender |source |sending )?ip (?:address )?(?:is )?"
        r"(?:blocked|rejected|banned|bloquee)",
        r"banned sending ip",
        r"access denied",
        r"not accepting connections",
        r"connection (?:was )?(?:refused|dropped|reset)",
        r"go away",
        r"service (?:refused|refuse)",
        r"after initial connection",
        r"helo command rejected",
        r"dynamic ip",
        r"not currently accepting mail from your ip",
        r"refused - see",
        r"blocked - see",
        r"\(bl\)",
        r"refused to talk to me",
        r"invalid ip for sending",
        r"messages from \[?[\d.:a-f]+\]? (?:weren'?t|were not) sent",
        r"unwanted messages",
    ),
    "contenterror": (
        r"improper use of 8-bit data",
        r"headers? too large",
        r"header size exceeds",
        r"duplicate header",
        r"invalid mime",
        r"mime complexity",
        r"binary content",
        r"too many received: headers",
    ),
    "securityerror": (
        r"authentication (?:required|failure|failed|credentials)",
        r"unauthenticated senders",
        r"starttls is required",
        r"tls required",
        r"insecure mail relay",
        r"not authorized to send",
        r"verification failure",
        r"ses:sendrawemail",
    ),
    "systemfull": (r"mail system full", r"system (?:is )?full"),
    "systemerror": (
        r"local (?:configuration )?error",
        r"configuration error",
        r"service (?:currently )?"
        r"unavailable",
        r"internal (?:server |system )?error",
        r"transaction failed",
        r"temporary local problem",
        r"could not load drd",
        r"would create a mail loop",
        r"loops back to myself",
        r"queue file write error",
        r"system config error",
        # Lotus Domino: the name matches more than one person in its directory.
        r"several matches found",
        r"misconfigured",
        r"interrupted system call",
        r"timeout waiting for input",
        r"error while being processed",
    ),
    "networkerror": (
        r"routing loop",
        r"hop count exceeded",
        r"too many hops",
        r"no route to host",
        r"host (?:is )?unreachable",
        r"name service error",
        r"host name lookup failure",
        r"host not found, try again",
        r"dns (?:error|query failed|lookup)",
        r"message looping",
        r"forwarding loop",
        r"unable to resolve route",
        r"unroutea?ble (?:mail )?domain",
        r"could not connect",
        r"mail loop",
        # The receiver's name server answered garbage: it may answer properly next time.
        r"malformed (?:or unexpected )?name server reply",
        r"network error",
        r"(?:unable|wasn'?t able|not able) to (?:establish|open) an? (?:smtp )?connection",
    ),
    "mailererror": (
        r"x-unix;",
        r"command (?:failed|died)",
        r"procmail",
        r"mailer error",
        r"pipe to \|",
        r"\|\s*/",
        r"exit (?:status|code) \d",
    ),
    "syntaxerror": (
        r"syntax error",
        r"malformed (?:recipient )?address",
        r"improper sequence of commands",
        r"command (?:parameter )?not "
        r"(?:implemented|recognized)",
        r"bad sequence of commands",
    ),
}

_COMPILED = {
    reason: re.compile("|".join(f"(?:{p})" for p in pats)) for reason, pats in PHRASES.items()
}
_STATUS = re.compile(r"(?<![\d.])([245])\.(\d{1,3})\.(\d{1,3})(?![\d.]*\d)")
# Not inside a word: "tsa412@yahoo.com" holds no reply code.
_SMTP_CODE = re.compile(r"(?<![\w.\-])([245])([0-5])(\d)(?![\w.])")


@dataclass(frozen=True)
class Verdict:
    """The reason and what it means for the recipient."""

    reason: str
    permanent: bool  # suppress the recipient
    sender_side: bool
    why: str


def one_line(text: str) -> str:
    """Runs of white space made one space (case kept: operators read it)."""
    return " ".join(text.split())


def squash(text: str) -> str:
    """Lower case, runs of white space made one space."""
    return " ".join(text.lower().split())


def status_codes(text: str) -> list[str]:
    """Enhanced status codes in text, in order (`550 5.1.1` -> `5.1.1`)."""
    return [".".join(m.groups()) for m in _STATUS.finditer(text)]


def smtp_code(text: str) -> str:
    """The first SMTP reply code (`550`) in text, or ""."""
    found = _SMTP_CODE.search(text)
    return "".join(found.groups()) if found else ""


# A relay's own code, then the remote server's reply quoted after it (case-insensitive
# diagnostic type first, "smtp; "): Amazon SES writes
# "5.1.0 - Unknown address error 550-'5.7.1 <...>... Access denied'".
_RELAYED = re.compile(
    r"^(?:[a-z-]+;)?\W*([245]\.\d{1,3}\.\d{1,3})\b.*?\b[245]\d\d[ -]'?([245]\.\d{1,3}\.\d{1,3})\b",
    re.IGNORECASE,
)


def relayed_reply(diagnostic: str) -> tuple[str, str]:
    """(status, words) of a remote reply quoted inside a relay's own diagnostic, else ("", "").

    The remote server saw the failure; the relay's wrapping code and words are its guess."""
    found = _RELAYED.search(diagnostic)
    if not found or found.group(1) == found.group(2):
        return "", ""
    return found.group(2), diagnostic[found.start(2) :]


def _generic(code: str) -> bool:
    return code.endswith(".0.0")


def best_status(field: str, diagnostic: str, action: str = "", text: str = "") -> str:
    """The most specific status: a specific code beats a generic x.0.0 wherever it is stated.

    Order: the Status field if specific, the diagnostic's specific code, `text`'s (the free
    text around the recipient), then generic codes, the SMTP reply code, the Action.
    """
    success = action in SUCCESS_ACTIONS
    relayed, _ = relayed_reply(diagnostic)
    if relayed and not success:
        return relayed
    # A 2.x.x in a failure's text is a version number or a date, not its status.
    stated, said, around = (
        [c for c in status_codes(t) if c.startswith("2.") == success]
        for t in (field, diagnostic, text)
    )
    for code in (*stated, *said, *around):
        if not _generic(code) and code.startswith("2.") == success:
            return code
    if stated:
        return stated[0]
    if said or around:
        return (said or around)[0]
    reply = smtp_code(diagnostic) or smtp_code(text)
    if reply and reply[0] in "45":
        return f"{reply[0]}.0.0"
    if action == "delayed":
        return "4.0.0"
    return "5.0.0"


def status_reason(status: str) -> str:
    """The reason an enhanced status code names, or "" for a generic or unknown one."""
    parts = status.split(".")
    if len(parts) != 3:
        return ""
    klass, subject, detail = parts
    for key in (
        status,
        f"x.{subject}.{detail}",
        f"{klass}.{subject}.",
        f"x.{subject}.",
        f"{klass}.",
    ):
        if key in STATUS_REASONS:
            return STATUS_REASONS[key]
    return ""


# Continuation prefixes of a multi-line SMTP reply ("550-5.7.1 ") split sentences apart.
_REPLY_PREFIX = re.compile(r"\b[245]\d\d[ -](?:[245]\.\d{1,3}\.\d{1,3} )?(?=[a-z(\[])")
# Which SMTP command the server was answering, as MTAs write it.
_COMMAND = (
    ("RCPT", re.compile(r"rcpt to|in reply to rcpt|after rcpt|\[rcpt_to\]")),
    ("DATA", re.compile(r"end of data|after data|in reply to data|data command|\(data\)|>>> data")),
    ("MAIL", re.compile(r"mail from:?\s*<|in reply to mail|after mail")),
    ("CONN", re.compile(r"initial connection|in reply to (?:ehlo|helo)|after (?:ehlo|helo)")),
)


def phrase_reason(text: str) -> tuple[str, str]:
    """(reason, matched words) for the first reason whose phrase is in text, else ("", "")."""
    flat = _REPLY_PREFIX.sub("", squash(text))
    if not flat:
        return "", ""
    for reason, pattern in _COMPILED.items():
        found = pattern.search(flat)
        if found:
            return reason, found.group(0)
    return "", ""


def smtp_command(text: str) -> str:
    """The SMTP command a rejection answered (RCPT, DATA, MAIL, CONN), or ""."""
    flat = squash(text)
    for name, pattern in _COMMAND:
        if pattern.search(flat):
            return name
    return ""


def reason_of(status: str, diagnostic: str, action: str, context: str = "") -> tuple[str, str]:
    """(reason, why): the status code's reason unless it is generic, else the wording's.

    `diagnostic` is the server's own words; `context` the bounce's wider text, read only when
    the diagnostic says nothing the tables know.
    """
    if status.startswith("2.") or action in SUCCESS_ACTIONS:
        return "delivered", f"Action {action or '?'}, Status {status}"
    if squash(diagnostic).startswith("x-unix;"):
        return "mailererror", "Diagnostic-Code type X-Unix (a local delivery program failed)"
    by_code = status_reason(status)
    if by_code in REFINABLE_TO:
        by_text, words = phrase_reason(diagnostic or context)
        if by_text in REFINABLE_TO[by_code]:
            return by_text, f"diagnostic says {words!r} under status {status}"
        return by_code, f"status {status}"
    if by_code and by_code not in REFINABLE:
        return by_code, f"status {status}"
    # A status that names a dead address (5.1.1) with no diagnostic is not overruled by the
    # notice's wider text (a disclaimer about virus scanning in a MessageLabs footer).
    says_dead = by_code in RECIPIENT_PERMANENT and not _generic(status) and not diagnostic.strip()
    wider = () if says_dead else (context,)
    for source in (relayed_reply(diagnostic)[1], diagnostic, *wider):
        by_text, words = phrase_reason(source)
        if not by_text:
            continue
        # "User unknown" said only after DATA (the address was accepted at RCPT TO) is a
        # content or domain filter speaking: Sisimai calls it filtered. Both suppress.
        if (
            by_text == "userunknown"
            and by_code != "userunknown"
            and smtp_command(f"{diagnostic} {context}") == "DATA"
        ):
            return "filtered", f"{words!r} in reply to DATA"
        if by_text == "hostunknown" and status.startswith("4."):
            # A lookup that failed with a temporary code may answer next time: the network's
            # trouble, not a domain known not to exist.
            return "networkerror", f"diagnostic says {words!r} with temporary status {status}"
        return by_text, f"diagnostic says {words!r}"
    if by_code:
        return by_code, f"status {status}"
    if status[2:4] == ".6":
        return "contenterror", f"status {status}"
    if status[2:4] == ".7":
        return "securityerror", f"status {status}"
    if action == "delayed" or status.startswith("4."):
        return "expired" if action == "delayed" else "onhold", f"status {status}, Action {action}"
    if diagnostic.strip():
        return "onhold", "diagnostic not recognised"
    return "undefined", "no diagnostic"


def verdict(status: str, diagnostic: str, action: str, context: str = "") -> Verdict:
    """Reason, whether to suppress the recipient, and whether the failure is on our side."""
    reason, why = reason_of(status, diagnostic, action, context)
    sender_side = reason in SENDER_SIDE
    # A 4xx code with Action `failed` is final for an address that does not exist or a domain
    # that declares it takes no mail (null MX); a 4xx DNS failure may still clear up.
    permanent = reason in RECIPIENT_PERMANENT and (
        (status.startswith("5") and action != "delayed" and action not in SUCCESS_ACTIONS)
        or (action == "failed" and reason in ("userunknown", "notaccept"))
    )
    if permanent and status[1:] == ".2.0" and why == f"status {status}":
        # x.2.0 is "other or undefined mailbox status" (RFC 3463): with no words saying the
        # mailbox refuses us, it is as likely a content or reputation filter (Orange answers
        # "5.2.0 Mail rejete" to spam), so it counts as a soft bounce, not a dead address.
        permanent = False
    return Verdict(reason, permanent, sender_side, why)
