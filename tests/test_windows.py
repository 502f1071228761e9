"""Send windows, holidays, DST and business days (domain.windows, domain.sequence.Delay).

Dates: Monday 2026-11-23 is 勤労感謝の日 (a Japanese public holiday); Los Angeles enters DST on
Sunday 2026-03-08 (UTC-8 -> UTC-7) and leaves it on Sunday 2026-11-01 (UTC-7 -> UTC-8).
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from outreach.clock import SystemClock
from outreach.closures import Closures
from outreach.domain.sequence import parse_delay
from outreach.domain.windows import (
    Window,
    add_business_days,
    is_business_day,
    is_holiday,
    next_send_time,
)

TOKYO = ZoneInfo("Asia/Tokyo")
LA = ZoneInfo("America/Los_Angeles")
DAYS_ALL = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
WEEKDAYS = Window.of(("mon", "tue", "wed", "thu", "fri"), time(9), time(18))


def jst(*args: int) -> datetime:
    return datetime(*args, tzinfo=TOKYO)  # type: ignore[misc]


def pacific(*args: int) -> datetime:
    return datetime(*args, tzinfo=LA)  # type: ignore[misc]


def test_inside_the_window_is_sent_at_once() -> None:
    at = jst(2026, 11, 24, 10, 0)  # Tuesday
    assert next_send_time(at, WEEKDAYS, tz="Asia/Tokyo", country="JP") == at


def test_before_opening_waits_for_nine_local() -> None:
    got = next_send_time(jst(2026, 11, 24, 8, 59, 59), WEEKDAYS, tz="Asia/Tokyo", country="JP")
    assert got == jst(2026, 11, 24, 9, 0)
    assert got.tzinfo == UTC


def test_closing_time_is_outside_the_window() -> None:
    got = next_send_time(jst(2026, 11, 24, 18, 0), WEEKDAYS, tz="Asia/Tokyo", country="JP")
    assert got == jst(2026, 11, 25, 9, 0)
    just_before = jst(2026, 11, 24, 17, 59, 59)
    assert next_send_time(just_before, WEEKDAYS, tz="Asia/Tokyo", country="JP") == just_before


def test_labour_thanksgiving_day_is_skipped_in_japan_not_in_the_us() -> None:
    assert is_holiday(date(2026, 11, 23), "JP")
    monday = jst(2026, 11, 23, 10, 0)
    assert next_send_time(monday, WEEKDAYS, tz="Asia/Tokyo", country="JP") == jst(
        2026, 11, 24, 9, 0
    )
    # Same zone, no holiday calendar: Monday 10:00 is fine.
    assert next_send_time(monday, WEEKDAYS, tz="Asia/Tokyo", country="") == monday


def test_friday_evening_waits_over_the_weekend_and_the_holiday() -> None:
    got = next_send_time(jst(2026, 11, 20, 18, 30), WEEKDAYS, tz="Asia/Tokyo", country="JP")
    assert got == jst(2026, 11, 24, 9, 0)  # Sat, Sun, Mon (holiday) skipped


def test_the_same_instant_is_judged_in_each_recipients_zone() -> None:
    # Tue 2026-11-24 10:00 JST = Mon 2026-11-23 17:00 in Los Angeles (PST, UTC-8).
    at = jst(2026, 11, 24, 10, 0)
    assert next_send_time(at, WEEKDAYS, tz="America/Los_Angeles", country="US") == at
    # 02:30 JST Wed = Tue 09:30 PST: inside for LA, outside (before 9) for Tokyo.
    late = jst(2026, 11, 25, 2, 30)
    assert next_send_time(late, WEEKDAYS, tz="America/Los_Angeles", country="US") == late
    assert next_send_time(late, WEEKDAYS, tz="Asia/Tokyo", country="JP") == jst(2026, 11, 25, 9)


@pytest.mark.parametrize(
    ("before", "after", "utc_hour_before", "utc_hour_after"),
    [
        (date(2026, 3, 6), date(2026, 3, 9), 17, 16),  # spring forward on Sun 8 March
        (date(2026, 10, 30), date(2026, 11, 2), 16, 17),  # fall back on Sun 1 November
    ],
)
def test_nine_am_in_los_angeles_follows_dst(
    before: date, after: date, utc_hour_before: int, utc_hour_after: int
) -> None:
    friday_evening = pacific(before.year, before.month, before.day, 19, 0)
    got = next_send_time(friday_evening, WEEKDAYS, tz="America/Los_Angeles", country="")
    assert got.astimezone(LA) == pacific(after.year, after.month, after.day, 9, 0)
    assert got.hour == utc_hour_after
    opening_before = next_send_time(
        pacific(before.year, before.month, before.day, 6),
        WEEKDAYS,
        tz="America/Los_Angeles",
        country="",
    )
    assert opening_before.hour == utc_hour_before


def test_a_window_in_the_dst_gap_opens_after_it() -> None:
    # 02:30 does not exist in Los Angeles on 2026-03-08; the window opens at 03:30 PDT.
    window = Window.of(("sun",), time(2, 30), time(4, 0))
    got = next_send_time(pacific(2026, 3, 8, 0, 0), window, tz="America/Los_Angeles", country="")
    assert got == datetime(2026, 3, 8, 10, 30, tzinfo=UTC)


def test_window_timezone_override_wins_over_the_recipient() -> None:
    window = Window.of(("mon", "tue", "wed", "thu", "fri"), time(9), time(18), tz="Asia/Tokyo")
    at = pacific(2026, 11, 24, 10, 0)  # Tue 10:00 LA = Wed 03:00 JST
    got = next_send_time(at, window, tz="America/Los_Angeles", country="")
    assert got == jst(2026, 11, 25, 9, 0)


def test_jitter_spreads_within_the_window_and_never_past_its_end() -> None:
    rng = random.Random(7)
    opening = jst(2026, 11, 24, 9, 0)
    times = {
        next_send_time(
            jst(2026, 11, 24, 7),
            WEEKDAYS,
            tz="Asia/Tokyo",
            country="JP",
            jitter_seconds=600,
            rng=rng,
        )
        for _ in range(50)
    }
    assert len(times) == 50
    assert all(opening <= t <= opening + timedelta(seconds=600) for t in times)
    near_close = jst(2026, 11, 24, 17, 59, 50)
    for _ in range(20):
        got = next_send_time(
            near_close, WEEKDAYS, tz="Asia/Tokyo", country="JP", jitter_seconds=3600, rng=rng
        )
        assert near_close <= got < jst(2026, 11, 24, 18, 0)


def test_three_business_days_from_friday_skip_the_weekend_and_the_holiday() -> None:
    friday = jst(2026, 11, 20, 14, 0)
    assert add_business_days(friday, 3, tz="Asia/Tokyo", country="JP") == jst(
        2026, 11, 26, 14, 0
    )  # Tue 24, Wed 25, Thu 26
    assert add_business_days(friday, 3, tz="Asia/Tokyo", country="") == jst(2026, 11, 25, 14, 0)
    assert not is_business_day(date(2026, 11, 23), "JP")
    assert is_business_day(date(2026, 11, 23), "US")


def test_business_days_keep_the_local_hour_across_dst() -> None:
    friday = pacific(2026, 10, 30, 10, 0)  # PDT
    got = add_business_days(friday, 1, tz="America/Los_Angeles", country="")
    assert got.astimezone(LA) == pacific(2026, 11, 2, 10, 0)  # PST: one more hour of UTC
    assert got - friday == timedelta(days=3, hours=1)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("0m", 0), ("30m", 1800), ("2h", 7200), ("2d", 172800), ("5s", 5), (" 10 s ", 10)],
)
def test_simple_delays(text: str, seconds: int) -> None:
    at = datetime(2026, 11, 23, tzinfo=UTC)
    assert parse_delay(text).after(at, tz="Asia/Tokyo", country="JP") - at == timedelta(
        seconds=seconds
    )


@pytest.mark.parametrize("text", ["", "3", "2 weeks", "-1d", "1.5h", "3 business", "d2"])
def test_bad_delays_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="not a delay"):
        parse_delay(text)


def test_business_day_delay_from_the_injected_clock() -> None:
    """The clock is the time machine's: Friday 20 Nov 2026, 16:00 in Tokyo."""
    with time_machine.travel(jst(2026, 11, 20, 16, 0), tick=False):
        now = SystemClock().now()
        due = parse_delay("1 business day").after(now, tz="Asia/Tokyo", country="JP")
        assert due == jst(2026, 11, 24, 16, 0)
        assert next_send_time(due, WEEKDAYS, tz="Asia/Tokyo", country="JP") == due


def test_an_all_day_every_day_window_sends_at_once() -> None:
    """What `outreach demo` needs: no waiting for office hours (and no holiday calendar)."""
    always = Window.of(DAYS_ALL, time(0), time(23, 59, 59, 999999))
    for at in (jst(2026, 11, 22, 3, 0), jst(2026, 11, 23, 23, 59, 59), jst(2026, 11, 24, 0, 0)):
        assert next_send_time(at, always, tz="Asia/Tokyo", country="") == at


# 年末年始 and お盆: closures beyond the public-holiday calendar, counted in each recipient's zone.
NENMATSU = Closures.parse(["12-29..01-03", "08-13..08-16", "2027-01-04"])


def test_year_end_closure_in_tokyo_moves_the_send_past_the_new_year() -> None:
    # Mon 28 Dec 2026 18:30 JST: after hours; 29 Dec - 3 Jan closed, 4 Jan a one-off closure.
    got = next_send_time(
        jst(2026, 12, 28, 18, 30), WEEKDAYS, tz="Asia/Tokyo", country="JP", closed=NENMATSU
    )
    assert got == jst(2027, 1, 5, 9, 0)
    # Without closures the same instant is Tuesday 29 December at nine.
    assert next_send_time(
        jst(2026, 12, 28, 18, 30), WEEKDAYS, tz="Asia/Tokyo", country="JP"
    ) == jst(2026, 12, 29, 9, 0)


def test_year_end_closure_is_counted_in_the_recipients_own_zone() -> None:
    # 2026-12-29 01:00 UTC is still Monday 28 Dec 17:00 in Los Angeles: open there, closed in Tokyo.
    at = datetime(2026, 12, 29, 1, 0, tzinfo=UTC)
    assert (
        next_send_time(at, WEEKDAYS, tz="America/Los_Angeles", country="US", closed=NENMATSU) == at
    )
    assert next_send_time(at, WEEKDAYS, tz="Asia/Tokyo", country="JP", closed=NENMATSU) == jst(
        2027, 1, 5, 9, 0
    )
    # An hour past the LA close it waits for Tuesday 5 Jan there (1 Jan is also a US holiday).
    assert next_send_time(
        pacific(2026, 12, 28, 18, 0),
        WEEKDAYS,
        tz="America/Los_Angeles",
        country="US",
        closed=NENMATSU,
    ) == pacific(2027, 1, 5, 9, 0)


def test_business_days_skip_closures_and_obon() -> None:
    # Fri 25 Dec 2026 14:00 JST + 3 business days: 28 Dec, (closed to 4 Jan), 5 Jan, 6 Jan.
    assert add_business_days(
        jst(2026, 12, 25, 14, 0), 3, tz="Asia/Tokyo", country="JP", closed=NENMATSU
    ) == jst(2027, 1, 6, 14, 0)
    # Wed 12 Aug 2026 + 1 business day: 13-16 Aug is お盆, so Monday 17 Aug.
    assert add_business_days(
        jst(2026, 8, 12, 10, 0), 1, tz="Asia/Tokyo", country="JP", closed=NENMATSU
    ) == jst(2026, 8, 17, 10, 0)
    assert parse_delay("1 business day").after(
        jst(2026, 8, 12, 10, 0), tz="Asia/Tokyo", country="JP", closed=NENMATSU
    ) == jst(2026, 8, 17, 10, 0)
    assert not is_business_day(date(2027, 1, 4), "JP", NENMATSU)
    assert is_business_day(date(2027, 1, 4), "JP")


@pytest.mark.parametrize(
    ("entries", "closed", "open_"),
    [
        (
            ["12-29..01-03"],
            [date(2026, 12, 29), date(2027, 1, 1), date(2027, 1, 3)],
            [date(2026, 12, 28), date(2027, 1, 4)],
        ),
        (["02-29"], [date(2028, 2, 29)], [date(2027, 2, 28), date(2027, 3, 1)]),
        ([date(2026, 12, 24)], [date(2026, 12, 24)], [date(2027, 12, 24)]),
        (["2026-05-01..2026-05-06"], [date(2026, 5, 1), date(2026, 5, 6)], [date(2027, 5, 3)]),
    ],
)
def test_closure_entries(entries: list[str | date], closed: list[date], open_: list[date]) -> None:
    closures = Closures.parse(entries)
    assert [closures.is_closed(d) for d in closed] == [True] * len(closed)
    assert [closures.is_closed(d) for d in open_] == [False] * len(open_)


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ("02-30", "'02-30' is not a day of the year"),
        ("12/29", "'12/29' is not MM-DD or YYYY-MM-DD"),
        ("2026-12-31..2026-12-01", "'2026-12-31..2026-12-01' ends before it starts"),
        ("2026-13-01", "'2026-13-01' is not a date"),
    ],
)
def test_bad_closure_entries_say_which(entry: str, message: str) -> None:
    with pytest.raises(ValueError) as info:
        Closures.parse([entry])
    assert str(info.value) == message
