"""Spreadsheet columns for the portal's own list: villages (村（社区）) and their agents."""

from django.utils.translation import gettext_lazy as _
from import_export.fields import Field

from portal.models import Village
from spreadsheets.columns import ChoiceWidget, DateWidget, IntegerWidget, Lookup, PhoneWidget, TextWidget
from spreadsheets.importing import SheetResource


def _villages(ctx):
    for village in Village.objects.filter(township=ctx.township):
        village.township = ctx.township  # clean() reads it: no query per row
        yield village


VILLAGES = Lookup(
    "villages",
    _villages,
    keys=lambda v: v.name,
    label=lambda v: v.name,
    missing=_("本乡镇没有名为「%(value)s」的村（社区）。"),
)


class VillageResource(SheetResource):
    """村（社区）：one row per village or community committee, identified by its name."""

    sheet_name = "村（社区）"
    rank = 10
    lookup = VILLAGES
    key_fields = ("name",)
    required_fields = ("name",)

    name = Field(attribute="name", column_name="名称", widget=TextWidget())
    kind = Field(attribute="kind", column_name="类型", widget=ChoiceWidget(Village.Kind.choices, {"村": "village"}))
    service_room = Field(attribute="service_room", column_name="便民服务室位置", widget=TextWidget())
    service_hours = Field(attribute="service_hours", column_name="服务时间", widget=TextWidget())
    agent_name = Field(attribute="agent_name", column_name="代办员", widget=TextWidget())
    agent_phone = Field(attribute="agent_phone", column_name="代办员电话", widget=PhoneWidget())
    order = Field(attribute="order", column_name="排序", widget=IntegerWidget(_("数字小的排在前面")))
    last_checked_on = Field(attribute="last_checked_on", column_name="最近核对日期", widget=DateWidget())

    help_texts = {
        "name": _("村委会或社区居委会的名称，如：东垆村。本乡镇内不能重名。"),
        "agent_name": _("便民服务室的代办员姓名"),
    }
    example = {
        "name": "示例村",
        "kind": "行政村",
        "service_room": "村委会一楼东侧",
        "service_hours": "周一至周五 8:00-12:00",
        "agent_name": "王代办",
        "agent_phone": "0359-0100002",
        "order": 1,
    }

    township_name = Field(attribute="township__name", column_name="所属乡镇", readonly=True, widget=TextWidget())

    class Meta:
        model = Village
        fields = (
            "name",
            "kind",
            "service_room",
            "service_hours",
            "agent_name",
            "agent_phone",
            "order",
            "last_checked_on",
            "township_name",
        )
        export_order = fields
