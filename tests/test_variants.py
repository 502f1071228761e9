"""Step variants: parsing with file:line errors, the deterministic weighted assignment, arms that
span steps, stopping a variant, and the variant recorded on the enrollment and outbox row (real
SQLite and PostgreSQL through `db`; one end-to-end send through a real aiosmtpd server)."""

from __future__ import annotations

import email
import random
from collections import Counter
from datetime import UTC, datetime, timedelta
from email import policy
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select, update

from outreach.clock import FixedClock
from outreach.config import Config
from outreach.domain.sequence import Step, Variant, parse_delay, parse_sequence
from outreach.domain.variants import group_of, parse_recorded, pick, resolve, resolve_in
from outreach.domain.windows import Window
from outreach.errors import InputError
from outreach.services.report import funnel
from outreach.services.send.preview import preview
from outreach.services.sequence.enroll import EnrollFilters, enroll
from outreach.services.sequence.schedule import schedule
from outreach.services.sequence.variants import stop_variant, variant_states
from outreach.store.schema import enrollment, influencer, outbox
from outreach.store.session import reading, writing
from tests.support.render import FOLLOWUP
from tests.support.sequence import (
    ARM_TEMPLATES,
    ARMS,
    ENROLLED,
    TUE_0905,
    add_influencer,
    main_mailbox,
    make_workspace,
    plan_at,
    tick,
)
from tests.support.smtp import smtp_server

__all__ = ["smtp_server"]

WINDOW = Window(
    frozenset(range(5)), datetime(2026, 1, 1, 9).time(), datetime(2026, 1, 1, 18).time(), ""
)


def _parse(text: str, known: tuple[str, ...] = ("pitch", "pitchlong", "followup1")) -> Any:
    return parse_sequence(
        text,
        name="arms",
        file="sequences/arms.toml",
        default_window=WINDOW,
        template_exists=lambda name: name in known,
    )


# --- parsing -------------------------------------------------------------------------------


def test_a_step_with_variants_parses_with_each_template_subject_and_weight() -> None:
    seq, problems = _parse(ARMS, ("pitch", "pitchlong", "followup1", "followuplong"))
    assert problems == []
    first = seq.steps[0]
    assert first.variants == (
        Variant("short", "pitch", None, 1.0),
        Variant("long", "pitchlong", "A longer pitch", 1.0),
    )
    assert first.template == "pitch"  # the first variant's, for code blind to variants
    assert first.templates == ("pitch", "pitchlong")
    assert first.subject == "default subject"
    assert [v.name for v in seq.steps[1].variants] == ["short", "long"]


def test_variant_problems_are_reported_with_file_and_line() -> None:
    text = """\
[[step]]
template = "pitch"
[[step.variant]]
name = "a"
template = "pitch"
weight = 0
[[step.variant]]
name = "a"
template = "nope"
colour = "red"
[[step.variant]]
template = "pitch"
weight = "heavy"
"""
    seq, problems = _parse(text)
    assert seq is None
    found = {(p.field, p.line) for p in problems}
    assert found == {
        ("step[1].template", 2),  # a step with variants has no template of its own
        ("step[1].variant[1].weight", 6),
        ("step[1].variant[2].name", 8),  # used twice
        ("step[1].variant[2].template", 9),  # unknown template
        ("step[1].variant[2].colour", 10),
        ("step[1].variant[3].name", 11),  # missing: the block's first line
        ("step[1].variant[3].weight", 13),
    }
    by_field = {p.field: p for p in problems}
    assert "has no template of its own" in by_field["step[1].template"].message
    assert "used twice" in by_field["step[1].variant[2].name"].message
    assert "positive" in by_field["step[1].variant[1].weight"].message
    assert all(p.file == "sequences/arms.toml" for p in problems)
    assert "sequences/arms.toml:9" in str(by_field["step[1].variant[2].template"])


def test_variants_of_the_second_step_are_located_in_their_own_block() -> None:
    text = ARMS.replace('template = "followuplong"', 'template = "missing"')
    _, problems = _parse(text, ("pitch", "pitchlong", "followup1", "followuplong"))
    assert [(p.field, p.line) for p in problems] == [("step[2].variant[2].template", 22)]


# --- the pure assignment -------------------------------------------------------------------


def _step(number: int, *weights: tuple[str, float], template: str = "t") -> Step:
    variants = tuple(Variant(name, f"{template}-{name}", None, w) for name, w in weights)
    return Step(number, variants[0].template, parse_delay("0m"), variants=variants)


def test_assignment_is_within_two_percent_of_the_weights_over_10000_people() -> None:
    step = _step(1, ("a", 1), ("b", 2), ("c", 1))
    counts = Counter(
        pick("spring", person, group_of(step), step.variants).name  # type: ignore[union-attr]
        for person in range(1, 10_001)
    )
    for name, share in (("a", 0.25), ("b", 0.5), ("c", 0.25)):
        assert abs(counts[name] / 10_000 - share) < 0.02, counts
    # stable: the same person, campaign and step always get the same variant
    again = [pick("spring", p, group_of(step), step.variants) for p in range(1, 2001)]
    assert again == [pick("spring", p, group_of(step), step.variants) for p in range(1, 2001)]
    # and another campaign is an independent draw
    other = [pick("autumn", p, group_of(step), step.variants) for p in range(1, 2001)]
    assert sum(a != b for a, b in zip(again, other, strict=True)) > 500


def test_a_stopped_variant_gets_no_new_people_but_recorded_ones_keep_it() -> None:
    step = _step(1, ("a", 1), ("b", 1))
    fresh = Counter(
        resolve(step, "spring", p, {}, stopped={"b"}).name  # type: ignore[union-attr]
        for p in range(1, 1001)
    )
    assert fresh == {"a": 1000}
    kept = resolve(step, "spring", 7, {"1": "b"}, stopped={"b"})
    assert kept is not None and kept.name == "b"
    # every variant stopped (only by editing the file: `variant stop` refuses the last one)
    assert resolve(step, "spring", 7, {}, stopped={"a", "b"}) is not None


def test_arms_span_steps() -> None:
    first = _step(1, ("a", 1), ("b", 1))
    second = _step(2, ("b", 1), ("c", 5))
    for person in range(1, 300):
        given = resolve(first, "spring", person, {})
        assert given is not None
        recorded = {"1": given.name}
        later = resolve(second, "spring", person, recorded)
        assert later is not None
        if given.name == "b":
            assert later.name == "b"  # arm b continues at step 2
        else:
            # no arm a at step 2: a pick of its own, the same on every call
            assert later == resolve(second, "spring", person, recorded)
    # before anything is recorded (a preview, a schedule), step 2 shows the arm step 1 will
    # give, even when the two steps weigh the arms differently
    heavy, even = _step(1, ("a", 2), ("b", 1)), _step(2, ("a", 1), ("b", 1))
    for person in range(1, 300):
        at_one = resolve(heavy, "spring", person, {})
        at_two = resolve_in([heavy, even], even, "spring", person, {})
        assert at_one is not None and at_two is not None and at_one.name == at_two.name
    # the same arms on two steps pick the same arm even before anything is recorded
    same = _step(2, ("a", 1), ("b", 1))
    assert all(
        resolve(first, "spring", p, {}).name == resolve(same, "spring", p, {}).name  # type: ignore[union-attr]
        for p in range(1, 300)
    )


# --- in the store --------------------------------------------------------------------------


def _workspace(tmp_path: Path, port: int = 8025) -> Config:
    box = main_mailbox(limits={"daily_cap": 100, "min_gap_seconds": 0, "jitter_seconds": 0})
    box["main"]["smtp"]["port"] = port
    config = make_workspace(
        tmp_path, sequences={"arms": ARMS}, campaigns={"spring": "arms"}, mailboxes=box
    )
    for name, text in ARM_TEMPLATES.items():
        (config.templates_dir / name).write_text(text, encoding="utf-8")
    return config


def _enrol(db: Engine, config: Config, handles: list[str]) -> None:
    for handle in handles:
        add_influencer(db, handle)
    enroll(db, config, "spring", EnrollFilters(), dry_run=False, now=ENROLLED, rng=random.Random(3))


def _given(db: Engine) -> dict[int, tuple[int, str, str]]:
    """enrollment id -> (influencer id, recorded JSON, step 1's outbox variant)."""
    with reading(db) as conn:
        rows = conn.execute(
            select(
                enrollment.c.id, enrollment.c.influencer_id, enrollment.c.variants, outbox.c.variant
            ).outerjoin(outbox, (outbox.c.enrollment_id == enrollment.c.id) & (outbox.c.step == 1))
        ).all()
    return {int(r[0]): (int(r[1]), str(r[2]), str(r[3] or "")) for r in rows}


def test_the_variant_is_recorded_and_kept_across_replans_restarts_and_stops(
    db: Engine, tmp_path: Path
) -> None:
    config = _workspace(tmp_path)
    _enrol(db, config, [f"p{i}" for i in range(12)])
    plan_at(db, config, TUE_0905.astimezone(UTC))
    first = _given(db)
    assert len(first) == 12
    seq_step = _parse(ARMS, ("pitch", "pitchlong", "followup1", "followuplong"))[0].steps[0]
    for influencer_id, recorded, variant in first.values():
        expected = pick("spring", influencer_id, group_of(seq_step), seq_step.variants)
        assert expected is not None and variant == expected.name
        assert parse_recorded(recorded) == {"1": variant}
    assert {v for _, _, v in first.values()} == {"short", "long"}

    # Stop `long`, then replan everything from scratch on a new engine (a restart): the outbox
    # rows are gone, yet each person is sent the variant recorded on their enrollment.
    done = stop_variant(db, config, FixedClock(TUE_0905), "spring", 1, "long")
    assert done.new and done.running == ("short",)
    assert done.in_flight == sum(1 for _, _, v in first.values() if v == "long")
    with writing(db) as conn:
        conn.execute(outbox.delete())
        conn.execute(
            update(enrollment).values(next_step=1, next_due_at=ENROLLED.replace(tzinfo=None))
        )
    db.dispose()
    plan_at(db, config, TUE_0905.astimezone(UTC) + timedelta(minutes=5))
    again = _given(db)
    assert {e: v for e, (_, _, v) in again.items()} == {e: v for e, (_, _, v) in first.items()}

    # New people get only the running variant; those in flight keep theirs.
    _enrol(db, config, [f"n{i}" for i in range(8)])
    plan_at(db, config, TUE_0905.astimezone(UTC) + timedelta(minutes=10))
    newcomers = {e: v for e, (_, _, v) in _given(db).items() if e not in first}
    assert len(newcomers) == 8 and set(newcomers.values()) == {"short"}
    states = {(s.step, s.name): s for s in variant_states(db, config, "spring")}
    assert states[1, "long"].stopped and not states[1, "short"].stopped
    assert states[1, "long"].given == done.in_flight

    # Stopping it again says so; the last running variant cannot be stopped.
    assert not stop_variant(db, config, FixedClock(TUE_0905), "spring", 1, "long").new
    with pytest.raises(InputError, match="last running variant"):
        stop_variant(db, config, FixedClock(TUE_0905), "spring", 1, "short")
    with pytest.raises(InputError, match="no variant 'medium'"):
        stop_variant(db, config, FixedClock(TUE_0905), "spring", 1, "medium")


def test_preview_and_schedule_show_every_variant(db: Engine, tmp_path: Path) -> None:
    config = _workspace(tmp_path)
    _enrol(db, config, ["hanako", "yui", "mio"])
    items = list(preview(config, db, "spring", now=ENROLLED, variant="all"))
    assert sorted((i.handle, i.variant) for i in items) == sorted(
        (h, v) for h in ("hanako", "yui", "mio") for v in ("short", "long")
    )
    for item in items:
        assert item.composed is not None
        body = item.composed.text
        assert ("LONG-PITCH" in body) == (item.variant == "long")
        if item.variant == "long":
            assert item.composed.subject == "A longer pitch"
    own = {i.handle: i.variant for i in preview(config, db, "spring", now=ENROLLED)}
    timeline = schedule(db, config, "spring", ENROLLED)
    firsts = {s.handle: s for s in timeline.sends if s.step == 1}
    assert {h: s.variant for h, s in firsts.items()} == own
    assert all(
        s.template == ("pitchlong" if s.variant == "long" else "pitch") for s in firsts.values()
    )
    seconds = {s.handle: s for s in timeline.sends if s.step == 2}
    assert {h: s.variant for h, s in seconds.items()} == own  # the arm spans both steps
    with pytest.raises(InputError, match="no variant"):
        list(preview(config, db, "spring", now=ENROLLED, variant="medium"))


def test_arms_span_steps_end_to_end_and_the_report_compares_recorded_variants(
    db: Engine, tmp_path: Path, smtp_server: Any
) -> None:
    sink, handler = smtp_server
    config = _workspace(tmp_path, sink.port)
    _enrol(db, config, [f"p{i}" for i in range(10)])
    assert tick(db, config, TUE_0905.astimezone(UTC)).sent == 10
    given = {iid: v for iid, _, v in _given(db).values()}
    # stop `long` at step 2 too: people already in arm `long` still get its follow-up
    stop_variant(db, config, FixedClock(TUE_0905), "spring", 2, "long")
    with reading(db) as conn:
        due = max(conn.execute(select(enrollment.c.next_due_at)).scalars())
    assert tick(db, config, due.replace(tzinfo=UTC) + timedelta(seconds=1)).sent == 10

    by_address: dict[str, list[str]] = {}
    for raw in handler.received:
        msg = email.message_from_bytes(raw, policy=policy.default)
        text = msg.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
        by_address.setdefault(str(msg["To"]), []).append(text)
    with reading(db) as conn:
        rows = conn.execute(
            select(outbox.c.enrollment_id, outbox.c.step, outbox.c.variant).order_by(
                outbox.c.enrollment_id, outbox.c.step
            )
        ).all()
    per_enrollment: dict[int, list[str]] = {}
    for eid, _, variant in rows:
        per_enrollment.setdefault(int(eid), []).append(str(variant))
    assert all(len(set(v)) == 1 and len(v) == 2 for v in per_enrollment.values())
    assert set(given.values()) == {"short", "long"}
    for texts in by_address.values():
        pitch, follow = texts
        assert ("LONG-PITCH" in pitch) == ("LONG-FOLLOWUP" in follow)

    # the report's arms are the recorded variants; a row from before variants keeps its
    # template's name
    with writing(db) as conn:
        oldest = min(per_enrollment)
        conn.execute(
            update(outbox)
            .where(outbox.c.enrollment_id == oldest, outbox.c.step == 1)
            .values(variant="")
        )
    data = funnel.load(db, "spring", templates=funnel.template_names(config.templates_dir))
    arms = {(step, name): n for step, name, n in data.trials}
    long_people = sum(1 for v in per_enrollment.values() if v[0] == "long")
    assert arms[2, "long"] == long_people and arms[2, "short"] == 10 - long_people
    old = per_enrollment[oldest][0]
    assert arms[1, old] == (long_people if old == "long" else 10 - long_people) - 1
    assert (
        sum(n for (step, name), n in arms.items() if step == 1 and name not in ("short", "long"))
        == 1
    )
    assert {a.name for a in funnel.arms(data) if a.step == 2} == {"short", "long"}


def test_lint_checks_every_variant_and_does_not_compare_variants_of_one_step(
    tmp_path: Path,
) -> None:
    from outreach.services.lint.runner import lint_campaign

    config = _workspace(tmp_path)
    (config.templates_dir / "followuplong.j2").write_text(
        FOLLOWUP.replace("いかがでしょうか。", "{{ nope( }}"), encoding="utf-8"
    )
    findings = lint_campaign(config, "spring", now=ENROLLED)
    assert any(
        f.template.endswith("followuplong.j2") and f.severity == "error" for f in findings
    ), findings
    # pitch and pitchlong share nearly all their text, but nobody receives both
    assert not [f for f in findings if f.rule == "tone" and "pitch" in f.message]


def test_a_proof_is_the_persons_own_variant(db: Engine, tmp_path: Path, smtp_server: Any) -> None:
    from outreach.services.send.proof import send_proofs

    sink, handler = smtp_server
    config = _workspace(tmp_path, sink.port)
    _enrol(db, config, [f"p{i}" for i in range(8)])
    own = {i.handle: i.variant for i in preview(config, db, "spring", now=ENROLLED)}
    assert set(own.values()) == {"short", "long"}
    sent = list(
        send_proofs(
            config, db, "spring", handles=sorted(own), send_to="me@example.jp", step=1, now=ENROLLED
        )
    )
    assert all(p.accepted for p in sent) and len(handler.received) == len(own)
    for proof in sent:
        assert ("LONG-PITCH" in proof.draft.text) == (own[proof.handle] == "long")


def test_enrolment_checks_the_variant_each_person_will_be_given(db: Engine, tmp_path: Path) -> None:
    # `long` has a Japanese template only: English speakers given it cannot be written to
    config = _workspace(tmp_path)
    handles = [f"e{i}" for i in range(10)]
    for handle in handles:
        add_influencer(db, handle, language="en", country="US")
    report = enroll(
        db, config, "spring", EnrollFilters(), dry_run=False, now=ENROLLED, rng=random.Random(3)
    )
    step = _parse(ARMS, ("pitch", "pitchlong", "followup1", "followuplong"))[0].steps[0]
    with reading(db) as conn:
        ids = {
            str(h): int(i) for h, i in conn.execute(select(influencer.c.handle, influencer.c.id))
        }
    own = {h: pick("spring", ids[h], group_of(step), step.variants).name for h in handles}  # type: ignore[union-attr]
    skipped = {s.handle: s.reason for s in report.skipped}
    assert set(skipped) == {h for h in handles if own[h] == "long"} != set()
    assert all("pitchlong" in why for why in skipped.values())
    assert len(report.enrolled) == sum(1 for h in handles if own[h] == "short")


@pytest.mark.parametrize(
    ("header", "field"),
    [("[[after_deal]]", "after_deal[1]"), ("[reminder]", "reminder")],
)
def test_deal_phase_steps_take_variants_too(header: str, field: str) -> None:
    table = header.strip("[]")
    text = f"""\
[[step]]
template = "pitch"
{header}
delay = "1h"
[[{table}.variant]]
name = "a"
template = "pitch"
[[{table}.variant]]
name = "a"
template = "pitch"
weight = -1
"""
    _, problems = _parse(text)
    assert [(p.field, p.line) for p in problems] == [
        (f"{field}.variant[2].name", 9),
        (f"{field}.variant[2].weight", 11),
    ]
    seq, problems = _parse(
        text.replace(
            'name = "a"\ntemplate = "pitch"\nweight = -1', 'name = "b"\ntemplate = "pitchlong"'
        )
    )
    assert problems == []
    (step,) = seq.deal_steps
    assert [v.name for v in step.variants] == ["a", "b"] and step.templates == (
        "pitch",
        "pitchlong",
    )


def test_the_variant_commands(sqlite_db: Engine, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from outreach.cli import cli

    url = sqlite_db.url.render_as_string(hide_password=False)
    config = make_workspace(
        tmp_path, sequences={"arms": ARMS}, campaigns={"spring": "arms"}, database={"url": url}
    )
    for name, text in ARM_TEMPLATES.items():
        (config.templates_dir / name).write_text(text, encoding="utf-8")
    path = str(tmp_path / "config.toml")

    def run(*args: str) -> Any:
        return CliRunner().invoke(cli, ["--config", path, "variant", *args])

    stopped = run("stop", "spring", "1", "long")
    assert stopped.exit_code == 0, stopped.output
    assert stopped.output.splitlines() == [
        "stopped: spring step 1 variant 'long'",
        "0 person(s) already given it continue",
        "new people get: short",
    ]
    listed = run("list", "spring").output.splitlines()
    assert [line.split()[:6] for line in listed] == [
        ["step", "1", "short", "pitch", "weight", "1"],
        ["step", "1", "long", "pitchlong", "weight", "1"],
        ["step", "2", "short", "followup1", "weight", "1"],
        ["step", "2", "long", "followuplong", "weight", "1"],
    ]
    assert [line.split()[6] for line in listed] == ["running", "stopped", "running", "running"]
    last = run("stop", "spring", "1", "short")
    assert last.exit_code == 1 and "last running variant" in str(last.exception)


def test_retrying_a_broken_step_checks_the_persons_own_variant(db: Engine, tmp_path: Path) -> None:
    from outreach.services.sequence.enroll import retry
    from outreach.store.queries.enrollment import mark_error

    config = _workspace(tmp_path)
    _enrol(db, config, [f"p{i}" for i in range(8)])
    plan_at(db, config, TUE_0905.astimezone(UTC))
    arm = {eid: v for eid, (_, _, v) in _given(db).items()}
    assert set(arm.values()) == {"short", "long"}
    with writing(db) as conn:
        conn.execute(update(enrollment).values(next_step=2))
        for eid in arm:
            mark_error(conn, eid, "render error")
    # `long`'s follow-up has no file any more; `short`'s is fine
    (config.templates_dir / "followuplong.j2").unlink()
    report = retry(db, config, "spring", now=TUE_0905.astimezone(UTC))
    with reading(db) as conn:
        query = select(enrollment.c.id, influencer.c.handle).join(influencer)
        handles = {int(e): str(h) for e, h in conn.execute(query)}
    assert {s.handle for s in report.skipped} == {handles[e] for e, v in arm.items() if v == "long"}
    assert all("followuplong" in s.reason for s in report.skipped)
    assert len(report.enrolled) == sum(1 for v in arm.values() if v == "short")
