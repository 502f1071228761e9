"""Which column of a sheet holds which field: built-in Japanese and English header aliases,
`--map` pairs and a saved `[import.presets.NAME]`.

A header is compared after NFKC (full-width letters and brackets become ASCII), lower-casing
and dropping spaces, `_`, `-`, `・` and bracketed notes (`フォロワー数（2026年12月）`). A column no
alias names stays a custom field under its own header, as before.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from outreach.errors import InputError

IGNORE = "-"  # `--map "No.=-"`: leave the column out
# The row number a sheet carries: it changes whenever the sheet is sorted, so keeping it as a
# custom field would report every person as updated on the next import.
_ROW_NUMBERS = frozenset({"no", "no.", "#", "番号", "通し番号", "連番", "項番"})

# Fields that are not columns of the influencer table: `profile_url` is reduced to platform +
# handle; `agency` and `manager` are kept as the custom fields of those names (an address in
# the manager column goes to manager_email) until people and agencies get their own tables.
PROFILE_URL = "profile_url"
AGENCY = "agency"
MANAGER = "manager"

INFLUENCER_ALIASES: dict[str, tuple[str, ...]] = {
    "name": (
        "名前",
        "氏名",
        "お名前",
        "本名",
        "インフルエンサー名",
        "クリエイター名",
        "活動名",
        "full name",
        "influencer",
        "creator",
        "creator name",
        "influencer name",
    ),
    "email": (
        "メール",
        "メールアドレス",
        "mail",
        "e-mail",
        "eメール",
        "email address",
        "連絡先メール",
        "連絡先メールアドレス",
        "メアド",
    ),
    "platform": ("媒体", "sns", "プラットフォーム", "platform", "network", "sns媒体", "メディア"),
    "handle": (
        "アカウント",
        "アカウント名",
        "アカウントid",
        "id",
        "ユーザー名",
        "ユーザーネーム",
        "ハンドル",
        "ハンドル名",
        "handle",
        "username",
        "user name",
        "account",
        "@",
    ),
    PROFILE_URL: (
        "url",
        "プロフィールurl",
        "アカウントurl",
        "snsurl",
        "profile",
        "profile url",
        "profile link",
        "リンク",
        "link",
    ),
    "followers": (
        "フォロワー数",
        "フォロワー",
        "登録者数",
        "チャンネル登録者数",
        "followers",
        "follower",
        "follower count",
        "subscribers",
        "フォロワー/登録者数",
    ),
    "avg_likes": ("平均いいね", "平均いいね数", "avg likes", "average likes", "いいね平均"),
    "avg_comments": (
        "平均コメント",
        "平均コメント数",
        "avg comments",
        "average comments",
        "コメント平均",
    ),
    "engagement_rate": (
        "エンゲージメント率",
        "エンゲージメント",
        "er",
        "eng率",
        "engagement",
        "engagement rate",
    ),
    "niche": ("ジャンル", "カテゴリ", "カテゴリー", "分野", "genre", "category"),
    "country": ("国", "国籍", "居住国", "country"),
    "language": ("言語", "使用言語", "lang", "language"),
    "timezone": ("タイムゾーン", "time zone", "tz"),
    "manager_email": (
        "担当者メール",
        "担当者メールアドレス",
        "マネージャーメール",
        "事務所メール",
        "事務所メールアドレス",
        "manager email",
        "agency email",
    ),
    AGENCY: ("事務所", "所属", "所属事務所", "事務所名", "agency", "management"),
    MANAGER: ("担当者", "担当者名", "マネージャー", "担当", "manager"),
    "tags": ("タグ", "キーワード", "tag", "tags"),
    "honorific_name": ("宛名", "敬称名", "honorific name"),
    "send_to": ("送付先", "送り先", "send to"),
    "refuses_ads": ("pr不可", "広告不可", "広告ng", "pr ng", "refuses ads"),
}
POST_ALIASES: dict[str, tuple[str, ...]] = {
    "influencer": (
        "インフルエンサー",
        "アカウント",
        "名前",
        "氏名",
        "メール",
        "handle",
        "account",
        "creator",
        "email",
    ),
    "platform": ("媒体", "sns", "プラットフォーム"),
    "url": ("投稿url", "url", "リンク", "post url", "link", "permalink", "パーマリンク"),
    "title": ("タイトル", "件名"),
    "caption": ("キャプション", "本文", "テキスト", "text"),
    "published_at": ("投稿日", "投稿日時", "公開日", "公開日時", "date", "posted at"),
    "likes": ("いいね", "いいね数", "いいね!"),
    "comments": ("コメント", "コメント数"),
    "shares": ("シェア", "シェア数", "リポスト", "retweets"),
    "saves": ("保存", "保存数"),
    "views": ("再生数", "視聴回数", "再生回数", "表示回数", "plays"),
}

_NOTE = re.compile(r"\([^)]*\)|\[[^\]]*\]|【[^】]*】")
_DROP = re.compile(r"[\s_\-・:：*※]+")


def header_key(header: str) -> str:
    """The header as aliases are compared: `フォロワー数（12月）` and `Followers ` -> フォロワー数,
    followers."""
    text = unicodedata.normalize("NFKC", header).strip().lower()
    text = _NOTE.sub("", text) or text
    return _DROP.sub("", text) or text


def _index(fields: Iterable[str], aliases: Mapping[str, tuple[str, ...]]) -> dict[str, str]:
    index: dict[str, str] = {}
    for name in fields:
        index[header_key(name)] = name
    for name, names in aliases.items():
        for alias in names:
            index.setdefault(header_key(alias), name)
    return index


@dataclass(frozen=True)
class Resolved:
    """Header -> field for one file; `unknown` names the --map columns the file lacks."""

    fields: dict[str, str]  # header as written -> field, custom header, or IGNORE
    unknown: list[str] = field(default_factory=list)


class ColumnMap:
    """Resolves a file's headers to fields: explicit pairs first, then the aliases."""

    def __init__(
        self,
        fields: Iterable[str],
        aliases: Mapping[str, tuple[str, ...]],
        pairs: Mapping[str, str] | None = None,
    ) -> None:
        self.fields = tuple(dict.fromkeys([*fields, *aliases]))
        self.index = _index(self.fields, aliases)
        self.pairs = dict(pairs or {})  # header or field -> field or header (either order)

    def score(self, cells: list[str]) -> int:
        """How many cells of a row are headers this map knows (finding the header row)."""
        return sum(1 for c in cells if c and self.known(c))

    def known(self, header: str) -> bool:
        return header.strip() in self.pairs or header_key(header) in self.index

    def resolve(self, headers: list[str]) -> Resolved:
        """Header -> field. A pair `A=B` reads as COLUMN=field when A is a header of the file,
        else as field=COLUMN (the order `outreach import metrics --map` uses)."""
        present = {h.strip() for h in headers}
        explicit: dict[str, str] = {}
        unknown: list[str] = []
        for left, right in self.pairs.items():
            column, target = (
                (left, right)
                if left in present or right not in present
                else (
                    right,
                    left,
                )
            )
            if column not in present:
                unknown.append(column)
                continue
            explicit[column] = target
        out: dict[str, str] = {}
        taken: dict[str, str] = {}
        for header in headers:
            name = header.strip()
            if name in explicit:
                target = explicit[name]
            elif header_key(name) in _ROW_NUMBERS:
                target = IGNORE
            else:
                target = self.index.get(header_key(name), name)
            if target != IGNORE and target in self.fields:
                if target in taken:
                    raise InputError(
                        f"columns {taken[target]!r} and {name!r} both mean {target}",
                        field="header",
                        hint=f'leave one out with --map "{name}=-", or map it to another field',
                    )
                taken[target] = name
            out[name] = target
        return Resolved(out, unknown)


def parse_pairs(pairs: Iterable[str], fields: Iterable[str], *, source: str) -> dict[str, str]:
    """`フォロワー=followers` (or `followers=フォロワー`) -> {left: right}; one side must be a
    field, or `-` to leave the column out."""
    known = set(fields)
    out: dict[str, str] = {}
    for pair in pairs:
        left, sep, right = (p.strip() for p in pair.partition("="))
        if not sep or not left or not right:
            raise InputError(
                f"{pair!r} is not COLUMN=field",
                field=source,
                hint='for example --map "フォロワー=followers" or --map "No.=-"',
            )
        if left not in known and right not in known and right != IGNORE:
            raise InputError(
                f"{pair!r} names no field",
                field=source,
                hint="fields: " + ", ".join(sorted(known)) + "; or - to leave the column out",
            )
        out[left] = right
    return out
