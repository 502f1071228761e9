"""Writes the real-shaped rosters beside this file: `python tests/data/rosters/make_rosters.py`.

Each is what a sheet people keep looks like once exported: an .xlsx with a merged title row and
a two-row header (SNS merged over 媒体 and アカウント), Excel's 「Unicode テキスト」 (UTF-16 with a
BOM, tab-separated), a semicolon CSV from a European Excel, a Shift_JIS (CP932) export with
髙/﨑/① and the `?` Excel writes for an emoji Shift_JIS lacks, and a list of profile URLs.
"""

from __future__ import annotations

from pathlib import Path

import openpyxl
from openpyxl.styles import Alignment, Font

HERE = Path(__file__).resolve().parent


def agency_xlsx(path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "候補リスト"
    sheet["A1"] = "インフルエンサー候補リスト（2026年12月）"
    sheet.merge_cells("A1:I1")
    sheet["A1"].font = Font(bold=True, size=14)
    top = ["No.", "氏名", "メールアドレス", "SNS", None, "フォロワー数", "事務所", "担当者", "備考"]
    below = [None, None, None, "媒体", "アカウント", None, None, None, None]
    sheet.append(top)
    sheet.append(below)
    sheet.merge_cells("D2:E2")  # SNS over 媒体 | アカウント
    for column in "ABCFGHI":
        sheet.merge_cells(f"{column}2:{column}3")
    sheet["D2"].alignment = Alignment(horizontal="center")
    rows = [
        [1, "山田 花子", "hanako@example.jp", "インスタ", "@hanako_kitchen", "1.2万", "", "", ""],
        [
            2,
            "佐藤 美咲",
            "misaki@example.jp",
            "IG",
            "misaki_beauty",
            "12.3万人",
            "サクラ事務所",
            "鈴木",
            "PR可",
        ],
        [
            3,
            "鈴木 健太",
            "kenta@example.jp",
            "YT",
            "https://www.youtube.com/@kenta_camp",
            "約2万",
            "",
            "",
            "",
        ],
        [
            4,
            "高橋 さくら",
            "sakura@example.jp",
            "ティックトック",
            "sakura.dance",
            12300,
            "ダンス・プロ",
            "mgr@dance-pro.example.jp",
            "",
        ],
        None,  # a blank row in the middle of the list
        [5, "Emily Carter", "emily@example.com", "Twitter", "emily_wanders", "1.2K", "", "", ""],
        [6, "伊藤 翔", "sho@example.jp", "X", "sho_coffee", "-", "", "", "未確認"],
        [7, "渡辺 陽菜", "hina@example.jp", "YouTube", "hina_eats", "1.2M", "", "", ""],
    ]
    for row in rows:
        sheet.append(row or [])
    book.create_sheet("メモ")["A1"] = "この シート は 読まれない"
    book.save(path)


UNICODE_TEXT = (
    "名前\tメール\t媒体\tアカウント\tフォロワー数\tジャンル\n"
    "山田 花子\thanako@example.jp\tインスタ\thanako_kitchen\t１２，３００\t料理\n"
    "中村 結衣\tyui@example.jp\tYouTube\tyui_study\t12.3万\t勉強\n"
)

SEMICOLON = (
    "Name;E-mail;Platform;Username;Followers;Category\n"
    'Olivia Brown;olivia@example.com;instagram;olivia_skincare;"12,300";skincare\n'
    "Ken Tanaka;ken@example.com;TikTok;ken_tokyo_eats;1.2K;food\n"
)

CP932 = (
    "氏名,メールアドレス,SNS,アカウント,フォロワー,ジャンル\n"
    '髙橋 さくら,sakura@example.jp,インスタ,sakura_dance,"12,300",ダンス①\n'
    "山﨑 ゆい,yui.y@example.jp,インスタ,yui_cosme,約2万,ゆい?コスメ\n"
)

PROFILES = (
    "name,email,profile\n"
    "Hanako,hanako@example.jp,https://www.instagram.com/hanako_kitchen/?hl=ja\n"
    "Sakura,sakura@example.jp,https://www.tiktok.com/@sakura.dance\n"
    "Ken,ken@example.com,https://x.com/ken_tokyo_eats\n"
    "Yui,yui@example.jp,https://www.youtube.com/@yui_study\n"
)

BROKEN = (
    "氏名,メール,媒体,アカウント,フォロワー数\n"
    "山田 花子,hanako@example.jp,facebook,hanako,1.2万\n"
    "佐藤 美咲,misaki@example.jp,インスタ,https://www.tiktok.com/@misaki,12.3.4万\n"
    "鈴木 健太,kenta@example.jp,,kenta,-5\n"
)


def main() -> None:
    agency_xlsx(HERE / "agency.xlsx")
    (HERE / "unicode_text.txt").write_bytes(UNICODE_TEXT.encode("utf-16"))  # BOM + LE
    (HERE / "semicolon.csv").write_text(SEMICOLON, encoding="utf-8", newline="")
    (HERE / "cp932.csv").write_bytes(CP932.encode("cp932"))
    (HERE / "profiles.csv").write_text(PROFILES, encoding="utf-8", newline="")
    (HERE / "broken.csv").write_text(BROKEN, encoding="utf-8", newline="")


if __name__ == "__main__":
    main()
