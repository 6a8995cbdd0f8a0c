"""Mark rows of a list as checked on a date by a named account, e.g. after a round of phone calls on paper."""

import datetime

from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from portal import checking, scoping
from portal.history import recorded_as

# The lists that carry a "checked on" date, by the name a clerk would type.
LISTS = {
    "items": "services.ServiceItem",
    "phones": "staff.Staff",
    "liaisons": "staff.Liaison",
    "certificates": "services.CertificateRule",
    "lists": "services.ResponsibilityList",
    "villages": "portal.Village",
    "townships": "portal.Township",
}


class Command(BaseCommand):
    help = (
        "把一类清单标记为某天已核对，并记下核对人（变更历史里记为 --user 指定的账号）。"
        "办事员账号只能标记本乡镇的内容，审核员只能标记县级的内容。"
    )

    def add_arguments(self, parser):
        parser.add_argument("what", choices=sorted(LISTS), help="哪一类：" + "、".join(sorted(LISTS)))
        parser.add_argument("--user", required=True, metavar="USERNAME", help="核对人（后台账号）")
        parser.add_argument("--township", metavar="SLUG", help="只处理这个乡镇")
        parser.add_argument("--on", metavar="YYYY-MM-DD", help="核对日期，默认今天")

    def handle(self, *args, what, user, township=None, on=None, **options):
        account = get_user_model().objects.filter(username=user, is_active=True).first()
        if account is None:
            raise CommandError(f"没有用户名为 “{user}” 的有效账号。")
        try:
            day = datetime.date.fromisoformat(on) if on else None
        except ValueError:
            raise CommandError(f"日期 “{on}” 看不懂，请写成 2026-11-20 这样。") from None
        model = apps.get_model(LISTS[what])
        rows = model.objects.restrict(account, scoping.CHANGE)
        if township:
            path = scoping.ownership(model).township
            rows = rows.filter(**{"slug" if path == "" else f"{path}__slug": township})
        with recorded_as(account):
            count = checking.rows_mark_checked(rows=rows.order_by("pk"), user=account, on=day)
        self.stdout.write(self.style.SUCCESS(f"已标记 {count} 条{model._meta.verbose_name}为已核对（核对人 {user}）。"))
