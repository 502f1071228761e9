"""Return dates read from out-of-office text (outreach.inbound.dates)."""

from __future__ import annotations

import re
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from outreach.inbound.dates import is_business_day, next_business_day, return_date

NOV20 = date(2026, 11, 20)  # a Friday


@pytest.mark.parametrize(
    "text,received,back",
    [
        # Days spelled out by dictation; "through" a bare day is back the next business day.
        (
            "I'm out of the office until Monday January fourth with limited access to email",
            date(2026, 12, 18),
            date(2027, 1, 4),
        ),
        ("I'm on leave and back on the eighteenth.", date(2027, 1, 6), date(2027, 1, 18)),
        (
            "I can't reply until December ninth as I'm traveling",
            date(2026, 12, 2),
            date(2026, 12, 9),
        ),
        ("Back on the twenty-first.", date(2026, 12, 2), date(2026, 12, 21)),
        ("I'm offline through the 31st.", date(2026, 12, 28), date(2027, 1, 1)),
        # 「AよりBまで」 is a range: back the next business day after B.
        (
            "12月14日より12月18日(金)まで撮影で海外に滞在しており",
            date(2026, 12, 15),
            date(2026, 12, 21),
        ),
        # A day with no month as the last day away: back the next business day.
        (
            "ただいまリトリートに参加中のため、25日(金)まで不在にしております。",
            date(2026, 12, 18),
            date(2026, 12, 28),
        ),
        # A year-less range that has ended by the day received lies ahead, not behind.
        ("元日-1", date(2020, 1, 7), date(2021, 1, 4)),
        ("12月28日-1月5日", date(2020, 1, 7), date(2021, 1, 6)),
        # Resume words, relative days and New Year closures as creators write them.
        (
            "ただいま産休中です。復帰は2027年4月1日を予定しております。",
            date(2026, 12, 10),
            date(2027, 4, 1),
        ),
        (
            "撮影のため本日は終日不在です。明日以降、順次ご返信いたします。",
            date(2026, 12, 10),
            date(2026, 12, 11),
        ),
        ("来週月曜日に出社します。", date(2026, 12, 10), date(2026, 12, 14)),
        (
            "12月28日〜1月5日まで年末年始休業とさせていただきます。",
            date(2026, 12, 28),
            date(2027, 1, 6),
        ),
        ("I'll be back on Monday, January 4.", date(2026, 12, 22), date(2027, 1, 4)),
        ("年明けは5日(火)から営業いたします。", date(2026, 12, 24), date(2027, 1, 5)),
        ("I am on holiday and will return on the 5th.", date(2026, 12, 24), date(2027, 1, 5)),
        # Japanese: まで = back the next business day; より/から = back that day.
        ("12月1日まで不在にしております", NOV20, date(2026, 12, 2)),
        # An absence between まで and "cannot reply": まで bounds the absence.
        ("本日から12/1(火)まで帰省のため、メールをお返しできません", NOV20, date(2026, 12, 2)),
        # Days named, not numbered.
        ("I'm out of the office through New Year's Day", NOV20, date(2027, 1, 4)),
        ("Away until Boxing Day", NOV20, date(2026, 12, 26)),
        ("Out through New Year’s Day (curly apostrophe)", NOV20, date(2027, 1, 4)),
        ("元旦まで休業いたします", NOV20, date(2027, 1, 4)),
        ("12月24日(木)まで撮影で海外におり、メールの確認ができません", NOV20, date(2026, 12, 25)),
        (
            "I'm back this Thursday (the 17th) and will reply then.",
            date(2026, 12, 14),
            date(2026, 12, 17),
        ),
        ("12月1日より出社いたします", NOV20, date(2026, 12, 1)),
        ("12月1日から通常業務を再開します", NOV20, date(2026, 12, 1)),
        ("12月1日から", NOV20, date(2026, 12, 1)),
        ("12月4日に出社します", NOV20, date(2026, 12, 4)),
        # full-width digits, weekday in parentheses, full-width parentheses
        ("１２月１日まで", NOV20, date(2026, 12, 2)),
        ("12月1日(火)より", NOV20, date(2026, 12, 1)),
        ("１２月１日（火曜日）より順次対応", NOV20, date(2026, 12, 1)),
        # ranges: the end counts as まで
        ("11月25日〜11月27日まで休暇", NOV20, date(2026, 11, 30)),
        ("11月25日～11月27日", NOV20, date(2026, 11, 30)),
        ("11/25-11/27", NOV20, date(2026, 11, 30)),
        ("11月25日から11月27日まで出張", NOV20, date(2026, 11, 30)),
        ("11月25日〜27日", NOV20, date(2026, 11, 30)),
        # era years and numeric dates
        ("令和8年12月1日まで", NOV20, date(2026, 12, 2)),
        ("令和元年5月7日より", date(2019, 5, 1), date(2019, 5, 7)),
        ("2026/12/1まで", NOV20, date(2026, 12, 2)),
        ("12/1より", NOV20, date(2026, 12, 1)),
        ("2026年12月1日より", NOV20, date(2026, 12, 1)),
        # English
        ("I'll be back on Monday, December 7.", NOV20, date(2026, 12, 7)),
        ("back on December 1", NOV20, date(2026, 12, 1)),
        ("I am returning 12/1", NOV20, date(2026, 12, 1)),
        ("I'm away until Dec 3 with limited access", NOV20, date(2026, 12, 3)),
        ("out of the office until Friday, December 4", NOV20, date(2026, 12, 4)),
        ("out of the office through Friday, December 4", NOV20, date(2026, 12, 7)),
        ("on holiday from Dec 18 until Jan 3", date(2026, 12, 16), date(2027, 1, 3)),
        ("will be back in office on 04-Jan-2027", NOV20, date(2027, 1, 4)),
        ("1月10日にロンドンへ戻り次第", NOV20, date(2027, 1, 10)),
        ("auto reply - away w/ bad signal until the 3rd", date(2026, 12, 20), date(2027, 1, 3)),
        ("will be back at my desk on Friday the 8th", date(2027, 1, 2), date(2027, 1, 8)),
        (
            "leading a retreat until the 18th, back on the 19th",
            date(2026, 12, 10),
            date(2026, 12, 19),
        ),
        (
            "Brand emails get answered in batches - the next batch is Jan 6.",
            date(2026, 12, 20),
            date(2027, 1, 6),
        ),
        ("away until 14 December. Back in the studio on the 15th.", NOV20, date(2026, 12, 15)),
        (
            "営業およびメールのご返信の再開は、2027年2月1日を予定しております。",
            NOV20,
            date(2027, 2, 1),
        ),
        ("I will return on 1st December 2026", NOV20, date(2026, 12, 1)),
        ("on leave from Dec 1 to Dec 4", NOV20, date(2026, 12, 7)),
        ("back in the office on 2026-12-01", NOV20, date(2026, 12, 1)),
        ("returning 13/12", NOV20, date(2026, 12, 13)),  # day/month when month > 12
        # times between the date and its particle, weekday ranges
        ("12月1日(火)10時より対応いたします", NOV20, date(2026, 12, 1)),
        ("12月1日 9:30から出社", NOV20, date(2026, 12, 1)),
        ("12月1日(火)～12月4日(金)まで不在", NOV20, date(2026, 12, 7)),
        ("12/28(月)～1/5(火)", date(2026, 12, 20), date(2027, 1, 6)),
        # English weekdays without a date, relative to the received day (Fri 20 Nov)
        ("I'll be back on Monday.", NOV20, date(2026, 11, 23)),
        ("out of the office until Tuesday", NOV20, date(2026, 11, 24)),
        ("out of the office through Tuesday", NOV20, date(2026, 11, 25)),
        ("back tomorrow", NOV20, date(2026, 11, 21)),
        ("back at my desk tomorrow (Friday)", date(2026, 12, 17), date(2026, 12, 18)),
        # the day mail is read again wins over the end of the closure
        (
            "The salon is closed from 24/12 to 02/01. Emails will be read from 3 January.",
            date(2026, 12, 26),
            date(2027, 1, 3),
        ),
        # day and month either way round: the nearer reading (Brazil, then the US)
        (
            "I'm on holiday until 03/01/2027 and will be back on 04/01/2027.",
            date(2026, 12, 27),
            date(2027, 1, 4),
        ),
        ("Back in the office 01/04.", date(2026, 12, 27), date(2027, 1, 4)),
        (
            "今週いっぱい不在です。来週月曜日から順番に拝見いたします。",
            date(2026, 12, 16),
            date(2026, 12, 21),
        ),
        ("I'll be checking emails again next Monday.", date(2026, 12, 9), date(2026, 12, 14)),
        (
            "I'm offline until January 2nd inclusive and will be reading emails again from "
            "Sunday the 3rd.",
            date(2026, 12, 31),
            date(2027, 1, 3),
        ),
        (
            "I'm away until the 9th with no signal. I'll be back in my inbox on Thursday the 10th.",
            date(2026, 12, 3),
            date(2026, 12, 10),
        ),
        (
            "本日から週末まで不在です。月曜日（21日）に戻ります。",
            date(2026, 12, 17),
            date(2026, 12, 21),
        ),
        ("I'll be back online Monday the 11th.", date(2027, 1, 4), date(2027, 1, 11)),
        # a range whose start is already past when the notice is sent
        ("12月28日(月)から1月7日(木)まで冬季休暇", date(2026, 12, 30), date(2027, 1, 8)),
        ("1月の三連休明け、12日(火)からメールを拝見します", date(2027, 1, 8), date(2027, 1, 12)),
        # a weekday and a day of the month: the day says which Monday
        ("back on Monday the 11th", date(2027, 1, 2), date(2027, 1, 11)),
        # a weekday before a slash date says it is day/month; "(inclusive)" includes that day
        ("on leave until Monday 4/1/27 (inclusive)", date(2026, 12, 22), date(2027, 1, 5)),
        # a bare ordinal after "til", with no "the"
        ("ooo til 7th", date(2026, 12, 2), date(2026, 12, 7)),
        # the day with a dot before the month, as German writes it
        ("I am out of office until 14. December", date(2026, 12, 4), date(2026, 12, 14)),
        # "until and including" names the last day away, as "through" does
        ("We are out until and including December 31.", date(2026, 12, 21), date(2027, 1, 1)),
        ("I'm out until and including 12/31.", date(2026, 12, 23), date(2027, 1, 1)),
        ("out until and including Jan 5", date(2026, 12, 30), date(2027, 1, 6)),
        # the day replies resume, stated after the day the absence ends
        (
            "12/20までメールの確認ができません。21日以降、順番にお返事いたします",
            date(2026, 12, 10),
            date(2026, 12, 21),
        ),
        (
            "1月12日までメールの確認ができません。13日以降、順次お返事いたします",
            date(2026, 12, 28),
            date(2027, 1, 13),
        ),
    ],
)
def test_forms(text: str, received: date, back: date) -> None:
    found = return_date(text, received)
    assert found is not None, text
    assert found.day == back, (text, found)


def test_new_year_range_received_in_december_ends_next_year() -> None:
    found = return_date("12月28日〜1月5日まで年末年始休暇をいただきます", date(2026, 12, 20))
    assert found is not None and found.day == date(2027, 1, 6)


def test_yearless_date_before_received_is_next_year() -> None:
    found = return_date("1月5日まで不在にしております", date(2025, 12, 29))
    assert found is not None and found.day == date(2026, 1, 6)


def test_new_year_notice_with_wrong_weekday_keeps_the_next_occurrence() -> None:
    """A typical New Year notice: 1月6日(月) is a Tuesday in 2026; no later year fits better."""
    text = "誠に勝手ながら、12月27日～1月5日まで年末年始休暇をいただいております。1月6日(月)より順次対応いたします。"
    found = return_date(text, date(2025, 12, 27))
    assert found is not None and found.day == date(2026, 1, 6)


def test_weekday_picks_the_following_year_when_it_matches() -> None:
    # 2026-12-01 is a Tuesday, 2027-12-01 a Wednesday.
    found = return_date("12月1日(水)より", date(2026, 11, 20))
    assert found is not None and found.day == date(2027, 12, 1)


def test_until_skips_weekend_and_japanese_public_holiday() -> None:
    # Sun 22 Nov, Mon 23 Nov = 勤労感謝の日
    found = return_date("11月22日まで休暇", NOV20)
    assert found is not None and found.day == date(2026, 11, 24)


def test_english_through_skips_weekends_only() -> None:
    found = return_date("away through November 20", date(2026, 11, 19))
    assert found is not None and found.day == date(2026, 11, 23)  # Japan's holiday ignored


def test_new_year_closure_is_not_business_days() -> None:
    found = return_date("12月28日まで", date(2026, 12, 1))
    assert found is not None and found.day == date(2027, 1, 4)
    assert not is_business_day(date(2027, 1, 2)) and not is_business_day(date(2026, 12, 30))
    assert is_business_day(date(2026, 12, 30), japanese=False)


def test_explicit_return_wins_over_until() -> None:
    text = "11月25日から11月27日まで出張のため不在です。12月2日より出社します。"
    found = return_date(text, NOV20)
    assert found is not None and found.day == date(2026, 12, 2)


@pytest.mark.parametrize(
    "text",
    [
        "12月1日から休暇をいただきます",  # the start of the absence, not a return
        "ただいま不在にしております",
        "I'm out of the office with limited access to email.",
        "Meeting at 10:00 on Friday",
        "",
    ],
)
def test_no_return_date(text: str) -> None:
    assert return_date(text, NOV20) is None


def test_next_business_day_is_strictly_after() -> None:
    assert next_business_day(date(2026, 11, 20)) == date(2026, 11, 24)  # Fri -> Tue (23rd holiday)
    assert next_business_day(date(2026, 11, 24)) == date(2026, 11, 25)


@settings(max_examples=300, deadline=None)
@given(
    text=st.text(
        alphabet=st.sampled_from(
            list("0123456789１２月日年令和元/-~〜～()（）火まよりから ,back until Dec")
        ),
        max_size=60,
    ),
    received=st.dates(min_value=date(2020, 1, 1), max_value=date(2035, 12, 31)),
)
def test_any_text_gives_a_date_on_or_after_received_or_none(text: str, received: date) -> None:
    """Year-less dates never land in the past; explicit years may (an old autoresponder)."""
    found = return_date(text, received)
    if found is not None and "年" not in text and not re.search(r"\d{4}", text):
        assert found.day >= received, (text, found)


@pytest.mark.parametrize(
    ("text", "back"),
    [
        # With a negation, "until X" names the day it happens: back on X.
        (
            "I won't be checking email until Monday, December 14. I'll get back to you then!",
            date(2026, 12, 14),
        ),
        ("I won't be back until January 4.", date(2027, 1, 4)),
        # Without one too, as English speakers read it ("out until Monday": back Monday).
        ("I am out of the office until Monday, December 14.", date(2026, 12, 14)),
        # まで includes X, for an inability as for an absence: back the next business day.
        ("12/14（月）まで返信ができません。", date(2026, 12, 15)),
        ("12月18日(金)まで返信ができません。", date(2026, 12, 21)),
        ("12/14（月）まで不在にしております。", date(2026, 12, 15)),
        # Day first, as Europe writes it with dots.
        ("Our office is closed. We will reopen on 05.01.2027.", date(2027, 1, 5)),
        # One slash date that cannot be month-first makes the whole text day-first.
        ("Closed from 5/2 to 14/2/2027. We will be back to work on 15/2/2027.", date(2027, 2, 15)),
    ],
)
def test_until_with_a_negation_and_day_first_dates(text: str, back: date) -> None:
    found = return_date(text, date(2026, 12, 7))
    assert found is not None and found.day == back, found
