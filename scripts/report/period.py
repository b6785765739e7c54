"""The report's period: one calendar month, written YYYY-MM."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

PERIOD = re.compile(r"^(\d{4})-(\d{2})$")


class PeriodError(ValueError):
    pass


@dataclass(frozen=True)
class Period:
    start: datetime.date  # first day of the month
    end: datetime.date  # first day of the next month (exclusive)

    @property
    def label(self) -> str:
        return self.start.strftime("%Y-%m")

    @property
    def title(self) -> str:
        return self.start.strftime("%B %Y")


def month(year: int, number: int) -> Period:
    start = datetime.date(year, number, 1)
    end = datetime.date(year + (number == 12), number % 12 + 1, 1)
    return Period(start, end)


def parse(text: str) -> Period:
    """``2026-11`` -> November 2026; anything else is a PeriodError saying what is expected."""
    found = PERIOD.match(text)
    if not found or not 1 <= int(found.group(2)) <= 12:
        raise PeriodError(f"--period {text!r}: expected a calendar month as YYYY-MM (e.g. 2026-11)")
    try:
        return month(int(found.group(1)), int(found.group(2)))
    except ValueError as exc:  # a year datetime cannot hold (0000, or 9999-12 whose end is in year 10000)
        raise PeriodError(f"--period {text!r}: {exc}; expected a month between 0001-01 and 9999-11") from exc


def previous_month(today: datetime.date) -> Period:
    """The last complete month before ``today`` (the default period)."""
    last = today.replace(day=1) - datetime.timedelta(days=1)
    return month(last.year, last.month)
