"""The rule registry: each rule's id, default severity and thresholds, and how `[lint.<id>]`
in config.toml overrides them.

A per-draft rule looks at one Draft; a sequence rule looks at the drafts of one sequence
together (e.g. `tone`). Both yield `RuleHit`s; the registry turns them into `LintFinding`s with the
configured severity, so rules never read the config.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from outreach.config import LintRuleConfig
from outreach.errors import ConfigError
from outreach.services.lint.model import Draft, LintFinding, Severity


@dataclass(frozen=True)
class RuleHit:
    line: int
    message: str
    hint: str = ""


@dataclass(frozen=True)
class Settings:
    """A rule's effective severity and thresholds."""

    severity: str  # off | warning | error
    values: Mapping[str, Any] = field(default_factory=dict)

    def __getitem__(self, key: str) -> Any:
        return self.values[key]


DraftCheck = Callable[[Draft, Settings], Iterable[RuleHit]]
SequenceCheck = Callable[[Sequence[Draft], Settings], Iterable[tuple[Draft, RuleHit]]]


@dataclass(frozen=True)
class Rule:
    id: str
    severity: Severity
    summary: str
    defaults: Mapping[str, Any]
    check: DraftCheck | None = None
    check_sequence: SequenceCheck | None = None


RULES: dict[str, Rule] = {}


def rule(
    rule_id: str, severity: Severity, summary: str, **defaults: Any
) -> Callable[[DraftCheck], DraftCheck]:
    """Register a per-draft rule with its default severity and thresholds."""

    def register(check: DraftCheck) -> DraftCheck:
        RULES[rule_id] = Rule(rule_id, severity, summary, defaults, check=check)
        return check

    return register


def sequence_rule(
    rule_id: str, severity: Severity, summary: str, **defaults: Any
) -> Callable[[SequenceCheck], SequenceCheck]:
    """Register a rule over all drafts of one sequence for one influencer."""

    def register(check: SequenceCheck) -> SequenceCheck:
        RULES[rule_id] = Rule(rule_id, severity, summary, defaults, check_sequence=check)
        return check

    return register


def settings_for(rule_obj: Rule, overrides: Mapping[str, LintRuleConfig]) -> Settings:
    """Defaults, then the non-empty keys of `[lint.<id>]`; a key the rule lacks is an error."""
    given = overrides.get(rule_obj.id)
    if given is None:
        return Settings(rule_obj.severity, dict(rule_obj.defaults))
    values = dict(rule_obj.defaults)
    for key, value in given.model_dump(exclude_none=True).items():
        if key == "severity":
            continue
        if key not in values:
            known = ", ".join(["severity", *rule_obj.defaults]) or "severity"
            raise ConfigError(
                f"rule {rule_obj.id!r} has no setting {key!r}",
                field=f"lint.{rule_obj.id}.{key}",
                hint=f"its settings: {known}",
            )
        values[key] = tuple(value) if isinstance(value, list) else value
    return Settings(given.severity or rule_obj.severity, values)


def effective_settings(overrides: Mapping[str, LintRuleConfig]) -> dict[str, Settings]:
    """Settings of every rule; an unknown `[lint.<id>]` section is a config error."""
    unknown = sorted(set(overrides) - set(RULES))
    if unknown:
        raise ConfigError(
            f"unknown lint rule {unknown[0]!r}",
            field=f"lint.{unknown[0]}",
            hint=f"rules: {', '.join(sorted(RULES))}",
        )
    return {rule_id: settings_for(r, overrides) for rule_id, r in RULES.items()}


def _finding(draft: Draft, rule_id: str, severity: str, hit: RuleHit) -> LintFinding:
    assert severity in ("warning", "error")
    sev: Severity = "error" if severity == "error" else "warning"
    return LintFinding(draft.template_name, hit.line, rule_id, sev, hit.message, hit.hint)


def check_drafts(
    drafts: Sequence[Draft], overrides: Mapping[str, LintRuleConfig] | None = None
) -> list[LintFinding]:
    """Every enabled rule over the drafts (sequence rules per influencer), deduplicated and
    in template, line, rule order."""
    settings = effective_settings(overrides or {})
    found: dict[tuple[str, int, str, str], LintFinding] = {}

    def add(draft: Draft, rule_id: str, hit: RuleHit) -> None:
        f = _finding(draft, rule_id, settings[rule_id].severity, hit)
        found.setdefault((f.template, f.line, f.rule, f.message), f)

    by_influencer: dict[tuple[str, str], list[Draft]] = {}
    for draft in drafts:
        key = (draft.influencer.platform, draft.influencer.handle)
        by_influencer.setdefault(key, []).append(draft)
    for rule_id, r in RULES.items():
        s = settings[rule_id]
        if s.severity == "off":
            continue
        if r.check is not None:
            for draft in drafts:
                for hit in r.check(draft, s):
                    add(draft, rule_id, hit)
        if r.check_sequence is not None:
            for group in by_influencer.values():
                ordered = sorted(group, key=lambda d: d.step)
                for draft, hit in r.check_sequence(ordered, s):
                    add(draft, rule_id, hit)
    return sorted(found.values(), key=lambda f: (f.template, f.line, f.rule, f.message))


def has_errors(findings: Iterable[LintFinding]) -> bool:
    """True when any finding is an error (what `outreach run` refuses to start on)."""
    return any(f.severity == "error" for f in findings)
