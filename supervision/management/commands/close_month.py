"""Keep the month's figures of state (items, phones, liaison rows past their dates) for every township.

Schedule it shortly after midnight on the 1st of each month (cron: ``5 0 1 * *``).
"""

import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from portal.models import Township
from supervision.closing import month_close
from supervision.periods import Period


class Command(BaseCommand):
    help = "留存上月各乡镇的清单维护数（超期未核对的事项、电话，县级未确认的对接行）。每月1日凌晨运行。"

    def add_arguments(self, parser):
        parser.add_argument("--month", help="YYYY-MM；默认上个月。")
        parser.add_argument("--force", action="store_true", help="覆盖已留存的数（一般不要用）。")

    def handle(self, *args, month=None, force=False, **options):
        today = timezone.localdate()
        if month:
            try:
                start = datetime.datetime.strptime(month, "%Y-%m").date()
            except ValueError as error:
                raise CommandError("--month 写成 2026-11 这样。") from error
        else:
            start = (today.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
        period = Period.month(start.year, start.month)
        if not period.is_closed(today):
            raise CommandError(f"{period.label}还没有结束。")
        written = month_close(Township.objects.all(), period, force=force)
        self.stdout.write(f"{period.label}：留存 {written} 个乡镇。")
