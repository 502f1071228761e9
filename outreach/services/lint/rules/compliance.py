"""`compliance`: what the law requires in every message, in the recipient's language.

特定電子メール法 第4条 (and its ordinance) requires the sender's name, a postal address, a
statement that the recipient can refuse further mail with the address or URL to do so, and a
contact for enquiries; CAN-SPAM (15 U.S.C. 7704(a)(5)) requires a valid postal address and a
clear opt-out notice. Each missing item is its own finding, naming the item. Name and address
are found by the configured sender values (else by shape); the refusal sentence and the
enquiry contact must be worded in the template's language.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from outreach.services.lint import text
from outreach.services.lint.model import Draft
from outreach.services.lint.registry import RuleHit, Settings, rule

_LAW = "特定電子メール法 第4条; CAN-SPAM"
_COMPANY = re.compile(
    r"株式会社|有限会社|合同会社|（株）|\(株\)|\b(Co\.|Inc\.?|Ltd\.?|LLC|GmbH|K\.K\.)(\W|$)"
)
_POSTCODE = re.compile(
    r"〒\s?\d{3}-?\d{4}|\b\d{3}-\d{4}\b|\b\d{5}(-\d{4})?\b|"
    r"\b[A-Z]{1,2}\d[A-Z\d]? \d[A-Z]{2}\b"
)
_OPT_OUT = re.compile(
    r"mailto:\S+|https?://\S*(unsubscribe|opt-?out|haishin|teishi)\S*", re.IGNORECASE
)
_REFUSAL = {
    "ja": re.compile(
        r"(不要|希望(されない|しない)|拒否|お断り).{0,40}(ください|お申し付け|承ります|できます|"
        r"お知らせ|ご連絡)|配信(を)?停止.{0,20}(ください|お申し付け|承ります|できます)"
    ),
    "en": re.compile(
        r"\b(you (can|may|could)|if you)\b.{0,60}\b(unsubscribe|opt[- ]?out|"
        r"stop receiving|decline)\b|\b(rather not|no longer|don'?t want to) (hear|receive|get)\b|"
        r"\b(unsubscribe|opt[- ]?out)\b.{0,30}\b(any ?time|below|here|by repl\w*)",
        re.IGNORECASE,
    ),
}
_ENQUIRY = {
    "ja": re.compile(
        r"(お問い?合わ?せ|問合せ|ご質問|ご連絡先|連絡先)[^\n]{0,15}"
        r"([\w.+-]+@[\w.-]+|\d{2,4}-\d{2,4}-\d{3,4})"
    ),
    "en": re.compile(
        r"\b(questions?|enquir\w*|inquir\w*|contact( us)?)\b[^\n]{0,20}"
        r"([\w.+-]+@[\w.-]+|\+?\d[\d ()-]{7,})",
        re.IGNORECASE,
    ),
}


def missing_items(draft: Draft) -> list[tuple[str, str]]:
    """(item, hint) for every legally required item the message lacks."""
    body = draft.body_text
    lang = "ja" if draft.language == "ja" else "en"
    sender = draft.sender
    prose = text.URL.sub(" ", body)
    missing: list[tuple[str, str]] = []
    names = [sender.get(k, "") for k in ("name", "organisation") if sender.get(k)]
    if not (any(n in body for n in names) if names else _COMPANY.search(body)):
        missing.append(("the sender's name", "add {{ sender.organisation }} and {{ sender.name }}"))
    address = sender.get("postal_address", "")
    if not (address in body if address else _POSTCODE.search(body)):
        missing.append(("the sender's postal address", "add {{ sender.postal_address }}"))
    if not any(v and v in body for v in draft.opt_out) and not _OPT_OUT.search(body):
        missing.append(("an opt-out method (URL or address)", "add {{ unsubscribe.url }}"))
    if not _REFUSAL[lang].search(prose):
        example = (
            "今後ご案内が不要でしたら、下記から配信停止をお申し付けください。"
            if lang == "ja"
            else "If you'd rather not hear from us, you can opt out at any time: ..."
        )
        missing.append(("a sentence saying the recipient can refuse further mail", example))
    if not _ENQUIRY[lang].search(body):
        example = (
            "お問い合わせ：{{ sender.enquiry_email }}"
            if lang == "ja"
            else "Questions: {{ sender.enquiry_email }}"
        )
        missing.append(("an enquiry contact", example))
    return missing


@rule("compliance", "error", "sender, postal address, opt-out, refusal sentence, enquiry contact")
def check_compliance(draft: Draft, s: Settings) -> Iterator[RuleHit]:
    line = draft.line_of_tag(r"\{%-?\s*include", default=len(draft.source_lines))
    language = "Japanese" if draft.language == "ja" else "English"
    for item, hint in missing_items(draft):
        yield RuleHit(line, f"the message lacks {item} in {language} ({_LAW})", hint)
