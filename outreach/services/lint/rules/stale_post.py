"""`stale-post`: the post a pitch opens on should be recent: an old post reads as a form
letter. Warns, naming the influencer, when their newest post is older than `max_age_days`
or when they have none (then a template that quotes `post` cannot be rendered for them).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC

from outreach.services.lint.model import Draft
from outreach.services.lint.registry import RuleHit, Settings, rule

USES_POST = r"\b(post|posts|top_post)\b(?!_)"


@rule("stale-post", "warning", "the referenced post is recent", max_age_days=60)
def check_stale_post(draft: Draft, s: Settings) -> Iterator[RuleHit]:
    line = draft.line_of_tag(r"\{[{%][^}]*" + USES_POST, default=0)
    if line == 0:
        return  # the template quotes no post
    who = f"@{draft.influencer.handle}"
    if not draft.posts:
        yield RuleHit(
            line,
            f"{who} has no post on record, so this template cannot be sent to them",
            "import their recent posts: outreach import posts FILE",
        )
        return
    newest = draft.posts[0].published_at
    if newest is None or draft.now is None:
        return
    if newest.tzinfo is None:
        newest = newest.replace(tzinfo=UTC)
    age = (draft.now - newest).days
    if age > s["max_age_days"]:
        yield RuleHit(
            line,
            f"{who}'s newest post is {age} days old (max {s['max_age_days']})",
            "refresh their posts, or pick someone active",
        )
