"""`followup-subject`: a follow-up replies in the pitch's thread, so its template's own subject
is never sent (the message goes out as "Re: <the pitch's subject>", or with the `subject` its
step sets in the sequence). A non-empty subject in a follow-up template would be silently
ignored; this says so at its line. Write `subject = ""` in follow-up templates (a template
used as the first step needs one: an empty first subject is reported too).
"""

from __future__ import annotations

from collections.abc import Iterator

from outreach.errors import UserError
from outreach.render.templates import parse_front_matter
from outreach.services.lint.model import Draft
from outreach.services.lint.registry import RuleHit, Settings, rule


@rule("followup-subject", "warning", "a follow-up template's own subject is never sent")
def check_followup_subject(draft: Draft, s: Settings) -> Iterator[RuleHit]:
    if draft.step == 1:
        if draft.body_text and not (draft.sent_subject or draft.subject).strip():
            yield RuleHit(draft.subject_line, "the first step has an empty subject", "write one")
        return
    try:
        written = parse_front_matter(draft.source_text, draft.template_name).subject
    except UserError:
        return  # the template does not load: a `render` finding says why
    if not written.strip():
        return
    example = f"here it goes out as {draft.sent_subject!r}; " if draft.sent_subject else ""
    yield RuleHit(
        draft.subject_line,
        f"this subject is never sent: step {draft.step} replies in the pitch's thread",
        f'{example}write subject = "" here; to change a follow-up\'s subject, set subject on '
        "its step in the sequence file",
    )
