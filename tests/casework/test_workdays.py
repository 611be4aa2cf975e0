from datetime import date

import pytest

from shequ.casework.workdays import working_day_add, working_days_between


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        (date(2025, 9, 26), 1, date(2025, 9, 28)),  # Friday → make-up Sunday 9-28
        (date(2025, 9, 30), 1, date(2025, 10, 9)),  # National Day week is off
        (date(2025, 9, 30), 3, date(2025, 10, 11)),  # Saturday 10-11 is a working day
        (date(2026, 2, 13), 1, date(2026, 2, 14)),  # Saturday make-up before Spring Festival
        (date(2026, 2, 14), 1, date(2026, 2, 24)),  # Spring Festival 2-15…2-23 off
        (date(2024, 11, 22), 5, date(2024, 11, 29)),  # plain weeks
        (date(2024, 11, 22), 0, date(2024, 11, 22)),
    ],
)
def test_working_days_skip_weekends_and_holidays(db: None, start, days, expected) -> None:
    assert working_day_add(start, days) == expected


def test_working_days_between_counts_both_ways(db: None) -> None:
    assert working_days_between(date(2025, 9, 30), date(2025, 10, 11)) == 3
    assert working_days_between(date(2025, 10, 11), date(2025, 9, 30)) == -3
