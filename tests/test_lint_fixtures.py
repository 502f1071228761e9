"""The pitch rules against real-shaped Japanese and English pitches (tests/data/pitches/): each
fixture is rendered with the real Composer and must get exactly its listed findings; per-rule
precision and recall against a reviewer's judgement (`expect`) are printed."""

from __future__ import annotations

import shutil
import tomllib
from collections import Counter
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from outreach.config import Config, load_config
from outreach.domain.campaign import Campaign
from outreach.domain.influencer import Influencer
from outreach.render.compose import Composer
from outreach.services.lint import RULES, LintFinding, check_drafts
from outreach.services.lint.runner import render_draft
from outreach.services.lint.samples import sample_influencers
from outreach.services.sequence.campaigns import parse_campaign

ROOT = Path(__file__).resolve().parent.parent
PITCHES = ROOT / "tests" / "data" / "pitches"
NOW = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)
ENTRIES: list[dict[str, Any]] = tomllib.loads(
    (PITCHES / "expected.toml").read_text(encoding="utf-8")
)["pitch"]


@cache
def _workspace() -> tuple[Config, Composer, dict[str, Campaign], dict[str, Influencer]]:
    import tempfile

    base = Path(tempfile.mkdtemp(prefix="pitches-"))
    shutil.copyfile(ROOT / "config.example.toml", base / "config.toml")
    templates = base / "templates"
    templates.mkdir()
    for footer in (ROOT / "templates").glob("_footer.*.j2"):
        shutil.copyfile(footer, templates / footer.name)
    for fixture in PITCHES.glob("*.j2"):
        shutil.copyfile(fixture, templates / fixture.name)
    config = load_config(base / "config.toml")
    campaigns = {
        p.stem: parse_campaign(p.read_text(encoding="utf-8"), slug=p.stem, file=str(p))
        for p in (PITCHES / "campaigns").glob("*.toml")
    }
    people = {
        p.language: p for p in sample_influencers(NOW) if p.handle in ("hanako_skin", "emmaglows")
    }
    return config, Composer(config), campaigns, people


def findings_of(entry: dict[str, Any]) -> list[LintFinding]:
    config, composer, campaigns, people = _workspace()
    language = entry["file"].split(".")[-2]
    person, campaign = people[language], campaigns[entry["campaign"]]
    sent = None
    if entry["step"] > 1:  # a follow-up goes out as "Re: " and the pitch's subject
        pitch = f"{language}-01-post-first"
        first = composer.compose(campaign, person, step=1, total_steps=3, template=pitch, now=NOW)
        sent = f"Re: {first.subject}"
    drafted = render_draft(
        composer,
        campaign,
        entry["file"],
        person,
        step=entry["step"],
        total=3,
        now=NOW,
        sent_subject=sent,
    )
    if isinstance(drafted, LintFinding):
        return [drafted]
    return check_drafts([drafted], config.lint)


def _expected_from_lint(entry: dict[str, Any]) -> list[str]:
    misses = set(entry.get("lint_misses", []))
    false_alarms = set(entry.get("lint_false_alarms", []))
    return sorted((set(entry["expect"]) - misses) | false_alarms)


def test_the_fixture_set_is_big_bilingual_and_mixed() -> None:
    files = sorted(p.name for p in PITCHES.glob("*.j2"))
    assert files == sorted(e["file"] for e in ENTRIES)  # every fixture has an entry
    assert len(ENTRIES) >= 30
    for lang in ("ja", "en"):
        mine = [e for e in ENTRIES if e["file"].endswith(f".{lang}.j2")]
        assert any(not e["expect"] for e in mine) and any(e["expect"] for e in mine), lang
    assert {r for e in ENTRIES for r in e["expect"]} <= set(RULES)


@pytest.mark.parametrize("entry", ENTRIES, ids=[e["file"] for e in ENTRIES])
def test_each_pitch_gets_exactly_its_findings(entry: dict[str, Any]) -> None:
    found = findings_of(entry)
    assert sorted({f.rule for f in found}) == _expected_from_lint(entry), "\n".join(map(str, found))


def test_precision_and_recall_per_rule(capsys: pytest.CaptureFixture[str]) -> None:
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    for entry in ENTRIES:
        fired = {f.rule for f in findings_of(entry)}
        truth = set(entry["expect"])
        tp.update(fired & truth)
        fp.update(fired - truth)
        fn.update(truth - fired)
    rows = []
    for rule in sorted(set(tp) | set(fp) | set(fn)):
        precision = tp[rule] / (tp[rule] + fp[rule]) if tp[rule] + fp[rule] else 1.0
        recall = tp[rule] / (tp[rule] + fn[rule]) if tp[rule] + fn[rule] else 1.0
        rows.append((rule, tp[rule], fp[rule], fn[rule], precision, recall))
    with capsys.disabled():
        print(f"\n{len(ENTRIES)} pitches; per rule against a reviewer's findings:")
        print(f"{'rule':<18} {'tp':>3} {'fp':>3} {'fn':>3} {'precision':>9} {'recall':>7}")
        for rule, t, f, n, p, r in rows:
            print(f"{rule:<18} {t:>3} {f:>3} {n:>3} {p:>9.2f} {r:>7.2f}")
        total_tp, total_fp, total_fn = sum(tp.values()), sum(fp.values()), sum(fn.values())
        print(
            f"{'all':<18} {total_tp:>3} {total_fp:>3} {total_fn:>3} "
            f"{total_tp / max(total_tp + total_fp, 1):>9.2f} "
            f"{total_tp / max(total_tp + total_fn, 1):>7.2f}"
        )
    # The published figures match the known misses and false alarms recorded per fixture.
    assert sum(fn.values()) == sum(len(e.get("lint_misses", [])) for e in ENTRIES)
    assert sum(fp.values()) == sum(len(e.get("lint_false_alarms", [])) for e in ENTRIES)


NANORI = [
    "株式会社さくらビューティーのPR担当、佐藤と申します。",
    "さくらビューティーで広報をしております、佐藤です。",
    "化粧品ブランドでSNS施策をしております、鈴木です。",
    "インフルエンサー施策を担当している鈴木です。",
    "はじめまして、さくらビューティーの佐藤です。",
    "私、さくらビューティーの佐藤と申します。",
    "I'm Aya from Sakura Beauty.",
    "My name is Aya and I look after creator partnerships at Sakura Beauty.",
]
NOT_NANORI = [
    "弊社は東京のスキンケアブランドで、自然派の美容液を販売しております。",
    "私たちは創業50年の化粧品メーカーです。",
    "いつも投稿を拝見しております。",
    "いつも応援をしております。",
    "ご連絡をお待ちしております。",
    "乾燥肌の方にぴったりの美容液です。",
    "We are Sakura Beauty, a Tokyo skincare brand.",
    "I'm reaching out about a paid collaboration.",
]


def test_what_counts_as_a_nanori() -> None:
    from outreach.services.lint.intro import is_nanori

    assert [s for s in NANORI if not is_nanori(s)] == []
    assert [s for s in NOT_NANORI if is_nanori(s)] == []
