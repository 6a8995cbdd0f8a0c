"""What a month's figures cannot be recomputed from later: the state of the lists when the month closed.

Most supervision figures are counted from immutable timestamps (a case's
``created_at`` and ``closed_at``, a rating's ``created_at``, a scan's day), so
recounting a closed month gives the same answer. Three are not: how many items
and phones were past their check date, and how many liaison rows were not
confirmed, describe the lists *as they were*; a clerk checking an item in
December must not change November's figure. ``close_month`` writes them once,
on the first day of the next month, into ``MonthlyFigures``.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from portal.models import Township
from portal.scoping import Ownership, RestrictedQuerySet


class MonthlyFiguresQuerySet(RestrictedQuerySet):
    def of_month(self, month_start):
        return self.filter(month=month_start)


class MonthlyFigures(models.Model):
    """A township's figures of state at the close of one month (written by ``close_month``, never edited)."""

    township = models.ForeignKey(
        Township, verbose_name=_("乡镇"), on_delete=models.CASCADE, related_name="monthly_figures"
    )
    month = models.DateField(_("月份"), help_text=_("该月第一天。"))
    items_past_check = models.PositiveIntegerField(_("超期未核对的事项"))
    phones_past_check = models.PositiveIntegerField(_("超期未核对的电话"))
    liaisons_unconfirmed = models.PositiveIntegerField(_("县级未确认的对接行"))
    taken_at = models.DateTimeField(_("留存时间"), auto_now_add=True)

    ownership = Ownership(township="township")
    objects = MonthlyFiguresQuerySet.as_manager()

    class Meta:
        verbose_name = _("月度留存数")
        verbose_name_plural = _("月度留存数")
        ordering = ["-month", "township"]
        constraints = [
            models.UniqueConstraint(fields=["township", "month"], name="monthly_figures_once_per_month"),
            models.CheckConstraint(condition=models.Q(month__day=1), name="monthly_figures_month_first_day"),
        ]

    def __str__(self):
        return f"{self.township} {self.month:%Y-%m}"
