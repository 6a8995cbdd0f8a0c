"""Give every township its gate code and its windows, posts, villages and items in force theirs (idempotent)."""

from django.core.management.base import BaseCommand, CommandError

from portal.codes import codes_ensure_for_township
from portal.models import Township


class Command(BaseCommand):
    help = "为乡镇及其窗口、岗位、村（社区）和在办事项补发二维码（已有的不变，可重复运行）。载入演示数据后请运行一次。"

    def add_arguments(self, parser):
        parser.add_argument("--township", metavar="SLUG", help="只处理这个乡镇（网址标识）")

    def handle(self, *args, township=None, verbosity=1, **options):
        townships = Township.objects.order_by("pk")
        if township:
            townships = townships.filter(slug=township)
            if not townships.exists():
                raise CommandError(f"没有网址标识为 {township!r} 的乡镇。")
        total = 0
        for each in townships:
            created = codes_ensure_for_township(each)
            total += len(created)
            if created and verbosity >= 1:
                self.stdout.write(f"{each.name}：新发 {len(created)} 个二维码")
        if verbosity >= 1:
            self.stdout.write(self.style.SUCCESS(f"完成：共新发 {total} 个二维码。"))
