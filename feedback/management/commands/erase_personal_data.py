"""Erase residents' names, phones and notes from cases closed more than PORTAL_PERSONAL_DATA_DAYS days ago.

Schedule it daily in production (cron or a systemd timer); the cases stay, so every count is kept.
"""

from django.conf import settings
from django.core.management.base import BaseCommand

from feedback.cases import personal_data_erase


class Command(BaseCommand):
    help = "删除办结超过保存期限的工单中的群众姓名、电话和说明（件数保留）。"

    def add_arguments(self, parser):
        parser.add_argument(
            "--days",
            type=int,
            default=None,
            help="办结多少天后删除（默认取 PORTAL_PERSONAL_DATA_DAYS）",
        )

    def handle(self, *args, days=None, **options):
        days = settings.PORTAL_PERSONAL_DATA_DAYS if days is None else days
        if days < 0:
            self.stderr.write("--days 不能是负数。")
            return
        erased = personal_data_erase(days=days)
        self.stdout.write(f"已删除 {erased} 件工单的个人信息（办结超过 {days} 天）。")
