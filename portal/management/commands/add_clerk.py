"""Create or update a township clerk (--township) or a county reviewer (--county)."""

import getpass
import os
import sys

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from portal.accounts import staff_account_ensure
from portal.models import County, Township

PASSWORD_VARIABLE = "DJANGO_CLERK_PASSWORD"


class Command(BaseCommand):
    help = (
        "创建或更新后台账号：--township 乡镇标识 为该乡镇的办事员，--county 县标识 为该县的审核员。"
        f"密码取自环境变量 {PASSWORD_VARIABLE}，没有时在终端里输入；已有账号不设密码则保留原密码。"
        "重复运行不会重复创建。"
    )

    def add_arguments(self, parser):
        parser.add_argument("username", help="登录用户名")
        where = parser.add_mutually_exclusive_group(required=True)
        where.add_argument("--township", metavar="SLUG", help="乡镇网址标识（办事员）")
        where.add_argument("--county", metavar="SLUG", help="县（区）网址标识（县级审核员）")

    def handle(self, *args, username, township=None, county=None, **options):
        township_obj = county_obj = None
        if township:
            township_obj = Township.objects.select_related("county").filter(slug=township).first()
            if township_obj is None:
                raise CommandError(f"没有网址标识为 “{township}” 的乡镇。")
        else:
            county_obj = County.objects.filter(slug=county).first()
            if county_obj is None:
                raise CommandError(f"没有网址标识为 “{county}” 的县（区）。")

        existing = get_user_model().objects.filter(username=username).first()
        exists = existing is not None
        if exists and existing.is_superuser:
            # A superuser sees and changes every township whatever its scope: it would not be limited.
            raise CommandError(f"账号 {username} 是超级管理员，不能设为办事员或审核员；请另建一个账号。")
        password = os.environ.get(PASSWORD_VARIABLE) or None
        if password is None and not exists:
            password = self._prompt_password()

        try:
            user, created = staff_account_ensure(
                username=username, township=township_obj, county=county_obj, password=password
            )
        except ValidationError as error:
            raise CommandError("密码不符合要求：" + "；".join(error.messages)) from None

        role = f"{township_obj.name}的办事员" if township_obj else f"{county_obj.name}的县级审核员"
        verb = "已创建" if created else "已更新"
        note = "" if created or password else "（密码未改）"
        self.stdout.write(self.style.SUCCESS(f"{verb}账号 {user.username}：{role}{note}"))

    def _prompt_password(self):
        if not sys.stdin.isatty():
            raise CommandError(
                f"新账号需要密码：请设置环境变量 {PASSWORD_VARIABLE}，或在终端里直接运行本命令以输入密码。"
            )
        first = getpass.getpass("密码：")
        if not first:
            raise CommandError("密码不能为空。")
        if getpass.getpass("再输入一次：") != first:
            raise CommandError("两次输入的密码不一致。")
        return first
