"""The periods figures are counted over: a month (月调度), a quarter (季通报), a year (年考核)."""

import datetime
import re
from dataclasses import dataclass

from django.utils import timezone

MONTH, QUARTER, YEAR = "month", "quarter", "year"
_QUARTER_NAMES = "一二三四"


def _month_add(day, months):
    index = day.year * 12 + day.month - 1 + months
    return datetime.date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class Period:
    """A calendar month, quarter or year: ``start`` inclusive, ``end`` exclusive (first day of the next)."""

    kind: str
    start: datetime.date
    end: datetime.date

    @classmethod
    def month(cls, year, month):
        start = datetime.date(year, month, 1)
        return cls(MONTH, start, _month_add(start, 1))

    @classmethod
    def quarter(cls, year, quarter):
        start = datetime.date(year, 3 * (quarter - 1) + 1, 1)
        return cls(QUARTER, start, _month_add(start, 3))

    @classmethod
    def year(cls, year):
        return cls(YEAR, datetime.date(year, 1, 1), datetime.date(year + 1, 1, 1))

    @classmethod
    def parse(cls, text, today=None):
        """Read ``2026-11``, ``2026-Q4`` or ``2026``; anything else (or nothing) is the current month."""
        text = (text or "").strip()
        if (m := re.fullmatch(r"(\d{4})-(\d{1,2})", text)) and 1 <= int(m[2]) <= 12:
            return cls.month(int(m[1]), int(m[2]))
        if m := re.fullmatch(r"(\d{4})-[Qq]([1-4])", text):
            return cls.quarter(int(m[1]), int(m[2]))
        if re.fullmatch(r"\d{4}", text) and 2000 <= int(text) <= 2100:
            return cls.year(int(text))
        today = today or timezone.localdate()
        return cls.month(today.year, today.month)

    @property
    def key(self):
        """The form ``parse`` reads: 2026-11, 2026-Q4, 2026."""
        if self.kind == MONTH:
            return f"{self.start:%Y-%m}"
        if self.kind == QUARTER:
            return f"{self.start.year}-Q{(self.start.month - 1) // 3 + 1}"
        return str(self.start.year)

    @property
    def label(self):
        """2026年11月, 2026年第四季度, 2026年."""
        if self.kind == MONTH:
            return f"{self.start.year}年{self.start.month}月"
        if self.kind == QUARTER:
            return f"{self.start.year}年第{_QUARTER_NAMES[(self.start.month - 1) // 3]}季度"
        return f"{self.start.year}年"

    @property
    def last_day(self):
        return self.end - datetime.timedelta(days=1)

    def months(self):
        """The months of the period, each a ``Period``."""
        out, day = [], self.start
        while day < self.end:
            out.append(Period.month(day.year, day.month))
            day = _month_add(day, 1)
        return out

    def is_closed(self, today=None):
        """Whether the period ended before the current month began: its figures are final."""
        today = today or timezone.localdate()
        return self.end <= today.replace(day=1)

    def start_at(self):
        """The first instant of the period, in the portal's time zone."""
        return _aware(self.start)

    def end_at(self):
        return _aware(self.end)

    def previous(self):
        if self.kind == MONTH:
            day = _month_add(self.start, -1)
            return Period.month(day.year, day.month)
        if self.kind == QUARTER:
            day = _month_add(self.start, -3)
            return Period.quarter(day.year, (day.month - 1) // 3 + 1)
        return Period.year(self.start.year - 1)

    def next(self):
        if self.kind == MONTH:
            return Period.month(self.end.year, self.end.month)
        if self.kind == QUARTER:
            return Period.quarter(self.end.year, (self.end.month - 1) // 3 + 1)
        return Period.year(self.end.year)


def _aware(day):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
