"""The rendering glue: templates x sample influencers -> Drafts -> rule findings.

Each template is rendered with the same Composer that preview and sending use, for up to
`PER_LANGUAGE` influencers of its language from the roster (or the built-in samples when the
roster has none of that language), as the step it is in the campaign's sequence.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from email import policy
from email.parser import BytesParser
from pathlib import Path

from sqlalchemy.exc import OperationalError, ProgrammingError

from outreach.clock import SystemClock
from outreach.config import Config
from outreach.domain.campaign import Campaign, Offer
from outreach.domain.influencer import Influencer
from outreach.domain.sequence import PITCH, Step
from outreach.domain.sequence import Sequence as SequenceFile
from outreach.errors import InputError, RenderError, UserError
from outreach.render.compose import Composed, Composer, sender_context
from outreach.render.templates import LANGUAGES, parse_front_matter
from outreach.services.lint.deadlines import outrun_findings
from outreach.services.lint.model import Draft, LintFinding
from outreach.services.lint.registry import check_drafts
from outreach.services.lint.samples import sample_deal, sample_influencers
from outreach.services.sequence.campaigns import list_campaigns, load_campaign
from outreach.services.sequence.files import load_sequence
from outreach.store.queries.roster import load_influencers
from outreach.store.session import make_engine, reading

PER_LANGUAGE = 3
ROSTER_SCAN = 200  # influencers read from the roster to find PER_LANGUAGE of each language
_ANGLE = re.compile(r"<([^>]+)>")

# Rendered against when the workspace has no campaign file yet.
SAMPLE_CAMPAIGN = Campaign(
    slug="sample",
    name="Sample campaign",
    brand="Sakura Beauty",
    product="Sakura Night Serum",
    sequence="standard",
    offer=Offer("fee+gift", 30000, "JPY", "Sakura Night Serum 30 mL"),
    deliverables=("Instagram feed post ×1",),
    dates={"reply_by": date(2026, 12, 11), "post_by": date(2026, 12, 22)},
)


@dataclass(frozen=True)
class LintTarget:
    """One template file to lint, as the step it is in the sequence."""

    file: str  # e.g. "pitch.ja.j2"
    name: str  # e.g. "pitch": what sequences and Composer.compose call it
    has_language_suffix: bool
    step: int
    total: int
    phase: str = PITCH  # a deal-phase step is rendered with a sample accepted deal


def _template_files(templates_dir: Path) -> list[str]:
    """Every sendable template: *.j2 but partials (`_footer.ja.j2`) and HTML alternatives."""
    return sorted(
        p.name
        for p in templates_dir.glob("*.j2")
        if not p.name.startswith("_") and not p.name.endswith(".html.j2")
    )


def _pitch_files(config: Config) -> list[str]:
    """The templates mail to influencers is rendered from: all but the team digest's, which is
    internal mail with a context of its own (`[digest] template`, "digest" by default)."""
    digest = config.digest.template if config.digest is not None else "digest"
    return [f for f in _template_files(config.templates_dir) if _split(f)[0] != digest]


def _split(file: str) -> tuple[str, bool]:
    stem = file.removesuffix(".j2")
    base, _, lang = stem.rpartition(".")
    return (base, True) if base and lang in LANGUAGES else (stem, False)


def resolve_files(templates_dir: Path, names: Sequence[str]) -> list[str]:
    """`pitch`, `pitch.ja`, `pitch.ja.j2` or `templates/pitch.ja.j2` -> template file names."""
    every = _template_files(templates_dir)
    out: list[str] = []
    for raw in names:
        name = Path(raw).name.removesuffix(".j2")
        matches = [f for f in every if f.removesuffix(".j2") == name or _split(f)[0] == name]
        if not matches:
            raise InputError(
                f"template {raw!r} not found",
                file=str(templates_dir),
                hint=f"templates: {', '.join(every) or 'none'}",
            )
        out += [m for m in matches if m not in out]
    return out


def _campaign(config: Config, slug: str | None) -> Campaign:
    if slug:
        return load_campaign(config, slug)
    campaigns = list_campaigns(config)
    return campaigns[0] if campaigns else SAMPLE_CAMPAIGN


def _targets(config: Config, campaign: Campaign, files: Sequence[str]) -> list[LintTarget]:
    try:
        sequence: SequenceFile | None = load_sequence(config, campaign.sequence)
    except InputError:
        sequence = None
    every = sequence.all_steps if sequence else ()
    # every template a step can send, each variant's too: the first step naming it wins
    steps: dict[str, Step] = {}
    for step in every:
        for template in step.templates:
            steps.setdefault(template, step)
    pitch = len(sequence.steps) if sequence else 0
    out = []
    for file in files:
        name, suffixed = _split(file)
        if name in steps:
            found = steps[name]
            total = pitch if found.phase == PITCH else len(every)
            out.append(LintTarget(file, name, suffixed, found.number, total, found.phase))
        else:
            out.append(LintTarget(file, name, suffixed, 1, max(pitch, 1)))
    return out


def _roster_database_exists(config: Config) -> bool:
    """False for a SQLite file that does not exist yet (linting must not create it)."""
    url = config.database_url
    return not url.startswith("sqlite:///") or ":memory:" in url or Path(url[10:]).exists()


def roster_sample(config: Config, now: datetime) -> list[Influencer]:
    """Up to PER_LANGUAGE influencers per language from the roster; the built-in samples for
    each language the roster has nobody in."""
    picked: dict[str, list[Influencer]] = {}
    if _roster_database_exists(config):
        engine = make_engine(config.database_url)
        try:
            with reading(engine) as conn:
                for person in load_influencers(conn, limit=ROSTER_SCAN):
                    group = picked.setdefault(person.language or "ja", [])
                    if len(group) < PER_LANGUAGE:
                        group.append(person)
        except (OperationalError, ProgrammingError):  # no tables yet
            picked = {}
        finally:
            engine.dispose()
    from_roster = set(picked)
    for sample in sample_influencers(now):
        if sample.language not in from_roster:
            picked.setdefault(sample.language, []).append(sample)
    return [p for group in picked.values() for p in group]


def _opt_out_and_attachments(raw: bytes) -> tuple[tuple[str, ...], tuple[str, ...]]:
    message = BytesParser(policy=policy.default).parsebytes(raw)
    targets = _ANGLE.findall(str(message.get("List-Unsubscribe", "")))
    opt_out = tuple(t.removeprefix("mailto:").split("?")[0] for t in targets) + tuple(targets)
    attachments = tuple(
        part.get_filename() or "unnamed"
        for part in message.walk()
        if part.get_content_disposition() == "attachment"
    )
    return opt_out, attachments


def draft_of(
    config: Config,
    composed: Composed,
    influencer: Influencer,
    *,
    step: int,
    now: datetime,
    campaign: Campaign | None = None,
    sent_subject: str | None = None,
) -> Draft:
    """The Draft the rules see for one composed message (its template's source re-read);
    `sent_subject` when the subject that goes out is not the composed one (a follow-up)."""
    file = composed.template.rpartition("/")[2]
    source = (config.templates_dir / file).read_text(encoding="utf-8")
    opt_out, attachments = _opt_out_and_attachments(composed.raw)
    return Draft(
        template_name=composed.template,
        source_text=source,
        subject=composed.subject,
        body_text=composed.text,
        language=composed.language,
        influencer=influencer,
        posts=influencer.posts,
        step=step,
        subject_line=parse_front_matter(source, composed.template).subject_line,
        sender=sender_context(config, composed.language),
        opt_out=opt_out,
        attachments=attachments,
        now=now,
        sent_subject=composed.subject if sent_subject is None else sent_subject,
        campaign=campaign,
    )


def lint_message(
    config: Config,
    composed: Composed,
    influencer: Influencer,
    *,
    step: int,
    now: datetime,
    campaign: Campaign | None = None,
) -> list[LintFinding]:
    """Findings for one composed message: what `preview` prints under each draft."""
    draft = draft_of(config, composed, influencer, step=step, now=now, campaign=campaign)
    return check_drafts([draft], config.lint)


def _error_finding(exc: UserError, default_template: str) -> LintFinding:
    handle = f" (influencer @{exc.handle})" if isinstance(exc, RenderError) and exc.handle else ""
    return LintFinding(
        exc.file or default_template,
        exc.line or 1,
        "render",
        "error",
        exc.message + handle,
        exc.hint or "",
    )


def _render(
    composer: Composer,
    camp: Campaign,
    target: LintTarget,
    person: Influencer,
    now: datetime,
    sent_subject: str | None = None,
) -> Draft | LintFinding:
    """One template for one influencer: a Draft, a postless Draft (body "") for stale-post to
    name them, or a `render` error LintFinding. `sent_subject`: what a follow-up goes out as."""
    config = composer.config
    display = f"{config.templates_dir.name}/{target.file}"
    # A language-less file (pitch.j2) is what compose falls back to without pitch.<lang>.j2.
    as_sent = person if target.has_language_suffix else replace(person, language="-")
    extra = sample_deal(now, person.language or "ja") if target.phase != PITCH else None
    try:
        composed = composer.compose(
            camp,
            as_sent,
            step=target.step,
            total_steps=target.total,
            template=target.name,
            now=now,
            extra=extra,
        )
    except RenderError as exc:
        if person.posts:
            return _error_finding(exc, display)
        tpl = composer.templates.load(target.file)
        source = (config.templates_dir / target.file).read_text(encoding="utf-8")
        return Draft(
            display,
            source,
            "",
            "",
            tpl.language,
            person,
            (),
            target.step,
            tpl.subject_line,
            now=now,
            campaign=camp,
        )
    return draft_of(
        config,
        composed,
        person,
        step=target.step,
        now=now,
        campaign=camp,
        sent_subject=sent_subject,
    )


def render_draft(
    composer: Composer,
    campaign: Campaign,
    file: str,
    person: Influencer,
    *,
    step: int = 1,
    total: int = 1,
    now: datetime,
    sent_subject: str | None = None,
) -> Draft | LintFinding:
    """One template file rendered for one influencer as step `step`: what the rules see."""
    name, suffixed = _split(file)
    target = LintTarget(file, name, suffixed, step, max(total, step))
    return _render(composer, campaign, target, person, now, sent_subject)


def _sent_subjects(
    config: Config, composer: Composer, camp: Campaign, people: Sequence[Influencer], now: datetime
) -> dict[tuple[str, str, int], str]:
    """(platform, handle, step) -> the subject a follow-up goes out with: its step's own
    `subject` in the sequence, else "Re: " and the first step's subject for that person."""
    try:
        sequence = load_sequence(config, camp.sequence)
    except UserError:
        return {}
    steps = sequence.steps
    later = sequence.all_steps[1:]
    out: dict[tuple[str, str, int], str] = {}
    for person in people:
        first: str | None = None
        for step in later:
            if step.subject is not None:
                out[(person.platform, person.handle, step.number)] = step.subject
                continue
            if first is None:
                try:
                    first = composer.compose(
                        camp,
                        person,
                        step=1,
                        total_steps=len(steps),
                        template=steps[0].template,
                        now=now,
                    ).subject
                except UserError:
                    break  # the first step does not render: its own finding says why
            out[(person.platform, person.handle, step.number)] = f"Re: {first}"
    return out


def lint_templates(
    config: Config,
    *,
    templates: Sequence[str] = (),
    campaign: str | None = None,
    influencers: Sequence[Influencer] | None = None,
    now: datetime | None = None,
) -> list[LintFinding]:
    """Render each template (all of them, or the campaign's sequence) and run every rule.

    When nobody of a template's language could be rendered (e.g. no roster posts yet), the
    built-in samples of that language are rendered too, so the template itself is checked."""
    now = now or SystemClock().now()
    camp = _campaign(config, campaign)
    if templates:
        files = resolve_files(config.templates_dir, templates)
    elif campaign:
        steps = [t for s in load_sequence(config, camp.sequence).all_steps for t in s.templates]
        files = [f for f in _template_files(config.templates_dir) if _split(f)[0] in steps]
    else:
        files = _pitch_files(config)
    people = list(influencers) if influencers is not None else roster_sample(config, now)
    composer = Composer(config)
    targets = _targets(config, camp, files)
    samples = sample_influencers(now)
    subjects = (
        _sent_subjects(config, composer, camp, [*people, *samples], now)
        if any(t.step > 1 for t in targets)
        else {}
    )

    def render(target: LintTarget, p: Influencer) -> Draft | LintFinding:
        sent = subjects.get((p.platform, p.handle, target.step))
        return _render(composer, camp, target, p, now, sent)

    results: list[Draft | LintFinding] = []
    for target in targets:
        try:
            language = composer.templates.load(target.file).language
        except UserError as exc:
            results.append(_error_finding(exc, f"{config.templates_dir.name}/{target.file}"))
            continue
        mine = [render(target, p) for p in people if (p.language or "ja") == language]
        if not any(isinstance(r, Draft) and r.body_text for r in mine):
            mine += [
                render(target, p) for p in samples if p.language == language and p not in people
            ]
        results += mine
    drafts = [r for r in results if isinstance(r, Draft)]
    findings = [r for r in results if isinstance(r, LintFinding)]
    findings += check_drafts([d for d in drafts if d.body_text], config.lint)
    postless = [d for d in drafts if not d.body_text]
    findings += [f for f in check_drafts(postless, config.lint) if f.rule == "stale-post"]
    if campaign:
        # a broken sequence file is reported by `sequence validate`
        with contextlib.suppress(UserError):
            findings += outrun_findings(
                config, camp, load_sequence(config, camp.sequence), list(files), now
            )
    return sorted(set(findings), key=lambda f: (f.template, f.line, f.rule, f.message))


@dataclass(frozen=True)
class WorkspaceLint:
    """What a bare `outreach lint` checked: findings, and the templates no campaign uses."""

    findings: list[LintFinding]
    skipped: list[str]  # template files of no campaign's sequence (not linted)
    campaigns: list[str]  # the campaigns whose templates were linted


def lint_workspace(
    config: Config,
    *,
    influencers: Sequence[Influencer] | None = None,
    now: datetime | None = None,
) -> WorkspaceLint:
    """Every campaign's sequence templates, rendered with that campaign; templates that no
    campaign uses are skipped and named. Without campaign files: every template, rendered
    with a built-in sample campaign."""
    now = now or SystemClock().now()
    campaigns = list_campaigns(config)
    every = _pitch_files(config)
    if not campaigns:
        found = lint_templates(config, influencers=influencers, now=now)
        return WorkspaceLint(found, [], [])
    people = list(influencers) if influencers is not None else roster_sample(config, now)
    used: set[str] = set()
    findings: set[LintFinding] = set()
    for camp in campaigns:
        try:
            steps = [t for s in load_sequence(config, camp.sequence).all_steps for t in s.templates]
        except UserError as exc:
            findings.add(_error_finding(exc, camp.source))
            continue
        used |= {f for f in every if _split(f)[0] in steps}
        findings |= set(lint_templates(config, campaign=camp.slug, influencers=people, now=now))
    ordered = sorted(findings, key=lambda f: (f.template, f.line, f.rule, f.message))
    return WorkspaceLint(ordered, [f for f in every if f not in used], [c.slug for c in campaigns])


def lint_campaign(
    config: Config, campaign_slug: str, *, now: datetime | None = None
) -> list[LintFinding]:
    """Findings for every template of the campaign's sequence (what `run` and `preview` check)."""
    return lint_templates(config, campaign=campaign_slug, now=now)
