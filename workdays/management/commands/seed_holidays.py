"""Add the holidays and make-up working days the ``chinese-calendar`` package knows and the table lacks."""

from django.core.management.base import BaseCommand

from workdays.models import CalendarDay
from workdays.seed import seed


class Command(BaseCommand):
    help = "从 chinese-calendar 补充节假日和调休上班日（已有的日期不改动）。"

    def handle(self, *args, **options):
        added = seed(CalendarDay)
        years = sorted(CalendarDay.objects.years())
        span = f"{years[0]}–{years[-1]}" if years else "—"
        self.stdout.write(f"新增 {added} 天；表中已有年份：{span}。")
