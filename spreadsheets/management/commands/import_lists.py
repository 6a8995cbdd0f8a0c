"""Load a clerk's workbook (or one CSV file) into a township: every list, checked first, applied atomically.

    manage.py import_lists 东岭乡清单.xlsx --township dongling [--dry-run]
    manage.py import_lists 申请材料.csv --township dongling --list 申请材料

A workbook holds several lists, one per sheet, told apart by the SHEET NAME:
村（社区）, 办公室, 工作人员, 岗位, 窗口, 县乡对接, 服务事项, 申请材料, 办理步骤, 清单,
清单条目, 证明事项 (the 填写说明 sheet and empty sheets are ignored; any other
non-empty sheet is an error). They are checked in that order whatever the
order of the sheets, so a later list may name rows added by an earlier one.
A CSV file (or a workbook with a single sheet of another name) is read as the
list named by ``--list``, or by the start of its file name (申请材料-2026.csv).

Every row of every sheet is checked before anything is written; then
everything is written in one transaction, or, on any error, nothing: the
errors are listed on stderr (sheet, row, column, reason) and the command
exits with status 1. ``--dry-run`` checks and reports without writing.
"""

import time
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from portal import scoping
from portal.models import Township
from spreadsheets.lists import WORKBOOK_LISTS, import_lists_file, list_named


class Progress:
    """A plain-text progress bar on stderr: redrawn in place on a terminal, one line per stage otherwise."""

    WIDTH = 30

    def __init__(self, stream):
        self.stream = stream
        self.tty = stream.isatty()
        self.drawn_at = 0.0

    def __call__(self, sheet, stage, done, total):
        label = f"{stage}「{sheet}」"
        if self.tty:
            now = time.monotonic()
            if done == total or now - self.drawn_at > 0.1:
                filled = self.WIDTH * done // max(total, 1)
                bar = "#" * filled + "-" * (self.WIDTH - filled)
                self.stream.write(f"\r{label} [{bar}] {done}/{total}", ending="\n" if done == total else "")
                self.stream.flush()
                self.drawn_at = now
        elif done == total:
            self.stream.write(f"{label} {done}/{total}")


class Command(BaseCommand):
    help = "导入工作簿（按工作表名识别各清单）或 CSV 文件到一个乡镇：先检查每一行，无误后一次写入。"

    def add_arguments(self, parser):
        parser.add_argument("file", help="xlsx 工作簿或 CSV 文件")
        parser.add_argument("--township", required=True, help="乡镇的网址标识（slug），如 dongling")
        parser.add_argument("--dry-run", action="store_true", help="只检查并报告，不写入数据库")
        parser.add_argument(
            "--list",
            dest="list_name",
            help="CSV 文件或单个工作表按哪个清单导入：" + "、".join(cls.sheet_name for cls in WORKBOOK_LISTS),
        )
        parser.add_argument("--user", help="记为哪个账号导入的（用户名）；不填则不记录导入人")

    def handle(self, *args, file, township, dry_run, list_name, user, **options):
        place = Township.objects.select_related("county").filter(slug=township).first()
        if place is None:
            raise CommandError(f"没有网址标识为「{township}」的乡镇。")
        if list_name and list_named(list_name) is None:
            names = "、".join(cls.sheet_name for cls in WORKBOOK_LISTS)
            raise CommandError(f"没有名为「{list_name}」的清单；可以是：{names}。")
        account = None
        if user:
            account = get_user_model().objects.filter(username=user).first()
            if account is None:
                raise CommandError(f"没有用户名为「{user}」的账号。")
            scope = scoping.scope_of(account)
            if not (scope.is_all or (scope.is_clerk and scope.township_id == place.pk)):
                raise CommandError(f"账号「{user}」不是{place.name}的办事员，不能记为本乡镇清单的导入人。")
        path = Path(file)
        try:
            data = path.read_bytes()
        except OSError as error:
            raise CommandError(f"无法读取文件 {path}：{error.strerror}") from None

        result = import_lists_file(
            data,
            path.name,
            township=place,
            user=account,
            list_name=list_name,
            dry_run=dry_run,
            progress=Progress(self.stderr),
        )

        for report in result.reports:
            counts = report.counts
            self.stdout.write(
                f"工作表「{report.sheet_name}」（{report.list_name}）：新增 {counts['new']}，修改 {counts['update']}，"
                f"无变化 {counts['skip']}，删除 {counts['delete']}，错误 {counts['error']}"
            )
        if not result.has_errors:
            for notice in result.notices():
                self.stdout.write(self.style.WARNING(notice))
        if result.has_errors:
            for message in result.error_messages():
                self.stderr.write(message)
            count = len(result.error_messages())
            raise CommandError(f"导入失败：共 {count} 处错误，数据库没有任何改动。请改正后重新导入。")
        if dry_run:
            self.stdout.write(f"试运行（{place.name}）：{result.summary()}。数据库没有任何改动。")
        else:
            self.stdout.write(self.style.SUCCESS(f"已导入到{place.name}：{result.summary()}。"))
