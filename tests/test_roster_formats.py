"""Importing the sheets people have (tests/data/rosters/, written by make_rosters.py there):
an .xlsx with a merged title row and a two-row header, UTF-16 「Unicode テキスト」, semicolon
CSV, CP932 with 髙/﨑/① and an emoji lost as `?`, profile URLs, numbers in every form, header
aliases, --map and presets; each with the exact people, accounts and errors."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from outreach.cli import main
from outreach.clock import FixedClock
from outreach.config import Config, load_config
from outreach.errors import ImportRejected, InputError
from outreach.services.roster.importer import (
    ImportOptions,
    ImportReport,
    import_influencers,
    import_posts,
)
from outreach.store.queries.roster import load_influencers
from outreach.store.session import reading

ROOT = Path(__file__).resolve().parent.parent
ROSTERS = Path(__file__).resolve().parent / "data" / "rosters"
CLOCK = FixedClock(datetime(2026, 12, 6, 10, 0, tzinfo=UTC))


@pytest.fixture(scope="module")
def config() -> Config:
    return load_config(ROOT / "config.example.toml")


def _import(engine: Engine, path: Path, config: Config, **options: Any) -> ImportReport:
    return import_influencers(
        engine, path, config=config, clock=CLOCK, options=ImportOptions(**options)
    )


def _people(engine: Engine) -> list[tuple[Any, ...]]:
    with reading(engine) as conn:
        return [
            (i.name, i.email, i.platform, i.handle, i.followers, i.manager_email, i.custom)
            for i in load_influencers(conn)
        ]


def _short(lines: list[Any]) -> list[str]:
    return [str(line).replace(str(ROSTERS) + "/", "") for line in lines]


def test_xlsx_with_title_row_and_merged_two_row_header(db: Engine, config: Config) -> None:
    report = _import(db, ROSTERS / "agency.xlsx", config)
    assert (report.inserted, report.updated, report.rejected) == (7, 0, 0)
    blank = {"備考": "", "agency": "", "manager": ""}
    assert _people(db) == [
        ("山田 花子", "hanako@example.jp", "instagram", "hanako_kitchen", 12_000, "", blank),
        (
            "佐藤 美咲",
            "misaki@example.jp",
            "instagram",
            "misaki_beauty",
            123_000,
            "",
            {"備考": "PR可", "agency": "サクラ事務所", "manager": "鈴木"},
        ),
        ("鈴木 健太", "kenta@example.jp", "youtube", "kenta_camp", 20_000, "", blank),
        (
            "高橋 さくら",
            "sakura@example.jp",
            "tiktok",
            "sakura.dance",
            12_300,
            "mgr@dance-pro.example.jp",  # an address in 担当者 is the manager's address
            {"備考": "", "agency": "ダンス・プロ"},
        ),
        ("Emily Carter", "emily@example.com", "x", "emily_wanders", 1_200, "", blank),
        ("伊藤 翔", "sho@example.jp", "x", "sho_coffee", None, "", {**blank, "備考": "未確認"}),
        ("渡辺 陽菜", "hina@example.jp", "youtube", "hina_eats", 1_200_000, "", blank),
    ]
    again = _import(db, ROSTERS / "agency.xlsx", config)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 7)
    assert again.changes == []


def test_xlsx_sheet_choice_and_errors_name_the_sheet_row(sqlite_db: Engine, config: Config) -> None:
    with pytest.raises(ImportRejected) as info:
        _import(sqlite_db, ROSTERS / "agency.xlsx", config, sheet="シート1")
    assert _short(info.value.errors) == [
        "agency.xlsx:1: --sheet: no sheet 'シート1' (the workbook has 候補リスト, メモ)"
    ]
    with pytest.raises(ImportRejected) as info:
        _import(sqlite_db, ROSTERS / "agency.xlsx", config, sheet="メモ")
    assert _short(info.value.errors)[0].startswith(
        "agency.xlsx:1: name: required column is missing (headers read: この シート は 読まれない;"
    )


def test_unicode_text_semicolon_and_cp932(sqlite_db: Engine, config: Config) -> None:
    assert _import(sqlite_db, ROSTERS / "unicode_text.txt", config).inserted == 2
    assert _import(sqlite_db, ROSTERS / "semicolon.csv", config).inserted == 2
    cp932 = _import(sqlite_db, ROSTERS / "cp932.csv", config)
    assert cp932.inserted == 2
    assert _short(cp932.warnings)[0] == (
        "cp932.csv:3: niche: 'ゆい?コスメ' has '?' where the export lost a character (emoji, "
        "or a kanji Shift_JIS lacks); export again as CSV UTF-8 or .xlsx"
    )
    people = {p[3]: p for p in _people(sqlite_db)}
    assert people["hanako_kitchen"][:5] == (
        "山田 花子",
        "hanako@example.jp",
        "instagram",
        "hanako_kitchen",
        12_300,
    )
    assert people["yui_study"][2:5] == ("youtube", "yui_study", 123_000)
    assert people["olivia_skincare"][:5] == (
        "Olivia Brown",
        "olivia@example.com",
        "instagram",
        "olivia_skincare",
        12_300,
    )
    assert people["ken_tokyo_eats"][2:5] == ("tiktok", "ken_tokyo_eats", 1_200)
    assert people["sakura_dance"][0] == "髙橋 さくら" and people["sakura_dance"][4] == 12_300
    assert people["yui_cosme"][0] == "山﨑 ゆい" and people["yui_cosme"][4] == 20_000
    with reading(sqlite_db) as conn:
        niches = {i.handle: i.niche for i in load_influencers(conn)}
    assert niches["sakura_dance"] == "ダンス①"


def test_profile_urls_become_platform_and_handle(sqlite_db: Engine, config: Config) -> None:
    assert _import(sqlite_db, ROSTERS / "profiles.csv", config).inserted == 4
    assert [p[2:4] for p in _people(sqlite_db)] == [
        ("instagram", "hanako_kitchen"),
        ("tiktok", "sakura.dance"),
        ("x", "ken_tokyo_eats"),
        ("youtube", "yui_study"),
    ]


def test_broken_rows_are_file_line_field_reason(sqlite_db: Engine, config: Config) -> None:
    with pytest.raises(ImportRejected) as info:
        _import(sqlite_db, ROSTERS / "broken.csv", config)
    assert _short(info.value.errors) == [
        (
            "broken.csv:2: platform: 'facebook' is not a platform (instagram, tiktok, youtube, "
            "x, threads, blog, other; or インスタ, IG, Twitter, YT)"
        ),
        "broken.csv:3: platform: 'instagram' but the profile URL is on tiktok",
        "broken.csv:3: followers: '12.3.4万' is not a count (write 12345, 12,345, 1.2万 or 12.3K)",
        "broken.csv:4: platform: is required (or a profile URL)",
        "broken.csv:4: followers: '-5' is negative",
    ]


@pytest.mark.parametrize(
    ("cell", "followers"),
    [
        ("1.2万", 12_000),
        ("12.3万人", 123_000),
        ("約2万", 20_000),
        ("12,300", 12_300),
        ("１２，３００", 12_300),
        ("1.2K", 1_200),
        ("1.2M", 1_200_000),
        ("-", None),
        ("－", None),
        ("", None),
    ],
)
def test_follower_counts_in_every_form(
    sqlite_db: Engine, config: Config, tmp_path: Path, cell: str, followers: int | None
) -> None:
    path = tmp_path / "one.csv"
    path.write_text(
        f'名前,メール,媒体,アカウント,フォロワー数\nA,a@example.jp,IG,a,"{cell}"\n',
        encoding="utf-8",
    )
    assert _import(sqlite_db, path, config).inserted == 1
    assert _people(sqlite_db)[0][4] == followers


def test_map_and_preset(sqlite_db: Engine, tmp_path: Path) -> None:
    path = tmp_path / "agency_a.csv"
    path.write_text(
        "担当インフルエンサー,連絡先,IGアカウント,フォロワー(12月),No\n"
        "山田 花子,hanako@example.jp,hanako_kitchen,1.2万,1\n",
        encoding="utf-8",
    )
    toml = (ROOT / "config.example.toml").read_text(encoding="utf-8")
    config_path = tmp_path / "config.toml"
    config_path.write_text(
        toml
        + '\n[import.presets.agency_a]\nplatform = "インスタ"\n'
        + 'map = { "担当インフルエンサー" = "name", "IGアカウント" = "handle" }\n',
        encoding="utf-8",
    )
    config = load_config(config_path)
    with pytest.raises(ImportRejected) as info:
        _import(sqlite_db, path, config)
    assert [e.field for e in info.value.errors] == ["name", "email", "handle"]
    report = _import(sqlite_db, path, config, preset="agency_a", columns=("連絡先=email", "Memo=-"))
    assert report.inserted == 1
    assert report.warnings[0] == f"{path}: --map: no column 'Memo' in the file"
    assert _people(sqlite_db) == [
        ("山田 花子", "hanako@example.jp", "instagram", "hanako_kitchen", 12_000, "", {})
    ]
    with pytest.raises(InputError, match="no preset 'agency_b'"):
        _import(sqlite_db, path, config, preset="agency_b")
    with pytest.raises(InputError, match="names no field"):
        _import(sqlite_db, path, config, columns=("連絡先=mail",))


def test_two_columns_meaning_one_field_is_a_header_error(
    sqlite_db: Engine, config: Config, tmp_path: Path
) -> None:
    path = tmp_path / "two.csv"
    path.write_text("名前,氏名,メール,媒体,アカウント\nA,B,a@example.jp,IG,a\n", encoding="utf-8")
    with pytest.raises(ImportRejected) as info:
        _import(sqlite_db, path, config)
    assert [str(e) for e in info.value.errors] == [
        f"{path}:1: header: columns '名前' and '氏名' both mean name (leave one out with "
        '--map "氏名=-", or map it to another field)'
    ]
    assert _import(sqlite_db, path, config, columns=("氏名=-",)).inserted == 1


def test_workbook_by_content_and_old_xls_refused(
    sqlite_db: Engine, config: Config, tmp_path: Path
) -> None:
    renamed = tmp_path / "list.csv"
    renamed.write_bytes((ROSTERS / "agency.xlsx").read_bytes())
    assert _import(sqlite_db, renamed, config).inserted == 7
    old = tmp_path / "list.xls"
    old.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504))
    with pytest.raises(ImportRejected) as info:
        _import(sqlite_db, old, config)
    assert [str(e) for e in info.value.errors] == [
        f"{old}:1: file: an Excel 97-2003 (.xls) or password-protected workbook; save it as "
        ".xlsx without a password, or as CSV UTF-8"
    ]


def test_posts_with_japanese_headers_and_profile_urls(
    db: Engine, config: Config, tmp_path: Path
) -> None:
    _import(db, ROSTERS / "profiles.csv", config)
    path = tmp_path / "posts.tsv"
    path.write_text(
        "アカウント\t投稿URL\t投稿日\tいいね数\n"
        "https://www.instagram.com/hanako_kitchen/\thttps://www.instagram.com/p/A1/\t"
        "2026/11/20\t1.2万\n"
        "@sakura.dance\thttps://www.tiktok.com/@sakura.dance/video/1\t2026-11-21\t-\n"
        "nobody\thttps://www.instagram.com/p/A2/\t2026-11-22\t3\n",
        encoding="utf-8",
    )
    with pytest.raises(ImportRejected) as info:
        import_posts(db, path, config=config, options=ImportOptions())
    assert [str(e) for e in info.value.errors] == [
        f"{path}:4: influencer: no influencer 'nobody' on instagram (import influencers first)"
    ]
    report = import_posts(db, path, config=config, options=ImportOptions(skip_invalid=True))
    assert (report.inserted, report.rejected) == (2, 1)
    with reading(db) as conn:
        posts = {i.handle: [(p.url, p.likes) for p in i.posts] for i in load_influencers(conn)}
    assert posts["hanako_kitchen"] == [("https://www.instagram.com/p/A1/", 12_000)]
    assert posts["sakura.dance"] == [("https://www.tiktok.com/@sakura.dance/video/1", None)]
    again = import_posts(db, path, config=config, options=ImportOptions(skip_invalid=True))
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 2)


def test_cli_imports_a_workbook_with_map(
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
    workbook = str(ROSTERS / "agency.xlsx")
    code, out, err = run("import", "influencers", workbook, "--map", "備考=-")
    assert code == 0, err
    assert out.strip() == (
        f"influencers from {workbook}: 7 inserted, 0 updated, 0 unchanged, 0 duplicate rows, "
        "0 rejected"
    )
    code, out, err = run("import", "influencers", workbook, "--map", "備考=-")
    assert "0 inserted, 0 updated, 7 unchanged" in out
    code, _out, err = run("import", "influencers", workbook, "--map", "備考")
    assert code != 0 and "'備考' is not COLUMN=field" in err and "Traceback" not in err


def test_reimport_of_a_file_with_a_repeated_person_reports_nothing_updated(
    sqlite_db: Engine, config: Config
) -> None:
    """Line 4 repeats line 2's person: only line 4 is written, so the stored row is never
    changed twice and the second import finds everything unchanged (it said 1 updated)."""
    path = ROOT / "tests" / "data" / "csv" / "duplicate_row.csv"
    first = _import(sqlite_db, path, config)
    assert (first.inserted, first.updated, first.duplicates) == (2, 0, 1)
    for _ in range(2):
        again = _import(sqlite_db, path, config)
        assert (again.inserted, again.updated, again.unchanged, again.duplicates) == (0, 0, 2, 1)
        assert again.changes == []
        assert again.warnings == [
            f"{path}:4: duplicate of line 2 (same address or platform+handle); line 4 wins"
        ]
