"""`outreach roster list|show|edit|tag|note|merge` and `outreach agency list|show` on a real
workspace and SQLite file: filters, the three formats, the whole of a person, edits that
`to =` and the greeting follow, and a merge that makes two records one person."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from outreach.cli import main

ROSTER = (
    "name,email,platform,handle,followers,manager_email,事務所,担当者,tags,language,timezone,basis\n"
    "髙橋 梨沙,,instagram,risa_style,52000,pr@sakura-pro.example.jp,サクラプロ,鈴木,美容,ja,"
    "Asia/Tokyo,consent\n"
    "山本 彩,,instagram,aya_y,30000,pr@sakura-pro.example.jp,サクラプロ,鈴木,,ja,"
    "Asia/Tokyo,consent\n"
    "木村 蓮,ren@example.jp,tiktok,ren_k,90000,pr@sakura-pro.example.jp,サクラプロ,鈴木,,ja,"
    "Asia/Tokyo,consent\n"
    "木村 蓮,ren@example.jp,youtube,ren_ch,12000,,,,,ja,Asia/Tokyo,consent\n"
    "木村 蓮,ren@example.jp,instagram,ren.k,4000,,,,,ja,Asia/Tokyo,consent\n"
)


@pytest.fixture
def run(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
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
    Path("agency.csv").write_text(ROSTER, encoding="utf-8")
    code, out, err = run("import", "influencers", "agency.csv")
    assert code == 0, err
    assert "3 person" not in out
    return run


def test_list_filters_and_formats(run) -> None:  # type: ignore[no-untyped-def]
    code, out, err = run("roster", "list", "--agency", "サクラプロ")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].split() == [
        "handle",
        "platform",
        "name",
        "accounts",
        "tier",
        "agency",
        "to",
        "campaigns",
    ]
    assert lines[-1] == "3 person(s)"
    assert "ren_k" in out and "tiktok:ren_k youtube:ren_ch instagram:ren.k" in out
    code, out, _ = run("roster", "list", "--platform", "youtube", "--format", "json")
    rows = [json.loads(line) for line in out.splitlines()]
    assert [(r["handle"], r["to"]) for r in rows] == [("ren_k", "self")]
    code, out, _ = run("roster", "list", "--tag", "美容", "--format", "csv")
    assert out.splitlines() == [
        "handle,platform,name,accounts,tier,agency,to,campaigns,tags",
        "risa_style,instagram,髙橋 梨沙,instagram:risa_style,micro,サクラプロ,agency,,美容",
    ]
    code, out, _ = run("roster", "list", "--campaign", "spring-serum")
    assert out.splitlines()[-1] == "0 person(s)"


def test_show_edit_tag_note_and_agency(run) -> None:  # type: ignore[no-untyped-def]
    code, out, err = run(
        "roster",
        "edit",
        "youtube:ren_ch",
        "--set",
        "send_to=self_cc_agency",
        "--set",
        "honorific_name=木村 蓮",
    )
    assert code == 0, err
    assert out.splitlines() == [
        "youtube:ren_ch: send_to: '' → 'self_cc_agency'",
        "youtube:ren_ch: honorific_name: '' → '木村 蓮'",
    ]
    code, _, err = run("roster", "edit", "@ren_k", "--set", "send_to=boss")
    assert code == 1 and "send_to 'boss' is not one of self, agency, self_cc_agency" in err
    assert (
        run("roster", "tag", "@ren_k", "メンズ美容", "保湿")[1] == "@ren_k: tags メンズ美容, 保湿\n"
    )
    assert run("roster", "tag", "@ren_k", "保湿", "--remove")[1] == "@ren_k: tags メンズ美容\n"
    assert run("roster", "note", "ren@example.jp", "電話で確認済み")[0] == 0
    code, out, err = run("roster", "show", "@ren_k")
    assert code == 0, err
    assert out.splitlines()[0] == "木村 蓮 (木村 蓮)"
    assert "to (default) self_cc_agency" in out
    for text in (
        "tiktok     ren_k",
        "youtube    ren_ch",
        "instagram  ren.k",
        "ren@example.jp            self",
        "pr@sakura-pro.example.jp  manager  サクラプロ",
        "電話で確認済み",
    ):
        assert text in out, text
    code, out, _ = run("agency", "list", "--format", "json")
    assert [json.loads(line) for line in out.splitlines()] == [
        {"name": "サクラプロ", "domain": "sakura-pro.example.jp", "talents": 3, "addresses": 1}
    ]
    code, out, _ = run("agency", "show", "sakura-pro.example.jp")
    assert out.splitlines()[:2] == [
        "サクラプロ  domain sakura-pro.example.jp",
        "  addresses pr@sakura-pro.example.jp",
    ]
    assert "aya_y" in out and "ren@example.jp" in out
    code, _, err = run("roster", "show", "nobody")
    assert code == 1 and "nobody on the roster is 'nobody'" in err


def test_merge_makes_two_records_one_person(run) -> None:  # type: ignore[no-untyped-def]
    code, out, err = run("roster", "merge", "@risa_style", "@aya_y")
    assert code == 0, err
    assert out == (
        "merged @aya_y into @risa_style: 0 enrolments, 1 accounts, 0 contacts, 0 posts, 0 notes\n"
    )
    code, out, _ = run("roster", "list", "--agency", "サクラプロ", "--format", "json")
    rows = {json.loads(line)["handle"]: json.loads(line) for line in out.splitlines()}
    assert set(rows) == {"risa_style", "ren_k"}
    assert rows["risa_style"]["accounts"] == "instagram:risa_style instagram:aya_y"
    assert run("roster", "show", "@aya_y")[1].splitlines()[0] == "髙橋 梨沙"
    again = run("import", "influencers", "agency.csv")
    assert "0 inserted, 0 updated" in again[1], again
    assert os.path.exists("outreach.db")


def test_enrol_with_a_rule_and_an_address_taken(run) -> None:  # type: ignore[no-untyped-def]
    Path("posts.csv").write_text(
        "influencer,platform,url,title,published_at\n"
        "ren_k,tiktok,https://tiktok.com/@ren_k/video/1,メンズ保湿ルーティン,2026-11-18\n",
        encoding="utf-8",
    )
    assert run("import", "posts", "posts.csv")[0] == 0
    code, out, err = run("enroll", "spring-serum", "--handle", "ren_k", "--to", "agency")
    assert code == 0, err
    assert "enrolled 1, skipped 0" in err
    code, out, _ = run("roster", "show", "@ren_k")
    assert "spring-serum  prospect  active  agency" in out
    code, out, _ = run("preview", "spring-serum", "--influencer", "ren_k")
    assert "To: pr@sakura-pro.example.jp" in out
    assert "サクラプロ ご担当 鈴木様" in out
    code, _, err = run("roster", "edit", "@risa_style", "--set", "email=ren@example.jp")
    assert code == 1 and "ren@example.jp is another person's own address" in err
