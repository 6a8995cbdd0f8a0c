"""The official working-day calendar: public holidays and the make-up working days (调休上班) around them."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from portal.scoping import Ownership, RestrictedQuerySet


class CalendarDayQuerySet(RestrictedQuerySet):
    def between(self, start, end):
        """Days from ``start`` to ``end``, both included."""
        return self.filter(date__gte=start, date__lte=end)

    def years(self):
        """Return the set of years the table has any day for: the years whose calendar is published."""
        return {d.year for d in self.dates("date", "year")}


class CalendarDay(models.Model):
    """A day that breaks the Monday-to-Friday rule: a holiday on a weekday, or a weekend day worked instead.

    A year counts as published as soon as it has one row; seeded from the
    ``chinese-calendar`` package (``manage.py seed_holidays``) and extended by
    a superuser in the admin the day the State Council publishes a new year.
    """

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("放假")
        MAKEUP_WORKDAY = "workday", _("调休上班")

    date = models.DateField(_("日期"), unique=True)
    kind = models.CharField(_("类别"), max_length=10, choices=Kind.choices)
    name = models.CharField(_("节日"), max_length=40, help_text=_("如：春节、国庆节"))
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    # The whole country's calendar: every page with a due date depends on it (portal.freshness bumps them all).
    ownership = Ownership(shared=True)
    objects = CalendarDayQuerySet.as_manager()

    class Meta:
        verbose_name = _("节假日与调休")
        verbose_name_plural = _("节假日与调休")
        ordering = ["date"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=["holiday", "workday"]),
                name="calendar_day_kind_valid",
                violation_error_message=_("类别只能是“放假”或“调休上班”。"),
            ),
        ]

    def __str__(self):
        return f"{self.date:%Y-%m-%d} {self.name}（{self.get_kind_display()}）"
