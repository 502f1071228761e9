"""Return dates read from out-of-office text, in English and Japanese. Pure: text and a date in.

Rules (how English and Japanese out-of-office notices state the return):
- 「X日まで」, "through X" and the end of a range (A〜B, A～B, A-B, AからBまで, "from A to B")
  mean back on the next business day after X: the absence includes X.
- English "until X" / "till X" ("out of the office until Monday, January 4", "from 18 December
  until 5 January") means back on X, as English speakers read it. Japanese まで always
  includes X: 「X日までメールの確認ができません」 is able again the next business day too.
- 「X日より」「X日から」「X日に出社」, "back on X", "returning X" mean back on X. 「X日から休暇」
  (the start of the absence) is not a return date.
- A date without a year is the next occurrence on or after the received date (so a New Year
  range received in December ends in January of the next year); a range end without a year
  is the next occurrence on or after the range start. A weekday in parentheses that does not
  match picks the following year when that one matches.
- Business days skip weekends; Japanese text also skips JP public holidays (`holidays`) and the
  customary 12/29-1/3 New Year closure. English text skips weekends only.
- Slash dates are month/day (as written in Japan and the US); 13/12 is read day/month.
- Explicit return dates win over ones derived from "until"; among equals the latest wins.
- Without any date, English "back on Monday" / "until Friday" / "back tomorrow" count from the
  received day.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace
from datetime import date, timedelta
from functools import lru_cache

import holidays

_MONTHS = {
    m: i + 1
    for i, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ]
    )
    for m in names
}
_JA_WEEKDAYS = "月火水木金土日"
_EN_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_MONTH_RE = "|".join(sorted(_MONTHS, key=len, reverse=True))


def _wd_en(group: str) -> str:
    """An optional English weekday before a date ("Monday, "), captured as `group`."""
    return (
        rf"(?:(?P<{group}>mon|tues?|wed(?:nes)?|thu(?:rs?)?|fri|sat(?:ur)?|sun)(?:day)?\.?,?\s+)?"
    )


# One date token; named groups say which form matched.
_TOKEN = re.compile(
    r"(?:(?:令和\s*(?P<reiwa>\d{1,2}|元)\s*年|(?P<yja>\d{4})\s*年)\s*)?"
    r"(?P<mja>\d{1,2})\s*月\s*(?P<dja>\d{1,2})\s*日"
    # "Monday 4/1/27": a weekday before a slash date says which of day and month comes first.
    rf"|(?:\b{_wd_en('wd3')})?"
    r"(?<![\d/.])(?:(?P<ys>\d{4})[/.-])?(?P<ms>\d{1,2})/(?P<ds>\d{1,2})(?:/(?P<ye>\d{4}|\d{2}))?(?![\d/])"
    r"|(?<!\d)(?P<yi>\d{4})-(?P<mi>\d{1,2})-(?P<di>\d{1,2})(?!\d)"
    # 05.01.2027: day, month, year with dots, as Europe writes them.
    r"|(?<![\d.])(?P<dd>\d{1,2})\.(?P<md>\d{1,2})\.(?P<yd>\d{4})(?![\d])"
    # "Jan 4, 2027", "4 January", "the 12th of January", and hyphenated "04-Jan-2027".
    rf"|\b{_wd_en('wd1')}(?P<mon1>{_MONTH_RE})\.?(?:\s+|-)(?P<d1>\d{{1,2}})(?:st|nd|rd|th)?\b"
    rf"(?:(?:,?\s*|-)(?P<y1>\d{{4}}))?"
    # "14. December", the day with a dot, as German writes it.
    rf"|\b{_wd_en('wd2')}(?P<d2>\d{{1,2}})(?:st|nd|rd|th|\.)?(?:\s+|-)(?:of\s+)?(?P<mon2>{_MONTH_RE})\b\.?"
    rf"(?:(?:,?\s*|-)(?P<y2>\d{{4}}))?",
    re.IGNORECASE,
)
_WEEKDAY_AFTER = re.compile(
    r"^\s*\(\s*(?P<wd>[月火水木金土日]|mon|tue|wed|thu|fri|sat|sun)[^)]{0,8}\)", re.IGNORECASE
)
_RANGE = re.compile(
    r"^\s*(?:[〜~\-–—ー－・]|から|より|up to and including|up to|to|until|till|through|thru)\s*",
    re.IGNORECASE,
)
_BARE_DAY = re.compile(r"^(?P<d>\d{1,2})(?:\s*日|(?:st|nd|rd|th)?\b)")
_UNTIL_JA = re.compile(r"^\s*(?:まで|迄)")
# 「5月1日はお休みをいただいております」: that day is away; back the next business day.
_OFF_JA = re.compile(r"^\s*(?:は|も)\s*(?:終日)?\s*(?:お休み|休み|休業|休暇|不在)")
_FROM_JA = re.compile(r"^\s*(?:より|から|以降)")
_BACK_JA = re.compile(
    r"^\s*(?:に|には|から|より)?\s*(?:出社|戻り|戻ります|戻る|帰社|復帰|再開|通常|帰国|帰京|帰任|下山|"
    r"かえって|帰って|戻って|もどって)"
    # 「1月10日にロンドンへ戻り次第」: a place between the day and the return.
    r"|^\s*に\s*[^\s。、,]{1,8}?(?:へ|に)\s*(?:戻|帰)"
)
# 「復帰は2027年4月1日を予定」「出社予定日：1月5日」: the resume word comes first.
_BACK_JA_BEFORE = re.compile(
    r"(?:復帰|出社|帰社|戻り|再開|営業開始|業務開始|仕事始め|出勤|帰国)(?:予定)?日?\s*(?:は|:)?[、,]?\s*$"
)
_ABSENCE_JA = re.compile(r"休|不在|出張|留守|離れ|外出|研修|産休|育休")
_OTHER_EVENT_JA = re.compile(r"販売|発売|開催|予定|セール|締め切|締切|スタート|キャンペーン")
_RESUME_JA = re.compile(r"再開|出社|通常|順次|対応|戻|営業|復帰|返信|返事|確認|ご連絡")
# "until and including 31 December" and "my last day out is 31 December" name the last day
# away, as "through" does.
_UNTIL_EN = re.compile(
    r"\b(?:(?:through|thru|up to)\s*(?:and including\s*)?|(?:until|till|til)\s+and\s+including\s*"
    r"|last (?:day|working day|full day) (?:out|off|away)(?: of (?:the )?office)?\s*:?"
    r"(?:\s+(?:is|will be|being))?\s*(?:on\s*)?)(?:the\s+)?$",
    re.IGNORECASE,
)
_UNTIL_ON_EN = re.compile(r"\b(?:until|till|til)\s*(?:the\s+)?$", re.IGNORECASE)
_INCLUSIVE = re.compile(r"^\s*[(,]?\s*(?:inclusive|included)\b", re.IGNORECASE)
# Days named rather than numbered ("out through New Year's Day", 「元旦まで」), keyed without
# apostrophes so "New Years Day" and "New Year’s Day" read the same.
_NAMED_DAYS = {
    "new years day": "January 1",
    "new years eve": "December 31",
    "christmas eve": "December 24",
    "christmas day": "December 25",
    "boxing day": "December 26",
    "元日": "1月1日",
    "元旦": "1月1日",
    "大晦日": "12月31日",
}
_NAMED_DAY = re.compile(
    "|".join(n.replace("years", "year['’]?s") for n in _NAMED_DAYS), re.IGNORECASE
)
_APOSTROPHE = re.compile("['’]")
_PAST_START = timedelta(days=45)
_WRAP = re.compile(r"(?<!\n)\n(?!\n)")
_BACK_EN = re.compile(
    r"\b(?:back|return|returning|returns|return to the office|in the office|available|resume|"
    r"resumes|reopen|reopens|reopening|open again|"
    r"reachable|respond|responding|reply|replying|answer|answering|answered|replied|responded|"
    r"(?:be|are|is) (?:read|checked|monitored|picked up)|"
    r"next batch|(?:checking|reading) (?:my )?(?:inbox|e-?mails?) again|"
    r"resend|be in)\b[^.!?\n]{0,30}$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class _Token:
    start: int
    end: int
    year: int | None
    month: int
    day: int
    weekday: int | None  # 0 = Monday
    japanese: bool
    # 03/01/2027 with nothing to say which number is the day: read as the nearer date.
    either_way: bool = False


def _int(value: str | None) -> int | None:
    return int(value) if value else None


# A slash date whose first number cannot be a month (15/2/2027): the writer puts the day
# first, so every slash date in that text is read day first ("from 5/2 to 14/2/2027").
_DAY_FIRST = re.compile(r"(?<![\d/.])(?:1[3-9]|2\d|3[01])/(?:0?[1-9]|1[0-2])(?![\d])")


def _token(m: re.Match[str], text: str, day_first: bool = False) -> _Token | None:
    g = m.groupdict()
    year: int | None
    if g["mja"]:
        reiwa = g["reiwa"]
        year = 2018 + (1 if reiwa == "元" else int(reiwa)) if reiwa else _int(g["yja"])
        month, day, japanese = int(g["mja"]), int(g["dja"]), True
    elif g["ms"]:
        year, month, day, japanese = _int(g["ys"] or g["ye"]), int(g["ms"]), int(g["ds"]), False
        if year is not None and year < 100:
            year += 2000
        if (month > 12 >= day) or (day_first and not g["ys"] and day <= 12):
            month, day = day, month
        elif g["wd3"] and year is not None and day <= 12:
            wanted = _EN_WEEKDAYS.index(g["wd3"][:3].lower())
            as_written, swapped = _valid(year, month, day), _valid(year, day, month)
            if (
                swapped
                and swapped.weekday() == wanted
                and not (as_written and as_written.weekday() == wanted)
            ):
                month, day = day, month
    elif g["mi"]:
        year, month, day, japanese = int(g["yi"]), int(g["mi"]), int(g["di"]), False
    elif g["md"]:
        year, month, day, japanese = int(g["yd"]), int(g["md"]), int(g["dd"]), False
    else:
        name = (g["mon1"] or g["mon2"]).lower()
        year, month, japanese = _int(g["y1"] or g["y2"]), _MONTHS[name], False
        day = int(g["d1"] or g["d2"])
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return None
    either_way = bool(
        g["ms"] and not g["ys"] and not day_first and not g["wd3"] and day <= 12 and month != day
    )
    weekday = None
    end = m.end()
    after = _WEEKDAY_AFTER.match(text[end:])
    if after:
        wd = after.group("wd").lower()
        weekday = _JA_WEEKDAYS.index(wd) if wd in _JA_WEEKDAYS else _EN_WEEKDAYS.index(wd[:3])
        end += after.end()
    elif g.get("wd1") or g.get("wd2") or g.get("wd3"):
        weekday = _EN_WEEKDAYS.index((g.get("wd1") or g.get("wd2") or g["wd3"])[:3].lower())
    return _Token(
        m.start(),
        end,
        year,
        month,
        day,
        weekday,
        japanese or bool(after and not after.group("wd").isascii()),
        either_way and after is None,
    )


_JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


def _nearer(tok: _Token, received: date) -> _Token:
    """Of month/day and day/month, the reading nearer the day received (and not long past): an
    absence is weeks, not months ("until 03/01/2027" sent on 27 December is 3 January, as
    Brazil and Europe write it; "back 01/04" sent then is 4 January, as the US writes it).
    Japanese text always writes month/day."""
    swapped = replace(tok, month=tok.day, day=tok.month)
    as_written, other = _resolve(tok, received), _resolve(swapped, received)
    if other is None or as_written is None:
        return tok if other is None else swapped

    def far(day: date) -> tuple[bool, int]:
        return day < received - _PAST_START, abs((day - received).days)

    return swapped if far(other) < far(as_written) else tok


def _valid(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _resolve(tok: _Token, anchor: date) -> date | None:
    """The token's date: its own year, else the next occurrence on/after anchor (weekday hint)."""
    if tok.year is not None:
        return _valid(tok.year, tok.month, tok.day)
    options = [
        d
        for y in (anchor.year, anchor.year + 1, anchor.year + 2)
        if (d := _valid(y, tok.month, tok.day))
    ]
    options = [d for d in options if d >= anchor]
    if not options:
        return None
    if tok.weekday is not None:
        matching = [d for d in options[:2] if d.weekday() == tok.weekday]
        if matching:
            return matching[0]
    return options[0]


@lru_cache(maxsize=64)
def _jp_holidays(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("JP", years=[year])


def is_business_day(day: date, *, japanese: bool = True) -> bool:
    """Weekdays; for Japan also not a public holiday nor the 12/29-1/3 New Year closure."""
    if day.weekday() >= 5:
        return False
    if not japanese:
        return True
    new_year_closure = (day.month, day.day) >= (12, 29) or (day.month, day.day) <= (1, 3)
    return not new_year_closure and day not in _jp_holidays(day.year)


def next_business_day(day: date, *, japanese: bool = True) -> date:
    """The first business day strictly after `day`."""
    nxt = day + timedelta(days=1)
    while not is_business_day(nxt, japanese=japanese):
        nxt += timedelta(days=1)
    return nxt


@dataclass(frozen=True)
class ReturnDate:
    """The day sending may resume, and the words it was read from."""

    day: date
    evidence: str


# "out of the office 22–26 February": a bare day, a joint, then the dated end of the range.
_BARE_START = re.compile(
    r"(?<![\d/.:])(?P<d>\d{1,2})(?:st|nd|rd|th)?\s*(?:[-–—~〜]|to|until|till|through|thru)\s*$",
    re.IGNORECASE,
)


def _bare_start(text: str, tok: _Token) -> _Token | None:
    """The start of `A-B Month` when tok is "B Month" and A is a bare day before it."""
    before = max(0, tok.start - 16)
    found = _BARE_START.search(text[before : tok.start])
    if found is None or tok.japanese or int(found.group("d")) >= tok.day:
        return None
    at = before + found.start()
    return _Token(
        at, at + len(found.group("d")), tok.year, tok.month, int(found.group("d")), None, False
    )


def _range_end(text: str, tok: _Token, tokens: dict[int, _Token]) -> _Token | None:
    """The end of `A〜B` / `A-B` / `AからB` / `from A to B` when tok is A."""
    joint = _RANGE.match(text[tok.end :])
    if not joint:
        return None
    at = tok.end + joint.end()
    if at in tokens:
        return tokens[at]
    bare = _BARE_DAY.match(text[at:])
    if bare:  # 12月28日〜31日, Dec 1-5
        return _Token(
            at, at + bare.end(), tok.year, tok.month, int(bare.group("d")), None, tok.japanese
        )
    return None


_LEADING_TIME = re.compile(
    r"^\s*(?:午前|午後)?\s*\d{1,2}(?:[:：]\d{2}|時(?:\d{1,2}分|半)?)\s*(?:am|pm)?", re.IGNORECASE
)
_WEEKDAY_ONLY = re.compile(
    r"\b(?:(?P<back>back|return(?:ing|s)?|in\s+the\s+office|(?:checking|reading)\s+(?:my\s+)?e-?mails?"
    r"\s+again)|(?P<until>until|till|through|thru))"
    r"(?:\s+(?:at|in|to)\s+(?:my|the)\s+(?:desk|office|studio|shop|workshop|laptop))?"
    r"(?:\s+(?:on|next|this))?\s+(?P<wd>monday|tuesday|wednesday|thursday|friday|saturday|sunday|tomorrow)\b",
    re.IGNORECASE,
)


def _read_token(text: str, tok: _Token, day: date) -> tuple[str, date, str] | None:
    """("resume" | "until", return day, evidence) for a date by the words around it."""
    after = _LEADING_TIME.sub("", text[tok.end : tok.end + 30], count=1)
    # A single line break is the sender's wrapping, not the end of a sentence: "back in the
    # office\non Monday, December 28" reads as one phrase. A blank line still separates.
    before = _WRAP.sub(" ", text[max(0, tok.start - 40) : tok.start])
    suffix = re.match(r"^\s*(?:まで|迄|より|から|以降|に出社)?", after)
    words = (text[tok.start : tok.end] + (suffix.group(0) if suffix else "")).strip()
    # "until Monday" and "won't be checking email until Monday" both name the day of return.
    # "until Monday 4 January (inclusive)" includes that day, as "through" does.
    if _UNTIL_ON_EN.search(before) and _INCLUSIVE.match(after):
        return "until", next_business_day(day, japanese=False), words
    if _UNTIL_ON_EN.search(before) and not _UNTIL_JA.match(after):
        return "resume", day, words
    if _UNTIL_JA.match(after) or _UNTIL_EN.search(before) or _OFF_JA.match(after):
        japanese = tok.japanese or bool(_UNTIL_JA.match(after))
        return "until", next_business_day(day, japanese=japanese), words
    if _BACK_JA.match(after) or _BACK_EN.search(before) or _BACK_JA_BEFORE.search(before):
        return "resume", day, words
    start_from = _FROM_JA.match(after)
    if start_from:
        rest = after[start_from.end() :][:10]
        if (_ABSENCE_JA.search(rest) or _OTHER_EVENT_JA.search(rest)) and not _RESUME_JA.search(
            rest
        ):
            # 「12月1日から休暇」: when the absence starts, not when it ends; 「12月1日より販売
            # しております」, 「1月9日からを予定」: the date of something else.
            return None
        return "resume", day, words
    return None


def _weekday_only(text: str, received: date) -> ReturnDate | None:
    """ "back on Monday", "until Friday", "back tomorrow": the next such day after received."""
    found = _WEEKDAY_ONLY.search(text)
    if found is None:
        return None
    name = found.group("wd").lower()
    if name == "tomorrow":
        day = received + timedelta(days=1)
    else:
        ahead = (_EN_WEEKDAYS.index(name[:3]) - received.weekday()) % 7 or 7
        day = received + timedelta(days=ahead)
    if (found.group("until") or "").lower() in ("through", "thru"):
        day = next_business_day(day, japanese=False)
    return ReturnDate(day, found.group(0))


# 「明日以降、順次ご返信」「来週月曜日に出社」: days named relative to the received day. 「明日から
# 休暇」 names when the absence starts, so a resume word must follow.
_RELATIVE_JA = re.compile(
    r"(?P<rel>明後日|あさって|明日|あす|来週(?:の)?\s*(?P<wd>[月火水木金土日])曜(?:日)?)"
    r"(?:\s*\([^)]{0,4}\))?(?:以降|から|より|に|には)?[、,\s]*[^。\n]{0,10}?"
    r"(?:順次|順番|返信|返事|通常|対応|出社|出勤|戻|確認|拝見|ご連絡|復帰|再開|帰社)"
)


# A day of the month with no month: 「年明けは5日から営業」, "will return on the 5th".
_BARE_DAY_BACK = re.compile(
    r"(?<![\d月/.\-])(?P<dja>\d{1,2})\s*日\s*(?:\((?P<wd>[月火水木金土日])\))?\s*\)?\s*"
    r"(?:から|より|以降|に|には)[^。\n]{0,10}?"
    r"(?:営業|出社|出勤|戻|復帰|再開|対応|返信|返事|順次|順番|通常|業務|拝見|確認)"
    r"|\b(?:back|return(?:ing|s)?|in\s+the\s+office|get\s+back\s+to\s+you|reply(?:ing)?|"
    r"respond(?:ing)?|answer(?:ing)?|(?P<through>through|thru|up\s+to\s+and\s+including|"
    r"(?:until|till)\s+and\s+including|last\s+(?:day|working\s+day|full\s+day)\s+(?:out|off|away)"
    r"(?:\s+of\s+(?:the\s+)?office)?(?:\s+(?:is|will\s+be|being))?)|until|till|til|(?:reading|checking)(?:\s+(?:my\s+)?(?:e-?mails?|inbox|messages))?"
    r"(?:\s+again)?)(?:\s+(?:to\s+)?(?:e-?mails?|messages|mail))?"
    r"(?:\s+(?:(?:in|at|to)\s+(?:the|my)\s+(?:studio|office|desk|shop|workshop|inbox|e-?mails?)|online|"
    r"on\s+(?:my\s+)?e-?mails?))?\s+"
    r"(?:(?:on|from)\s+)?(?:(?:this|next)\s+)?(?:(?:mon|tues|wednes|thurs|fri|satur|sun)day\s+)?\(?"
    r"(?:the\s+)?(?P<den>\d{1,2})"
    r"(?:st|nd|rd|th)\b",
    re.IGNORECASE,
)


# The last day away, with no month: 「25日(金)まで不在にしております」 (まで includes the 25th).
_BARE_DAY_UNTIL_JA = re.compile(
    r"(?<![\d月/.\-])(?P<dja>\d{1,2})\s*日\s*(?:[(（](?P<wd>[月火水木金土日])[)）])?\s*まで[^。\n]{0,8}?"
    r"(?:不在|休み|休業|休暇|留守|出張|外出|療養|返信|お返事)"
)


def _bare_day(text: str, received: date) -> ReturnDate | None:
    """The next such day of the month on or after received (a weekday given must match); of
    several ("until the 18th… back on the 19th"), the latest."""
    found = [
        d
        for pattern in (_BARE_DAY_BACK, _BARE_DAY_UNTIL_JA)
        for m in pattern.finditer(text)
        if (d := _bare_match(m, received))
    ]
    return max(found, key=lambda r: r.day) if found else None


def _bare_match(found: re.Match[str], received: date) -> ReturnDate | None:
    """The day one bare-day match names, in the received month or the two after it."""
    number = int(found.group("dja") or found.group("den"))
    year, month = received.year, received.month
    for _ in range(3):
        day = _valid(year, month, number)
        wd = found.group("wd")
        if (
            day is not None
            and day >= received
            and (wd is None or day.weekday() == _JA_WEEKDAYS.index(wd))
        ):
            if found.re is _BARE_DAY_UNTIL_JA:  # 「25日まで不在」: the 25th is away too
                day = next_business_day(day, japanese=True)
            elif found.group("through"):  # "offline through the 31st": the 31st is away too
                day = next_business_day(day, japanese=False)
            return ReturnDate(day, found.group(0))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return None


def _relative_ja(text: str, received: date) -> ReturnDate | None:
    found = _RELATIVE_JA.search(text)
    if found is None:
        return None
    rel = found.group("rel")
    if found.group("wd"):
        monday = received + timedelta(days=7 - received.weekday())
        day = monday + timedelta(days=_JA_WEEKDAYS.index(found.group("wd")))
    else:
        day = received + timedelta(days=2 if rel in ("明後日", "あさって") else 1)
    return ReturnDate(day, found.group(0))


# Months and days written in kanji numerals (「十二月二十一日」), as formal notices write them.
_KANJI_DAY = re.compile(r"[一二三四五六七八九十]{1,3}(?=\s*[月日])")
_KANJI_DIGIT = {c: i for i, c in enumerate("〇一二三四五六七八九")}


# Days of the month spelled out as dictation writes them ("until Monday January fourth", "back
# on the eighteenth", "the twenty-first"), after a month, "the" or "on".
_ORDINALS = [
    "first",
    "second",
    "third",
    "fourth",
    "fifth",
    "sixth",
    "seventh",
    "eighth",
    "ninth",
    "tenth",
    "eleventh",
    "twelfth",
    "thirteenth",
    "fourteenth",
    "fifteenth",
    "sixteenth",
    "seventeenth",
    "eighteenth",
    "nineteenth",
    "twentieth",
]
_SPELLED = {word: n for n, word in enumerate(_ORDINALS, 1)} | {"thirtieth": 30}
_SPELLED |= {
    f"{tens}{sep}{unit}": base + n
    for tens, base in (("twenty", 20), ("thirty", 30))
    for n, unit in enumerate(_ORDINALS[: 9 if base == 20 else 1], 1)
    for sep in ("-", " ", "")
}
_SPELLED_DAY = re.compile(
    rf"\b(?P<lead>(?:{_MONTH_RE})\.?\s+|the\s+|on\s+)"
    rf"(?P<word>{'|'.join(sorted(_SPELLED, key=len, reverse=True))})\b",
    re.IGNORECASE,
)


def _spelled(m: re.Match[str]) -> str:
    """ "January fourth" -> "January 4th", "the twenty-first" -> "the 21st"."""
    number = _SPELLED[m.group("word").lower()]
    suffix = "th" if 10 < number < 14 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{m.group('lead')}{number}{suffix}"


def _arabic(m: re.Match[str]) -> str:
    """「二十一」 -> "21", 「十二」 -> "12", 「五」 -> "5"."""
    word = m.group(0)
    tens, _, ones = word.partition("十")
    if "十" not in word:
        return str(_KANJI_DIGIT.get(word, 0)) if len(word) == 1 else word
    return str(_KANJI_DIGIT.get(tens, 1 if not tens else 0) * 10 + _KANJI_DIGIT.get(ones, 0))


def _range_return(
    text: str, tok: _Token, end_tok: _Token, day: date, received: date
) -> tuple[str, date, str] | None:
    """("resume" or "until", the day back, the words) for the range from `tok` to `end_tok`, or
    None when it ended before the day received.

    A notice sent during the absence names a start already past (「12月28日から1月7日まで」
    received on the 30th): the range began this year, it does not lie a year ahead, unless it
    has ended by the day received (「元日-1」 received on 7 January is next year's)."""
    joint = text[tok.end : end_tok.start].strip().lower()
    if joint == "・":
        # 「1月16日・17日の2日間で開催」: two days of an event, not an absence.
        rest = _WEEKDAY_AFTER.sub("", text[end_tok.end : end_tok.end + 30], count=1)
        if not (_OFF_JA.match(rest) or _UNTIL_JA.match(rest)):
            return None
    for start in (_resolve(tok, received - _PAST_START), day):
        end = _resolve(end_tok, start) if start is not None else None
        if end is None:
            continue
        if joint in ("until", "till"):  # "from 18 December until 5 January"
            kind, back = "resume", end
        else:
            # 「12/21〜12/30まで」: numeric dates, but a Japanese absence (as in `_read_token`).
            japanese = (
                tok.japanese or end_tok.japanese or bool(_UNTIL_JA.match(text[end_tok.end :]))
            )
            kind, back = "until", next_business_day(end, japanese=japanese)
        if back >= received:
            return kind, back, text[tok.start : end_tok.end]
    return None


def return_date(text: str, received: date) -> ReturnDate | None:
    """The return date an out-of-office text states, or None when it states none we can read."""
    text = _KANJI_DAY.sub(_arabic, unicodedata.normalize("NFKC", text).replace("\u301c", "〜"))
    text = _NAMED_DAY.sub(lambda m: _NAMED_DAYS[_APOSTROPHE.sub("", m.group(0).lower())], text)
    text = _SPELLED_DAY.sub(_spelled, text)
    tokens: dict[int, _Token] = {}
    day_first = _DAY_FIRST.search(text) is not None
    for m in _TOKEN.finditer(text):
        tok = _token(m, text, day_first)
        if tok is not None:
            tokens[tok.start] = tok
    found: dict[str, list[tuple[date, str]]] = {"resume": [], "until": []}
    range_ends: set[int] = set()
    japanese = _JAPANESE.search(text) is not None
    for tok in sorted(tokens.values(), key=lambda t: t.start):
        if tok.either_way and not japanese:
            tok = _nearer(tok, received)
            tokens[tok.start] = tok
        day = _resolve(tok, received)
        if tok.start in range_ends or day is None:
            continue
        end_tok = _range_end(text, tok, tokens)
        if end_tok is not None and _resolve(end_tok, day) is not None:
            range_ends.add(end_tok.start)
            back = _range_return(text, tok, end_tok, day, received)
            if back is not None:
                found[back[0]].append(back[1:])
            continue
        start_tok = _bare_start(text, tok)
        start_day = _resolve(start_tok, received) if start_tok is not None else None
        if start_tok is not None and start_day is not None:
            back = _range_return(text, start_tok, tok, start_day, received)
            if back is not None:
                found[back[0]].append(back[1:])
                continue
        read = _read_token(text, tok, day)
        if read is not None:
            found[read[0]].append(read[1:])
    bare = _bare_day(text, received)
    if bare is not None and (found["resume"] or found["until"]):
        # "away until 14 December… back in the studio on the 15th": the day they name for
        # coming back counts with the dated ones; the latest wins.
        found["resume"].append((bare.day, bare.evidence))
    for kind in ("resume", "until"):
        if found[kind]:
            day, evidence = max(found[kind])
            return ReturnDate(day, evidence)
    named, bare = _weekday_only(text, received), _bare_day(text, received)
    if named and bare:  # "back on Monday the 11th": the day of the month says which Monday
        return max(named, bare, key=lambda r: r.day)
    return named or _relative_ja(text, received) or bare
