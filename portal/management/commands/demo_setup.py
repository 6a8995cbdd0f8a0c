"""Prepare the local demo: migrate, load the demo fixtures once, create the demo admin."""

from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from portal.accounts import staff_account_ensure
from portal.models import County, Township

DEMO_ADMIN_USERNAME = "demo"
DEMO_ADMIN_PASSWORD = "demo-only-password"


class Command(BaseCommand):
    help = "准备本地演示：迁移数据库、载入演示数据（只载入一次）、创建演示管理员账号。"

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("演示数据只用于本地演示（DEBUG=1）；生产环境请勿运行。")
        call_command("migrate", interactive=False, verbosity=0)
        if Township.objects.exists():
            self.stdout.write("数据库里已有乡镇，跳过演示数据。")
        else:
            fixtures = sorted(str(p) for p in (Path(settings.BASE_DIR) / "fixtures").glob("*.json"))
            call_command("loaddata", *fixtures, verbosity=0)
            self.stdout.write(f"已载入演示数据：{len(fixtures)} 个文件。")
        # loaddata saves raw rows, which issue no codes; issue the missing ones now.
        call_command("issue_codes", verbosity=0)
        # Nor do they prepare the search text (search in residents' own words): prepare it now.
        call_command("search_index_refresh", verbosity=0)
        user_model = get_user_model()
        admin, created = user_model.objects.get_or_create(
            username=DEMO_ADMIN_USERNAME, defaults={"is_staff": True, "is_superuser": True}
        )
        if created:
            admin.set_password(DEMO_ADMIN_PASSWORD)
            admin.save()
        self.stdout.write(self.style.SUCCESS(f"演示账号（仅限本机演示，密码都是 {DEMO_ADMIN_PASSWORD}）："))
        self.stdout.write(f"  管理员    用户名 {DEMO_ADMIN_USERNAME}")
        for township in Township.objects.order_by("name"):
            username = f"clerk-{township.slug}"
            staff_account_ensure(username=username, township=township, password=DEMO_ADMIN_PASSWORD)
            self.stdout.write(f"  {township.name}办事员  用户名 {username}")
        for county in County.objects.order_by("name"):
            username = f"reviewer-{county.slug}"
            staff_account_ensure(username=username, county=county, password=DEMO_ADMIN_PASSWORD)
            self.stdout.write(f"  {county.name}审核员  用户名 {username}")
