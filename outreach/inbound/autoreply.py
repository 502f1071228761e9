"""Automatic replies (RFC 3834 headers, vendor headers, out-of-office subjects and bodies)."""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from email.message import Message

from outreach.inbound.dates import return_date
from outreach.inbound.intent import read_reply
from outreach.inbound.model import DECLINE, INTERESTED, OPT_OUT, REFERRAL

# Subjects auto-responders write; "vacation" alone is left out (people write about vacations).
_SUBJECT = re.compile(
    r"^\s*(?:automatic\s+(?:reply|response)|auto\s*-?\s*(?:reply|response)|autoreply|auto\s*:|away\s*:|ooo\b)"
    r"|out\s+of\s+(?:the\s+)?office|不在|自動返信|自動応答|自動送信|休暇のお知らせ|"
    r"休業のお知らせ|休業のご案内|年末年始休業|夏季休業",
    re.IGNORECASE,
)
# "(not an auto-reply!)", "this isn't an auto-reply", "Ignore my auto-reply from before": a
# person, saying so or back.
_NOT_ONE = (
    r"(?<!not\san\s)(?<!not\sa\s)(?<!n't\san\s)(?<!n't\sa\s)"
    r"(?<!ignore\smy\s)(?<!ignore\sthe\s)(?<!sorry\sfor\smy\s)"
    r"(?<!sorry\sabout\smy\s)(?<!disregard\smy\s)(?<!\bgot\smy\s)(?<!received\smy\s)"
)
# Wording only software writes about itself ("this message was sent automatically").
_SELF_WORDS = (
    # 「自動返信じゃないです」: a person saying so.
    r"(?<!\bif\s)this\s+is\s+an\s+automat|"
    + _NOT_ONE
    + r"\bauto(?:matic|mated)?[-\s]?(?:reply|respon(?:se|der))\b|"
    # 「自動返信が届いていたらすみません」: a person apologising for her own responder.
    r"(?:自動返信|自動応答|自動送信)(?!(?:では|じゃ)(?:な|あり)|(?:が|も)[^。\n]{0,10}?(?:たら|かも|かと|と思))|"
    r"オートリプライ|オートレスポンス|"
    r"\bthis\s+(?:mailbox|inbox|address)\s+is\s+(?:not|no\s+longer)\s+monitored\b|"
    r"\bunmonitored\s+(?:mailbox|inbox)\b|\byour\s+message\s+has\s+not\s+been\s+read\b|"
    r"\bthis\s+inbox\s+is\s+(?:checked|monitored)\s+by\b|"
    r"\bthis\s+inbox\s+is\s+checked\s+(?:once|twice|a\s+few\s+times|\w+\s+times)\b|"
    r"\bplease\s+allow\s+(?:\d+(?:\s*[-–]\s*\d+)?|a\s+few)\s+(?:business\s+|working\s+)?days\s+for\s+a\s+(?:response|reply)\b|"
    r"\b(?:we|someone(?:\s+from\s+(?:the|our)\s+team)?)\s+will\s+be\s+in\s+touch\s+if\s+"
    r"(?:it'?s|it\s+is|there'?s|we)\b|"
    r"\b(?:due\s+to|because\s+of)\s+the\s+(?:high\s+|large\s+|sheer\s+)?(?:volume|number)\s+of\s+"
    r"(?:e-?mails?|messages|enquiries|inquiries|requests)\s+(?:we|i)\s+(?:receive|get)\b|"
    r"\b(?:can'?t|cannot|(?:are|am|'m)\s+(?:unable|not\s+able)\s+to)\s+(?:respond|reply)\s+to\s+"
    r"(?:(?:every|each|all)\s+(?:e-?mail|message|enquiry|inquiry|request)s?|everyone)\s+"
    r"(?:individually|personally)\b|"
    r"\bwe'?ll\s+get\s+back\s+to\s+you\s+within\s+\d+\s+(?:business\s+|working\s+)?days\b|"
    r"\bit\s+(?:can|may|might|could)\s+take\s+(?:me\s+)?(?:up\s+to\s+)?(?:\d+|a\s+few|several)"
    r"(?:\s*[-–]\s*\d+)?\s+(?:business\s+|working\s+)?days\s+(?:for\s+(?:me|us)\s+)?to\s+"
    r"(?:reply|respond|get\s+back)\b|"
    r"\byour\s+(?:request|ticket|enquiry|inquiry)\s*(?:\(?\s*#?\d+\s*\)?\s*)?has\s+been\s+received\b|"
    r"\bwe'?ve\s+received\s+your\s+(?:request|ticket|enquiry|inquiry|message|e-?mail)\s*"
    r"\(\s*(?:ticket\s*|case\s*)?(?:#|no\.?\s*)?\d+\s*\)|"
    r"\bany\s+repl(?:y|ies)\s+will\s+(?:add\s+to|update)\s+your\s+(?:existing\s+)?ticket\b|"
    r"このメールは(?:システム(?:より|から|にて|で))?自動|自動で(?:お)?送(?:信|り)|"
    # 「本メールは送信専用アドレスではございません」 says a person reads replies.
    r"送信専用(?:の)?(?:アドレス|メール)(?!\s*(?:で|じゃ)(?:は)?(?:ござい|あり|な))"
)
# Only formulaic responder wording counts on its own: a person may well write "I'm away until
# Monday, but yes!" in a real reply, which must stay a reply.
_BODY = re.compile(
    r"\bi\s*(?:am|'m)\s+(?:currently\s+)?(?:out\s+of\s+(?:the\s+)?office|away\s+from\s+(?:the\s+)?"
    r"office|on\s+(?:annual|parental|maternity|paternity|medical|sick|bereavement|compassionate|study)\s+leave)|this\s+is\s+an\s+automat(?:ic|ed)\s+"
    r"(?:reply|response|message|confirmation|acknowledge?ment|notification)|"
    + _NOT_ONE
    + r"\bauto(?:matic)?[-\s]?reply\b"
    r"|\b(?:limited|no|intermittent|patchy|spotty|sporadic)\s+access\s+to\s+(?:my\s+)?e-?mail"
    r"|\bchecking\s+(?:e-?mail|my\s+inbox)\s+(?:only\s+)?(?:occasionally|intermittently|sporadically)"
    r"|\bnot\s+(?:currently\s+)?checking\s+this\s+(?:inbox|e-?mail\s+address)\b"
    r"(?!\s+(?:much|often|regularly|very|as|that|anymore|any\s+more))"
    r"|\bwill\s+(?:respond|reply|get\s+back\s+to\s+you)[^.!?\n]{0,30}\b(?:when|upon|after)\s+"
    r"(?:i|my)\s+return|\bi\s*(?:am|'m)\s+currently\s+(?:travell?ing|on\s+(?:vacation|holiday|leave))"
    r"|不在にしております|不在にしています|留守にしております|留守にしています|(?:留守|不在)のお知らせ|休暇をいただいております|休暇を頂いております|(?:産休|育休|産前産後休暇|育児休業)(?:・(?:産休|育休))?を(?:いただ|頂)いております|(?:産休|育休|産前産後休暇|育児休業)(?:・(?:産休|育休))?を取得して(?:おり|い)ます|"
    r"お休みを(?:いただ|頂)いております|休暇中のため|メールを確認(?:することが)?できません|メールの確認が(?:でき|出来)(?:ません|ない|ておりません|ていません)|"
    r"(?:ただいま|只今)[^。\n]{0,10}(?:出張|休暇|不在|外出|休業|お休み|産休|育休|入院|療養|加療)|"
    r"メール(?:を)?(?:拝見|チェック)(?:することが)?(?:でき|出来)(?:ません|ない)|"
    r"\b(?:i'?ll|i\s+will)\s+(?:be\s+)?(?:go(?:ing)?|work(?:ing)?|catch(?:ing)?\s+up)\s+(?:through|on)\s+(?:my\s+)?"
    r"(?:inbox|e-?mails?|messages)\s+(?:when|once|after)\s+i\s+(?:get\s+back|return|am\s+back|'m\s+back)\b|"
    r"\byour\s+(?:message|e-?mail)\s+will\s+be\s+read\b|"
    r"\b(?:messages|e-?mails)\s+sent\s+to\s+this\s+(?:address|inbox|account)\s+(?:are|will)\s+not\s+"
    r"(?:be(?:ing)?\s+)?(?:read|monitored|checked|forwarded)\b|\b(?:replies|responses)\s+(?:will|may|might)\s+be\s+(?:slow|delayed|slower)\b|"
    # Written to whoever it may concern: a person answering our pitch knows what it is about.
    r"\bif\s+(?:this|your\s+(?:e-?mail|message))\s+is\s+(?:about|regarding|re:?)\s+(?:a|an|any)\b|"
    r"休業とさせていただ|" + _SELF_WORDS,
    re.IGNORECASE,
)


# A text that says it was sent automatically stays automatic: a stop-like line in it
# (「本メールへのご返信はご遠慮ください」, do not answer this address) is no person's refusal.
_SELF_DECLARED = re.compile(_SELF_WORDS, re.IGNORECASE)


# An absence, stated the way responders state it. On its own this is also how a person writes
# ("I'm on holiday until Jan 5, but yes!"), so it counts only with a return date and nothing
# else in the text: no question, no yes, no refusal, no referral.
_ABSENCE = re.compile(
    r"休業|休暇|不在|留守|お休み|出張|冬季|夏季|年末年始|産休|育休|撮影のため|"
    r"\bout\s+of\s+(?:the\s+)?office\b|\bclosed\s+for\b|\bon\s+(?:holiday|vacation|leave)\b|"
    r"\baway\s+(?:from|until|till|through)\b|\btravell?ing\b|\bwon'?t\s+be\s+checking\b|"
    r"\baway\s+for\s+(?:a|the)\s+(?:long\s+)?(?:weekend|week|few\s+days|couple\s+of\s+(?:days|weeks))\b|"
    r"\bwon'?t\s+be\s+(?:answering|reading|replying\s+to|responding\s+to)\s+(?:e-?mails?|messages)\b|"
    r"\bat\s+a\s+(?:conference|trade\s+show|shoot)\b|\b(?:will|i'll)\s+be\s+back\b|"
    r"\b(?:i'll|i\s+will)\s+(?:reply\s+when|respond\s+when|get\s+back\s+to\s+you\s+when)|"
    r"\btaking\s+a\s+(?:\w+\s+)?break\b|\brecovering\s+from\b|\bon\s+(?:the\s+road|a\s+road\s+trip)\b|"
    r"\bmostly\s+offline\b|\b(?:i'?m|i\s+am)\s+currently\s+away\b|\boff[-\s](?:the[-\s])?grid\b|\bwon'?t\s+see\s+(?:this|it|your)\b|"
    r"\baway\s+over\b|\booo\b|\boffline\s+for\b|\bpatchy\s+signal\b|"
    r"\b(?:can'?t|cannot|unable\s+to)\s+(?:reply|respond)(?:\s+to\s+(?:e-?mails?|messages))?\s+until\b|"
    r"\bi'?m\s+out\s+(?:in|at|on)\s+the\b|\bon\s+an?\s+(?:[\w-]+\s+)?retreat\b|"
    r"\bno\s+(?:signal|reception|wi-?fi)\b|\bnot\s+checking\s+(?:my\s+)?(?:inbox|e-?mail)\b|"
    r"\b(?:paternity|maternity|parental)\s+leave\b|"
    r"\b(?:office|studio|shop|we)\s+(?:is|are|will\s+be)\s+closed\b|"
    r"\bis\s+closed\s+(?:from|for|until|till|over|between)\b|\bwe\s+reopen\b|"
    r"\bsocial\s+media\s+break\b|\bdetox\b|\bon\s+(?:\w+\s+)?leave\b|"
    r"\bout\s+for\s+the\s+holidays\b|\b(?:i'?m|i\s+am)\s+off\s+for\s+the\s+(?:holidays|break|new\s+year|christmas)\b|\b(?:i'?m|i\s+am)\s+off\s+(?:through|until|till|from|between)\b|"
    r"\b(?:very\s+)?limited\s+(?:wi-?fi|signal|internet|reception)\b|入院|療養|\bwon'?t\s+be\s+able\s+to\s+(?:respond|reply|answer|get\s+back)\b|"
    r"\baway\s+(?:filming|shooting|travell?ing|on\s+(?:a\s+)?(?:shoot|location|tour))\b|"
    r"\bi'?m\s+off\s+\w+ing\b|\b(?:i'?m|i\s+am)\s+out\s+(?:until|till|through|thru)\b|バケーション|一時帰国|帰省|海外に(?:おり|い)",
    re.IGNORECASE,
)
# A responder's contact for what cannot wait ("If it's urgent, you can reach my assistant at …"):
# an address given that way does not make the notice a person's referral.
_URGENT = re.compile(
    r"\burgent|\bexisting campaign|\bin the meantime\b|\bwhile i'?m away\b|緊急|お急ぎ|至急",
    re.IGNORECASE,
)
# How much interest makes responder wording a person's: a yes and a question, say.
_TAKES_IT_UP = 0.6
_SENTENCE = re.compile(r"(?<=[。!?\n])|(?<=\.)\s")
# Words bounding a refusal by the absence itself.
_UNTIL_THEN = re.compile(
    r"それまで|期間中|休暇中|不在中|休業中|産休中|育休中|\buntil\s+then\b|"
    r"\bduring\s+(?:this|that|my)\s+(?:time|period|leave|absence)\b|"
    r"\bwhile\s+(?:i'?m|i\s+am)\s+(?:away|out|on\s+leave)\b",
    re.IGNORECASE,
)
# 「桜井様」 alone on the first line (not 「お客様各位」).
_JA_GREETING = r"[^\n]{0,30}(?<!各位)(?<!お客)(?:様|さま|さん)\s*$"
# "Hi Hana,", 「桜井様」 on the first line (not "Hello there", 「お客様各位」).
_GREETS_BY_NAME = re.compile(
    r"\s*(?:(?:hi|hello|hey|dear)\s+(?!there\b|all\b|team\b|everyone\b|sir\b|friend\b)[a-z]+"
    rf"|{_JA_GREETING})",
    re.IGNORECASE | re.MULTILINE,
)
# The same, strictly: a greeting and one name, then punctuation ("Hi Hana,", 「桜井様」), not
# "Hello and thank you" or "Hi lovely," which a responder writes to anyone.
_GREETS_ONE_NAME = re.compile(
    r"\s*(?:(?:hi|hello|hey|dear)\s+(?!(?:there|all|team|everyone|sir|madam|friends?|lovely|love"
    r"|lovelies|babe|hun|you|folks|beautiful|gorgeous|and)\b)[a-z]+\s*[,!:\n]"
    rf"|{_JA_GREETING})",
    re.IGNORECASE | re.MULTILINE,
)
# Asked of us: "please remove", "from your contact lists", 「リストから削除してください」 (not
# the responder's own "click unsubscribe at the bottom of any issue").
_REMOVAL = re.compile(
    r"\b(?:please|kindly|pls)\s+(?:remove|delete|unsubscribe|take)\b|\bfrom\s+your\s+(?:\w+\s+)?lists?\b|"
    r"(?:削除|外して|外し|登録解除|配信停止)[^。\n]{0,10}(?:ください|下さい|お願い)",
    re.IGNORECASE,
)
# Any day serves as the anchor: only whether a return date is stated matters here.
_ANY_DAY = date(2000, 1, 3)


# A greeting after a blank line, once the text has begun: a message pasted below with no quote
# marks (some clients answer that way), whose words are not the responder's.
_LATER_GREETING = re.compile(
    r"\n[ \t]*\n[ \t]*(?:(?:hi|hello|hey|dear)\b[^\n]{0,40}|[^\n]{1,20}(?:様|さま))[ \t]*\n",
    re.IGNORECASE,
)


def _before_pasted(own_text: str) -> str:
    """The text above a message pasted below it with no quote marks."""
    text = unicodedata.normalize("NFKC", own_text)
    pasted = _LATER_GREETING.search(text)
    return text[: pasted.start()] if pasted is not None and pasted.start() > 0 else text


def _states_absence_only(own_text: str) -> str:
    """The absence words, if the text states an absence and a return date and asks nothing."""
    text = _before_pasted(own_text)
    found = _ABSENCE.search(text)
    if found is None or len(text) > 600 or return_date(text, _ANY_DAY) is None:
        return ""
    if _GREETS_ONE_NAME.match(text):
        # "Hi Hana, this is Ines's sister - she's travelling until the 20th": a responder does
        # not know who wrote, so a person is passing the absence on.
        return ""
    reading = read_reply(text)
    urgent_contact = reading.intent == REFERRAL and _URGENT.search(text) is not None
    if (reading.intent != INTERESTED and not reading.guess and not urgent_contact) or (
        reading.interest >= 0.3
    ):
        return ""
    return found.group(0)


def _answers(own_text: str) -> bool:
    """A person's words turn the offer down (a guess from a bare "sorry" does not count) or
    take it up: a yes, a question or a counter-offer, clearly. A refusal bounded by the absence
    (「それまでのお仕事のご依頼はお受けできかねます」, "no new projects until then") is part of
    the notice, unless the text greets us by name: a responder does not know who wrote."""
    text = _before_pasted(own_text)
    greets = _GREETS_ONE_NAME.match(text) is not None
    if _GREETS_BY_NAME.match(text) is None:
        text = "。".join(s for s in _SENTENCE.split(text) if not _UNTIL_THEN.search(s))
    reading = read_reply(text)
    if reading.intent == INTERESTED:
        return reading.interest >= _TAKES_IT_UP
    if reading.intent == REFERRAL and reading.referred_to:
        # "Hi Hana, … I'm on parental leave until March, and my manager Jess handles all brand
        # deals while I'm out: jess@…": a person, writing to us by name, hands the deal over.
        return _GREETS_BY_NAME.match(text) is not None
    # Regret alone is only a guess at a decline, and a notice may be sorry too ("Sorry to miss
    # you!"); written to us by name ("Hi Hana, I'm on maternity leave until the spring, so not
    # now I'm afraid"), it is a person's answer.
    return reading.intent in (DECLINE, OPT_OUT) and (not reading.guess or greets)


def _asks_removal(own_text: str) -> bool:
    """The text asks to be taken off our list ("this inbox is no longer monitored… Please remove
    this address from your contact lists"): a request to honour whoever typed it. A notice's
    own "do not reply to this message" (「本メールへのご返信はお控えください」) asks nothing of
    the kind."""
    text = _before_pasted(own_text)
    if not _REMOVAL.search(text):
        return False
    reading = read_reply(text)
    return reading.intent == OPT_OUT and not reading.guess


def automatic_reasons(msg: Message, subject: str, own_text: str) -> list[str]:
    """Why this message is an automatic reply; empty if it looks written by a person."""
    reasons: list[str] = []
    auto = str(msg.get("Auto-Submitted", "")).strip().lower()
    if auto and auto.split(";")[0].strip() != "no":
        reasons.append(f"Auto-Submitted: {auto}")
    for name in ("X-Autoreply", "X-Autorespond", "X-Autoresponder"):
        if msg.get(name) is not None:
            reasons.append(f"{name} header")
    precedence = str(msg.get("Precedence", "")).strip().lower()
    if precedence in ("auto_reply", "bulk", "junk"):
        reasons.append(f"Precedence: {precedence}")
    suppress = str(msg.get("X-Auto-Response-Suppress", "")).lower()
    if "all" in suppress and msg.get("X-MS-Exchange-Inbox-Rules-Loop") is not None:
        reasons.append("Exchange inbox rule (X-Auto-Response-Suppress: All)")
    found = _SUBJECT.search(unicodedata.normalize("NFKC", subject))
    if found:
        reasons.append(f"out-of-office subject {found.group(0).strip()!r}")
    text = unicodedata.normalize("NFKC", own_text)
    found = _BODY.search(text)
    if found:
        reasons.append(f"out-of-office text {found.group(0).strip()!r}")
    if (
        found
        and len(reasons) == 1
        and (_asks_removal(own_text) if _SELF_DECLARED.search(text) else _answers(own_text))
    ):
        # Responder wording and nothing in the headers or Subject, in a text that turns the offer
        # down ("I am on maternity leave until next summer and cannot take any new job") or takes
        # it up ("keen as! I'm out of office over Christmas so I'd post mid-January. Does that
        # work for you?"): a person wrote it. A responder states an absence; it never answers.
        # Words only software writes about itself stay automatic unless the text asks to be
        # taken off the list.
        return []
    if not reasons:
        absence = _states_absence_only(own_text)
        if absence:
            reasons.append(f"states an absence ({absence!r}) and a return date, and nothing else")
    return reasons


def how_sure(reasons: list[str]) -> float:
    """1.0 when a header says so, 0.9 for responder wording, 0.7 for only a stated absence."""
    if any(r.startswith(("Auto-Submitted", "X-Auto", "Precedence", "Exchange")) for r in reasons):
        return 1.0
    if any(r.startswith("out-of-office") for r in reasons):
        return 0.9
    return 0.7
