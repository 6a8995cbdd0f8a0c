"""解锁账号：lift a login lockout (django-axes) at once instead of waiting for the cool-off."""

from axes.utils import reset
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "解锁因连续输错密码被锁定的后台账号（清除该账号的失败登录记录）。用法：manage.py unlock_account 用户名 …"

    def add_arguments(self, parser):
        parser.add_argument("username", nargs="+", help="要解锁的用户名，可写多个")

    def handle(self, *args, **options):
        for username in options["username"]:
            removed = reset(username=username)
            if removed:
                self.stdout.write(f"已解锁账号“{username}”（清除 {removed} 条失败登录记录）。")
            else:
                self.stdout.write(f"账号“{username}”没有被锁定，也没有失败登录记录。")
