"""Roster import: the bad-CSV corpus with exact errors, encodings, re-import changes,
suppression, --skip-invalid, JSON, posts, and a property test over arbitrary records."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, func, select

from outreach.cli import main
from outreach.clock import FixedClock
from outreach.config import Config, load_config
from outreach.domain.influencer import Basis, Tier
from outreach.errors import ImportRejected
from outreach.services.roster.importer import (
    MAX_LISTED,
    ImportOptions,
    ImportReport,
    import_influencers,
    import_posts,
    suppress_address,
)
from outreach.store.queries import suppression
from outreach.store.queries.roster import find_influencer, load_influencers
from outreach.store.schema import influencer
from outreach.store.session import reading
from tests.support.db import sqlite_engine

ROOT = Path(__file__).resolve().parent.parent
CORPUS = Path(__file__).resolve().parent / "data" / "csv"
SAMPLE = ROOT / "roster"
CLOCK = FixedClock(datetime(2026, 11, 23, 10, 0, tzinfo=UTC))

REJECTED = {
    "missing_column.csv": [
        (
            "missing_column.csv:1: email: required column is missing (headers read: name, "
            'platform, handle, followers; name one with --map "COLUMN=email")'
        )
    ],
    "bad_address.csv": [
        (
            "bad_address.csv:2: email: 'hanako@@example.jp': The part after the @-sign contains "
            "invalid characters: '@'."
        ),
        "bad_address.csv:3: email: 'misaki＠example.jp' has a full-width at-sign (＠); write @",
        (
            "bad_address.csv:4: email: '山田@example.jp': needs SMTPUTF8, which outreach does not "
            "use (Internationalized characters before the @-sign are not supported: '山', '田'.)"
        ),
        (
            "bad_address.csv:5: email: 'emily@example': The part after the @-sign is not valid. "
            "It should have a period."
        ),
    ],
    "wrong_number.csv": [
        "wrong_number.csv:2: followers: '1,2k' is not a count (write 12345, 12,345, 1.2万 or 12.3K)",
        "wrong_number.csv:3: followers: '-300' is negative",
        "wrong_number.csv:4: engagement_rate: '150%' is more than 100%",
        "wrong_number.csv:5: engagement_rate: 'abc' is not a number",
        (
            "wrong_number.csv:5: timezone: unknown timezone 'Asia/Tokio' (use an IANA name like "
            "Asia/Tokyo)"
        ),
        "wrong_number.csv:6: language: 'fr' is not a language (ja, en)",
    ],
    "quoted_newlines.csv": [
        "quoted_newlines.csv:8: email: 'not-an-address': An email address must have an @-sign.",
    ],
    "ten_thousand_columns.csv": [
        "ten_thousand_columns.csv:1: header: 10000 columns; at most 256 allowed",
    ],
    "control_chars.csv": [
        "control_chars.csv:2: name: contains control character U+0000",
        "control_chars.csv:3: niche: contains control character U+0007",
        "control_chars.csv:5: handle: contains control character U+001B",
        "control_chars.csv:5: niche: contains control character U+007F",
    ],
    "encoded_word.csv": [
        "encoded_word.csv:2: name: looks like an RFC 2047 encoded-word",
        "encoded_word.csv:3: niche: looks like an RFC 2047 encoded-word",
    ],
}


@pytest.fixture(scope="module")
def config() -> Config:
    return load_config(ROOT / "config.example.toml")


def _import(engine: Engine, path: Path, config: Config, **options: object) -> ImportReport:
    return import_influencers(
        engine,
        path,
        config=config,
        clock=CLOCK,
        options=ImportOptions(**options),  # type: ignore[arg-type]
    )


def _lines(errors: object, path: Path) -> list[str]:
    return [str(e).replace(str(path), path.name) for e in errors]  # type: ignore[attr-defined]


def _small_csv(path: Path, *lines: str) -> Path:
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def _count(engine: Engine) -> int:
    with reading(engine) as conn:
        return int(conn.execute(select(func.count()).select_from(influencer)).scalar_one())


@pytest.mark.parametrize("name", sorted(REJECTED))
def test_corpus_rejects_with_exact_errors_and_writes_nothing(
    name: str, sqlite_db: Engine, config: Config
) -> None:
    path = CORPUS / name
    with pytest.raises(ImportRejected) as info:
        _import(sqlite_db, path, config)
    assert _lines(info.value.errors, path) == REJECTED[name]
    assert _count(sqlite_db) == 0


def test_shift_jis_and_bom_files_import(sqlite_db: Engine, config: Config) -> None:
    assert _import(sqlite_db, CORPUS / "shift_jis.csv", config).inserted == 2
    assert _import(sqlite_db, CORPUS / "utf8_bom.csv", config).inserted == 1
    with reading(sqlite_db) as conn:
        sakura = find_influencer(conn, "sakura@example.jp")
        fantasia = find_influencer(conn, "@fantasia")
        hina = find_influencer(conn, "hina_eats")
    assert sakura is not None and sakura.name == "髙橋 さくら"
    assert sakura.followers == 1_050_000 and sakura.tier is Tier.MEGA
    assert fantasia is not None and fantasia.name == "㈱ファンタジア ①"
    assert hina is not None and hina.name == "渡辺 陽菜" and hina.engagement_rate == 0.052


def test_skip_invalid_loads_good_rows_and_collapses_breaks(
    sqlite_db: Engine, config: Config
) -> None:
    path = CORPUS / "quoted_newlines.csv"
    report = _import(sqlite_db, path, config, skip_invalid=True)
    assert (report.inserted, report.rejected) == (2, 1)
    assert _lines(report.errors, path) == REJECTED["quoted_newlines.csv"]
    path = CORPUS / "control_chars.csv"
    report = _import(sqlite_db, path, config, skip_invalid=True)
    assert (report.inserted, report.rejected) == (1, 3)
    with reading(sqlite_db) as conn:
        hanako = find_influencer(conn, "hanako")
        kenta = find_influencer(conn, "kenta")
    assert hanako is not None and hanako.name == "山田 花子" and hanako.niche == "料理 おうちごはん"
    assert kenta is not None and kenta.name == "鈴木 健太" and kenta.niche == "キャンプ アウトドア"


def test_duplicate_rows_last_wins_with_a_warning(sqlite_db: Engine, config: Config) -> None:
    path = CORPUS / "duplicate_row.csv"
    report = _import(sqlite_db, path, config)
    assert (report.inserted, report.duplicates) == (2, 1)
    assert str(path) + ":4: duplicate of line 2 (same address or platform+handle); line 4 wins" in (
        report.warnings
    )
    with reading(sqlite_db) as conn:
        hanako = find_influencer(conn, "hanako@example.jp")
    assert hanako is not None and hanako.handle == "hanako_new" and hanako.followers == 1500


def _rewrite(src: Path, dest: Path, edit: dict[str, dict[str, str]]) -> Path:
    """Copy a roster CSV, changing cells of the rows whose handle is a key of `edit`."""
    with src.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    for row in rows:
        row.update(edit.get(row["handle"], {}))
    with dest.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return dest


def test_reimport_updates_and_reports_changes(db: Engine, config: Config, tmp_path: Path) -> None:
    first = _import(db, SAMPLE / "influencers.csv", config)
    assert (first.inserted, first.updated) == (10, 0)
    changed = _rewrite(
        SAMPLE / "influencers.csv",
        tmp_path / "influencers.csv",
        {
            "sho_coffee": {"followers": "12,100", "tags": "カフェ;東京;ラテアート"},
            "emily_wanders": {"email": "Emily@Example.com"},
        },
    )
    report = _import(db, changed, config)
    assert (report.inserted, report.updated, report.unchanged) == (0, 2, 8)
    name = str(changed)
    assert report.changes == [
        f"{name}:6: @sho_coffee: followers: 8900 → 12100",
        f"{name}:6: @sho_coffee: engagement_rate: 0.07325842696629213 → 0.05388429752066116",
        f"{name}:6: @sho_coffee: tier: 'nano' → 'micro'",
        f"{name}:6: @sho_coffee: tags: ['カフェ', '東京'] → ['カフェ', '東京', 'ラテアート']",
        f"{name}:9: @emily_wanders: email: 'emily@example.com' → 'Emily@example.com'",
    ]
    with reading(db) as conn:
        ranked = {i.handle: i for i in load_influencers(conn)}
    assert ranked["sho_coffee"].tier is Tier.MICRO
    assert ranked["hanako_kitchen"].basis is Basis.PUBLISHED_BUSINESS_ADDRESS
    assert ranked["yui_study"].refuses_ads is True
    # er rank is within each platform: the best of each platform is 100
    for platform in ("instagram", "tiktok", "youtube"):
        best = max(
            (i for i in ranked.values() if i.platform == platform),
            key=lambda i: i.engagement_rate or 0,
        )
        assert best.er_rank_pct == pytest.approx(100.0)


def test_partial_file_keeps_what_it_does_not_mention(
    sqlite_db: Engine, config: Config, tmp_path: Path
) -> None:
    _import(sqlite_db, SAMPLE / "influencers.csv", config)
    partial = _small_csv(
        tmp_path / "followers.csv",
        "name,email,platform,handle,followers,City",
        "山田 花子,hanako.yamada@example.jp,instagram,hanako_kitchen,51000,京都",
    )
    report = _import(sqlite_db, partial, config)
    assert report.changes == [
        f"{partial}:2: @hanako_kitchen: followers: 48200 → 51000",
        (
            f"{partial}:2: @hanako_kitchen: custom: {{'favourite_product': '抹茶ラテ'}} → "
            f"{{'favourite_product': '抹茶ラテ', 'City': '京都'}}"
        ),
    ]
    assert not any("basis 'none'" in w for w in report.warnings)
    with reading(sqlite_db) as conn:
        hanako = find_influencer(conn, "hanako_kitchen")
    assert hanako is not None and hanako.niche == "料理・おうちごはん"
    assert hanako.basis is Basis.PUBLISHED_BUSINESS_ADDRESS and hanako.tags[0] == "料理"


def test_suppression_survives_reimport(db: Engine, config: Config) -> None:
    _import(db, SAMPLE / "influencers.csv", config)
    assert suppress_address(db, "Misaki@example.jp", reason="opt_out", clock=CLOCK, actor="test")
    assert not suppress_address(
        db, "misaki@example.jp", reason="opt_out", clock=CLOCK, actor="test"
    )
    report = _import(db, SAMPLE / "influencers.csv", config)
    assert (
        f"{SAMPLE / 'influencers.csv'}:3: email: misaki@example.jp is suppressed; imported, "
        "but it will not be mailed" in report.warnings
    )
    with reading(db) as conn:
        assert suppression.is_suppressed(conn, "misaki@example.jp")
        assert find_influencer(conn, "misaki_beauty") is not None


def test_posts_attach_newest_first_and_unknown_influencer_is_an_error(
    db: Engine, config: Config, tmp_path: Path
) -> None:
    _import(db, SAMPLE / "influencers.csv", config)
    report = import_posts(db, SAMPLE / "posts.csv", config=config, options=ImportOptions())
    assert report.inserted == 21
    with reading(db) as conn:
        misaki = find_influencer(conn, "@misaki_beauty")
    assert misaki is not None
    assert [p.url[-4:] for p in misaki.posts] == ["001/", "002/", "003/"]
    assert misaki.posts[0].published_at == datetime(2026, 11, 17, 12, 30, tzinfo=UTC)
    bad = tmp_path / "posts.csv"
    bad.write_text(
        "influencer,platform,url,caption,likes\n"
        "nobody,instagram,https://example.jp/p/1,hi,3\n"
        "hanako_kitchen,instagram,ftp://example.jp/p,hi,-1\n",
        encoding="utf-8",
    )
    with pytest.raises(ImportRejected) as info:
        import_posts(db, bad, config=config, options=ImportOptions())
    assert _lines(info.value.errors, bad) == [
        "posts.csv:2: influencer: no influencer 'nobody' on instagram (import influencers first)",
        "posts.csv:3: url: 'ftp://example.jp/p' is not an http(s) URL",
        "posts.csv:3: likes: '-1' is negative",
    ]


def test_json_list_and_json_lines(sqlite_db: Engine, config: Config, tmp_path: Path) -> None:
    people = [
        {
            "name": "Emily Carter",
            "email": "emily@example.com",
            "platform": "instagram",
            "handle": "@emily",
            "followers": 34500,
            "tags": ["travel", "japan"],
            "refuses_ads": True,
            "city": "Seattle",
        },
        {"name": "Ken", "email": "ken@example", "platform": "youtube", "handle": "ken"},
    ]
    listed = tmp_path / "people.json"
    listed.write_text(json.dumps(people, indent=2, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(ImportRejected) as info:
        _import(sqlite_db, listed, config)
    assert _lines(info.value.errors, listed) == [
        (
            "people.json:15: email: 'ken@example': The part after the @-sign is not valid. "
            "It should have a period."
        )
    ]
    lines = tmp_path / "people.jsonl"
    lines.write_text("\n".join(json.dumps(p) for p in people[:1]) + "\n{bad\n", encoding="utf-8")
    report = _import(sqlite_db, lines, config, skip_invalid=True, basis=Basis.CONSENT)
    assert (report.inserted, report.rejected) == (1, 1)
    assert _lines(report.errors, lines)[0].startswith("people.jsonl:2: json: ")
    with reading(sqlite_db) as conn:
        emily = find_influencer(conn, "@emily")
    assert emily is not None and emily.tags == ("travel", "japan") and emily.refuses_ads
    assert emily.custom == {"city": "Seattle"} and emily.basis is Basis.CONSENT


def test_dry_run_writes_nothing(sqlite_db: Engine, config: Config) -> None:
    report = _import(sqlite_db, SAMPLE / "influencers.csv", config, dry_run=True)
    assert report.inserted == 10 and report.dry_run
    assert _count(sqlite_db) == 0


def test_basis_option_and_missing_url(sqlite_db: Engine, config: Config) -> None:
    path = CORPUS / "utf8_bom.csv"
    with pytest.raises(ImportRejected) as info:
        _import(sqlite_db, path, config, basis=Basis.PUBLISHED_BUSINESS_ADDRESS)
    assert _lines(info.value.errors, path) == [
        "utf8_bom.csv:2: basis_url: required for published_business_address"
    ]
    _import(
        sqlite_db,
        path,
        config,
        basis=Basis.PUBLISHED_BUSINESS_ADDRESS,
        basis_url="https://example.jp/contact",
    )
    with reading(sqlite_db) as conn:
        hina = find_influencer(conn, "hina_eats")
    assert hina is not None and hina.basis_seen_at == "2026-11-23"


def test_cli_import_report_and_rejection(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)

    def run(*args: str) -> tuple[int, str, str]:
        try:
            main(list(args))
            code = 0
        except SystemExit as exc:
            code = int(exc.code or 0)
        out = capsys.readouterr()
        return code, out.out, out.err

    assert run("init", ".")[0] == 0
    code, out, err = run("import", "influencers", "roster/influencers.csv")
    assert code == 0, err
    assert "10 inserted, 0 updated, 0 unchanged, 0 duplicate rows, 0 rejected" in out
    code, out, err = run("import", "posts", "roster/posts.csv", "--dry-run")
    assert "dry run, nothing written: posts from roster/posts.csv: 21 inserted" in out
    code, _out, err = run("import", "influencers", str(CORPUS / "wrong_number.csv"))
    assert code == 1
    assert f"{CORPUS / 'wrong_number.csv'}:3: followers: '-300' is negative" in err
    assert "6 problem(s); nothing was imported" in err and "Traceback" not in err
    assert run("suppress", "emily@example.com", "--reason", "opt_out")[0] == 0
    code, out, _err = run("suppression", "list", "--format", "csv")
    assert "emily@example.com,opt_out,cli," in out


_text = st.text(
    alphabet=st.characters(codec="utf-8", categories=("L", "N", "P", "S", "Z", "Cc")), max_size=30
) | st.sampled_from(["山田 花子", "=?utf-8?b?5bGx55Sw?=", "1.2万", "12,345", "-5", "", "髙橋①"])


@pytest.fixture(scope="module")
def shared_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    engine = sqlite_engine(tmp_path_factory.mktemp("prop") / "p.db")
    yield engine
    engine.dispose()


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    record=st.fixed_dictionaries(
        {
            "name": _text,
            "email": _text | st.emails(),
            "platform": _text | st.just("instagram"),
            "handle": _text,
            "followers": _text,
            "engagement_rate": _text,
            "language": _text,
            "timezone": _text,
            "tags": _text,
            "basis": _text,
            "refuses_ads": _text,
            "bio": _text,
        }
    )
)
def test_any_record_imports_or_is_a_reported_row_error(
    record: dict[str, str], tmp_path: Path, shared_db: Engine, config: Config
) -> None:
    path = tmp_path / "one.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(record))
        writer.writeheader()
        writer.writerow(record)
    try:
        report = _import(shared_db, path, config)
    except ImportRejected as exc:
        assert exc.errors and all(str(e).startswith(f"{path}:") for e in exc.errors)
        return
    written = report.inserted + report.updated + report.unchanged
    assert written == (1 if any(v.strip() for v in record.values()) else 0)
    with reading(shared_db) as conn:
        for stored in load_influencers(conn):
            assert not any(ch in stored.name for ch in "\r\n\x00\u2028")


def test_undecodable_bytes_name_line_and_column(
    sqlite_db: Engine, config: Config, tmp_path: Path
) -> None:
    """UTF-8 for the first 64 KiB, then one CP932 row: that row's cell is named, not the file."""
    path = tmp_path / "mixed.csv"
    filler = "".join(f"User {i},u{i}@example.com,instagram,u{i}\n" for i in range(2500))
    path.write_bytes(
        ("name,email,platform,handle\n" + filler).encode()
        + "髙橋,t@example.jp,tiktok,taka\n".encode("cp932")
    )
    with pytest.raises(ImportRejected) as info:
        _import(sqlite_db, path, config)
    assert _lines(info.value.errors, path) == [
        "mixed.csv:2502: name: byte 0xEE is not valid utf-8-sig (pass --encoding cp932?)"
    ]
    assert _import(sqlite_db, path, config, encoding="cp932").inserted == 2501


def test_address_and_handle_of_two_people_is_a_row_error(
    db: Engine, config: Config, tmp_path: Path
) -> None:
    _import(db, SAMPLE / "influencers.csv", config)
    clash = _small_csv(
        tmp_path / "clash.csv",
        "name,email,platform,handle",
        "New Person,new@example.jp,instagram,brand_new",
        "山田 花子,hanako.yamada@example.jp,instagram,misaki_beauty",
    )
    with pytest.raises(ImportRejected) as info:
        _import(db, clash, config)
    assert _lines(info.value.errors, clash) == [
        (
            "clash.csv:3: email: hanako.yamada@example.jp belongs to @hanako_kitchen (instagram) but "
            "@misaki_beauty (instagram) is another influencer (fix the address or the handle so "
            "both point at the same person)"
        )
    ]
    with reading(db) as conn:
        assert find_influencer(conn, "brand_new") is None  # rolled back with the bad row
    report = _import(db, clash, config, skip_invalid=True)
    assert (report.inserted, report.rejected) == (1, 1)


def test_errors_past_the_cap_are_counted(sqlite_db: Engine, config: Config, tmp_path: Path) -> None:
    rows = [f"User {i},user{i}@example,instagram,u{i}" for i in range(MAX_LISTED + 5)]
    path = _small_csv(tmp_path / "bad.csv", "name,email,platform,handle", *rows)
    with pytest.raises(ImportRejected) as info:
        _import(sqlite_db, path, config)
    assert len(info.value.errors) == MAX_LISTED + 1
    assert (
        str(info.value.errors[-1]) == f"{path}:{MAX_LISTED + 6}: more: 5 more problem(s) not listed"
    )
