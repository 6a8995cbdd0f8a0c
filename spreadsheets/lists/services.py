"""Spreadsheet columns for service items (with materials and steps), responsibility lists and certificate rules.

How a clerk edits an item's materials and steps in a spreadsheet: they are
two more sheets (or CSV files), 申请材料 and 办理步骤, one row per material or
step, each row starting with the item's 事项编号. A file that has rows for an
item replaces that item's materials (or steps): rows that match an existing
material by name (a step by its number) update it, new rows are added, and
the item's materials missing from the file are deleted. Items without rows in
the file are left alone. Entries of responsibility lists work the same way,
per list (清单类别 + 版本 + 村（社区）).
"""

from collections import defaultdict

from django.db.models import Count
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _
from import_export.fields import Field

from services.models import (
    MATERIALS_MISSING,
    Category,
    CertificateRule,
    LegalBasis,
    LifeEvent,
    Material,
    ResponsibilityEntry,
    ResponsibilityList,
    ServiceItem,
    Step,
    TimeUnit,
)
from services.publishing import (
    held_back_message,
    item_held_back,
    published_incomplete_message,
    published_item_missing,
)
from spreadsheets.columns import (
    SPLIT_LINES,
    ChoiceWidget,
    DateWidget,
    IntegerWidget,
    Lookup,
    LookupListWidget,
    LookupWidget,
    TextWidget,
    YesNoWidget,
)
from spreadsheets.files import normalise_name
from spreadsheets.importing import ERROR, NEW, SKIP, UPDATE, ChildSheetResource, SheetResource
from spreadsheets.lists.staff import DEPARTMENTS, OFFICES, POSTS, WINDOWS
from spreadsheets.lists.villages import VILLAGES

# --- lookups ----------------------------------------------------------------


def _items(ctx):
    queryset = (
        ServiceItem.objects.filter(township=ctx.township)
        .select_related("office", "window", "responsible_post", "department", "category", "merged_into")
        .prefetch_related("life_events", "legal_bases")
    )
    for item in queryset:
        item.township = ctx.township  # clean() reads it: no query per row
        yield item


ITEMS = Lookup(
    "items",
    _items,
    keys=lambda i: i.code,
    label=lambda i: i.code,
    missing=_("本乡镇没有事项编号为「%(value)s」的服务事项。"),
)


def _county_items(ctx):
    """Items a certificate rule may point to: this township's first, then the county's other townships'."""
    yield from ctx.table(ITEMS).values()
    others = ServiceItem.objects.filter(township__county=ctx.county).exclude(township=ctx.township)
    yield from others.select_related("township")


COUNTY_ITEMS = Lookup(
    "county_items",
    _county_items,
    keys=lambda i: i.code,
    label=lambda i: i.code,
    missing=_("本乡镇没有事项编号为「%(value)s」的服务事项。"),
)
CATEGORIES = Lookup(
    "categories",
    lambda ctx: Category.objects.all(),
    keys=lambda c: [c.name, c.slug],
    label=lambda c: c.name,
    missing=_("没有名为「%(value)s」的事项分类（分类由管理员在后台维护）。"),
)
LIFE_EVENTS = Lookup(
    "life_events",
    lambda ctx: LifeEvent.objects.all(),
    keys=lambda e: [e.name, e.slug],
    label=lambda e: e.name,
    missing=_("没有名为「%(value)s」的人生事件（由管理员在后台维护）。"),
)
LEGAL_BASES = Lookup(
    "legal_bases",
    lambda ctx: LegalBasis.objects.all(),
    keys=lambda b: f"{b.title}{b.article}",
    label=lambda b: f"{b.title}{b.article}",
    missing="%(value)s",
)


def new_legal_basis(text, ctx):
    """Return an unsaved LegalBasis from a cell line like 《中华人民共和国土地管理法》第六十二条.

    The laws are shared by every township: only a superuser (or an operator
    running the command) adds new ones; a clerk names those already there.
    """
    text = text.strip()
    if not ctx.may_add(LegalBasis):
        raise ValueError(
            _g("依据「%(text)s」还没有录入：请管理员先在后台“法律依据”中添加，或改写成已有依据的名称（《名称》条款）。")
            % {"text": text}
        )
    end = text.find("》")
    title, article = (text[: end + 1], text[end + 1 :].strip()) if end >= 0 else (text, "")
    if len(title) > 200:
        raise ValueError(_g("依据名称「%(title)s…」超过 200 个字。") % {"title": title[:20]})
    if len(article) > 100:
        raise ValueError(_g("依据条款「%(article)s…」超过 100 个字。") % {"article": article[:20]})
    return LegalBasis(title=title, article=article)


def list_key(kind, version, village_name):
    return normalise_name(f"{kind}|{version}|{village_name or ''}")


def _lists(ctx):
    for rlist in ResponsibilityList.objects.filter(township=ctx.township).select_related("village"):
        rlist.township = ctx.township
        yield rlist


LISTS = Lookup(
    "lists",
    _lists,
    # ``r.village``, not ``r.village_id``: a list added earlier in the same file may name a village added too.
    keys=lambda r: list_key(r.kind, r.version, r.village.name if r.village is not None else ""),
    label=lambda r: r.title,
    missing="%(value)s",
)

LEGAL_BASES_HINT = _(
    "每条一行（或用“；”分开），写成《文件名称》第几条，如：《中华人民共和国土地管理法》第六十二条。"
    "办事员只能填已录入的依据；管理员导入时，新的依据会自动添加"
)
TIME_UNIT_ALIASES = {"工作日": "working_days", "自然日": "days", "天": "days", "日": "days", "即办": "on_the_spot"}


def _legal_bases_widget():
    return LookupListWidget(LEGAL_BASES, LEGAL_BASES_HINT, split=SPLIT_LINES, joiner="\n", create=new_legal_basis)


# --- service items ----------------------------------------------------------


class ServiceItemResource(SheetResource):
    """服务事项：one row per item, identified by its 事项编号 within the township."""

    sheet_name = "服务事项"
    rank = 70
    lookup = ITEMS
    key_fields = ("code",)
    required_fields = ("code", "name", "item_type", "office")

    code = Field(attribute="code", column_name="事项编号", widget=TextWidget())
    name = Field(attribute="name", column_name="事项名称", widget=TextWidget())
    keywords = Field(attribute="keywords", column_name="群众常用说法", widget=TextWidget())
    summary = Field(attribute="summary", column_name="一句话说明", widget=TextWidget())
    base_code = Field(attribute="base_code", column_name="基本编码", widget=TextWidget())
    implementation_code = Field(attribute="implementation_code", column_name="实施编码", widget=TextWidget())
    item_type = Field(
        attribute="item_type",
        column_name="事项类型",
        widget=ChoiceWidget(ServiceItem.ItemType.choices, {"其他": "other"}),
    )
    category = Field(
        attribute="category", column_name="分类", widget=LookupWidget(CATEGORIES, _("后台已有的事项分类名称"))
    )
    life_events = Field(
        attribute="life_events",
        column_name="人生事件",
        widget=LookupListWidget(LIFE_EVENTS, _("后台已有的人生事件名称，用“、”分开")),
    )
    handling = Field(
        attribute="handling",
        column_name="办理方式",
        widget=ChoiceWidget(
            ServiceItem.Handling.choices,
            {"本级": "local", "受理代办": "county_proxy", "代办至县级": "county_proxy", "县级代办": "county_proxy"},
        ),
    )
    office = Field(
        attribute="office",
        column_name="办理科室",
        widget=LookupWidget(OFFICES, _("本乡镇已有的办公室（站、中心）名称")),
    )
    window = Field(attribute="window", column_name="受理窗口", widget=LookupWidget(WINDOWS, _("窗口号，如 3")))
    responsible_post = Field(
        attribute="responsible_post", column_name="责任岗位", widget=LookupWidget(POSTS, _("本乡镇已有的岗位名称"))
    )
    department = Field(
        attribute="department", column_name="县级审批部门", widget=LookupWidget(DEPARTMENTS, _("县直部门全称或简称"))
    )
    conditions = Field(attribute="conditions", column_name="受理条件", widget=TextWidget())
    result = Field(attribute="result", column_name="办理结果", widget=TextWidget())
    legal_limit_value = Field(
        attribute="legal_limit_value", column_name="法定时限", widget=IntegerWidget(_("天数（整数）"))
    )
    legal_limit_unit = Field(
        attribute="legal_limit_unit",
        column_name="法定时限单位",
        widget=ChoiceWidget(TimeUnit.choices, TIME_UNIT_ALIASES),
    )
    legal_limit_note = Field(attribute="legal_limit_note", column_name="法定时限说明", widget=TextWidget())
    promised_limit_value = Field(
        attribute="promised_limit_value", column_name="承诺时限", widget=IntegerWidget(_("天数（整数）；即办的不填"))
    )
    promised_limit_unit = Field(
        attribute="promised_limit_unit",
        column_name="承诺时限单位",
        widget=ChoiceWidget(TimeUnit.choices, TIME_UNIT_ALIASES),
    )
    promised_limit_note = Field(attribute="promised_limit_note", column_name="承诺时限说明", widget=TextWidget())
    fee = Field(attribute="fee", column_name="收费", widget=TextWidget())
    fee_basis = Field(attribute="fee_basis", column_name="收费依据", widget=TextWidget())
    visits = Field(attribute="visits", column_name="到现场次数", widget=IntegerWidget(_("0 到 5 的整数")))
    visit_reason = Field(attribute="visit_reason", column_name="必须到现场的原因", widget=TextWidget())
    online_depth = Field(
        attribute="online_depth",
        column_name="网上办理",
        widget=ChoiceWidget(ServiceItem.OnlineDepth.choices, {"否": "none", "不能": "none"}),
    )
    online_url = Field(attribute="online_url", column_name="网办地址", widget=TextWidget())
    proxy_offered = Field(attribute="proxy_offered", column_name="帮代办", widget=YesNoWidget())
    home_visit_offered = Field(attribute="home_visit_offered", column_name="上门办", widget=YesNoWidget())
    locker_offered = Field(attribute="locker_offered", column_name="错时办", widget=YesNoWidget())
    deferral_allowed = Field(attribute="deferral_allowed", column_name="容缺受理", widget=YesNoWidget())
    legal_bases = Field(attribute="legal_bases", column_name="设定依据", widget=_legal_bases_widget())
    status = Field(
        attribute="status",
        column_name="状态",
        widget=ChoiceWidget(
            ServiceItem.Status.choices,
            {"草稿": "draft", "在用": "in_force", "暂停": "suspended", "取消": "withdrawn", "合并": "merged"},
        ),
    )
    suspended_from = Field(attribute="suspended_from", column_name="暂停起始日期", widget=DateWidget())
    suspended_until = Field(attribute="suspended_until", column_name="预计恢复日期", widget=DateWidget())
    status_reason = Field(attribute="status_reason", column_name="暂停、取消或合并的原因", widget=TextWidget())
    withdrawn_on = Field(attribute="withdrawn_on", column_name="取消日期", widget=DateWidget())
    merged_into = Field(
        attribute="merged_into",
        column_name="合并到",
        widget=LookupWidget(ITEMS, _("本乡镇另一个事项的事项编号（须已存在，或在本表中排在前面）")),
    )
    merged_on = Field(attribute="merged_on", column_name="合并日期", widget=DateWidget())
    order = Field(attribute="order", column_name="排序", widget=IntegerWidget(_("数字小的排在前面")))
    last_checked_on = Field(attribute="last_checked_on", column_name="最近核对日期", widget=DateWidget())
    township_name = Field(attribute="township__name", column_name="所属乡镇", readonly=True, widget=TextWidget())

    help_texts = {
        "code": _("本乡镇内唯一，如 DL-001；印在百事通和二维码页面上，发布后不要改。用来识别是哪一个事项。"),
        "keywords": _("群众会怎么说，用顿号分开，如：盖房、批宅基地、建房"),
        "department": _("“受理后代办至县级部门”的事项必须填写"),
        "promised_limit_unit": _("不填为“个工作日”；当场办结填“即办（当场办结）”"),
        # An empty cell is "not filled" (the page says so), never a default: 不收费 must be written.
        "fee": _("不收费请写“不收费”；不填为未填写，事项不能发布"),
        "visits": _("0 到 5 的整数，0 表示不用到现场；不填为未填写，事项不能发布"),
        "online_depth": _("不能网上办也请填“不能网上办理”；不填为未填写"),
        "handling": _("不填为未填写"),
        "online_url": _("能网上申请的事项必须填写"),
        "proxy_offered": _("是否提供帮办代办（是/否）；不填为未说明"),
        "home_visit_offered": _("是否为特殊群体提供上门办（是/否）；不填为未说明"),
        "locker_offered": _("是否提供错时办（自助柜）（是/否）；不填为未说明"),
        "deferral_allowed": _("次要材料缺少时，签署承诺书后可先受理（是/否）；不填为未说明"),
        "status": _(
            "不填为“草稿”（群众看不到，齐全后在后台发布）。暂停须写暂停起始日期和原因；取消须写取消日期；"
            "合并须写合并到和合并日期"
        ),
    }
    example = {
        "code": "示例-001",
        "name": "高龄老人补贴申请",
        "keywords": "高龄补贴、老人补贴、80岁补贴",
        "summary": "80周岁以上老人按月领取补贴",
        "item_type": "行政给付",
        "handling": "本级办理",
        "office": "社会事务办公室",
        "window": 1,
        "conditions": "本乡镇户籍、年满80周岁的老年人",
        "result": "补贴按月发放到社保卡",
        "legal_limit_value": 20,
        "legal_limit_unit": "个工作日",
        "promised_limit_value": 10,
        "promised_limit_unit": "个工作日",
        "fee": "不收费",
        "visits": 1,
        "online_depth": "不能网上办理",
        "proxy_offered": "是",
        "home_visit_offered": "是",
        "locker_offered": "否",
        "deferral_allowed": "否",
        "legal_bases": "《示例省老年人权益保障条例》第二十条",
        "status": "在办",
    }
    notes = (
        "一行一个事项，按“事项编号”识别：编号已有的会被修改，没有的会新增。",
        "申请材料、办理步骤写在另外两个工作表（或另外两个 CSV 文件）里，每行开头写事项编号。",
    )

    class Meta:
        model = ServiceItem
        fields = (
            "code",
            "name",
            "keywords",
            "summary",
            "base_code",
            "implementation_code",
            "item_type",
            "category",
            "life_events",
            "handling",
            "office",
            "window",
            "responsible_post",
            "department",
            "conditions",
            "result",
            "legal_limit_value",
            "legal_limit_unit",
            "legal_limit_note",
            "promised_limit_value",
            "promised_limit_unit",
            "promised_limit_note",
            "fee",
            "fee_basis",
            "visits",
            "visit_reason",
            "online_depth",
            "online_url",
            "proxy_offered",
            "home_visit_offered",
            "locker_offered",
            "deferral_allowed",
            "legal_bases",
            "status",
            "suspended_from",
            "suspended_until",
            "status_reason",
            "withdrawn_on",
            "merged_into",
            "merged_on",
            "order",
            "last_checked_on",
            "township_name",
        )
        export_order = fields

    def optimise(self, queryset):
        return queryset.select_related(
            "office", "window", "responsible_post", "department", "category", "merged_into"
        ).prefetch_related("life_events", "legal_bases")

    def row_label(self, instance, values):
        return f"{instance.code} {instance.name}"

    def assign(self, instance, values):
        # The publishing decision (services.publishing) depends on what the item was before this file.
        instance._was_draft = instance.pk is None or instance.status == ServiceItem.Status.DRAFT
        if not instance._was_draft and instance.is_available:
            # What it lacked before this file (materials aside): a row is refused only for what it loses.
            instance._missing_before = published_item_missing(item=instance, material_count=1)
            del instance.material_count
        super().assign(instance, values)

    def after_file(self, report, result, ctx):
        """Keep as drafts the new or draft items the file marks 在办 (or 暂停) that lack what a resident needs.

        The same decision as the admin's save (``item_held_back``), judged with
        the materials this file gives them: the row is still written, as a
        draft, and its note names what is missing. The file stays one
        transaction: nothing is refused for it.
        """
        self._refuse_published_incomplete(report, result)
        rows = [
            r
            for r in report.rows
            if r.status in (NEW, UPDATE) and getattr(r.instance, "_was_draft", False) and r.instance.is_available
        ]
        if not rows:
            return
        counts = _material_counts(rows, result)
        for row in rows:
            item = row.instance
            missing = item_held_back(item=item, was_draft=True, material_count=counts[id(item)])
            if not missing:
                continue
            item.status = ServiceItem.Status.DRAFT
            row.notes.append(held_back_message(item, missing))
            if row.status == UPDATE:
                # A draft that stays a draft: its status is no change, and a row with nothing else is none.
                row.changed = [c for c in row.changed if c != self.column("status")]
                row.status = UPDATE if row.changed else SKIP

    def _refuse_published_incomplete(self, report, result):
        """Refuse a changed row that leaves an item already published (在办 or 暂停) without what residents need.

        As the admin form does: the row is an error naming what is missing, so
        the whole file is refused (one transaction) rather than a published
        item losing its fee or visits, or quietly turning back into a draft.
        """
        rows = [
            r
            for r in report.rows
            if r.status == UPDATE and not getattr(r.instance, "_was_draft", True) and r.instance.is_available
        ]
        if not rows:
            return
        counts = _material_counts(rows, result)
        stored = dict(
            Material.objects.filter(item__in=[r.instance.pk for r in rows])
            .values("item")
            .annotate(n=Count("pk"))
            .values_list("item", "n")
        )
        for row in rows:
            item = row.instance
            before = list(getattr(item, "_missing_before", []))
            if not stored.get(item.pk):
                before.append(MATERIALS_MISSING)  # stored without materials already: the board lists it
            if missing := published_item_missing(item=item, material_count=counts[id(item)], before=before):
                row.error("", published_incomplete_message(item, missing))


def _material_counts(rows, result):
    """Return {id(item): number of materials it will have}: the file's rows for it, else those stored (1 query)."""
    in_file = defaultdict(int)
    for report in result.reports:
        if isinstance(report.resource, MaterialResource):
            for row in report.rows:
                if row.instance is not None and row.status != ERROR:
                    in_file[id(row.instance.item)] += 1
    stored_ids = [r.instance.pk for r in rows if r.instance.pk is not None and id(r.instance) not in in_file]
    stored = {}
    if stored_ids:
        stored = dict(
            Material.objects.filter(item_id__in=stored_ids)
            .values("item_id")
            .annotate(n=Count("pk"))
            .values_list("item_id", "n")
        )
    return {id(r.instance): in_file.get(id(r.instance), stored.get(r.instance.pk, 0)) for r in rows}


class _ItemChildResource(ChildSheetResource):
    """Rows of an item: the 事项编号 says whose; the optional 事项名称 is checked against it."""

    parent_attr = "item"
    parent_model = ServiceItem

    def for_township(self, queryset, township):
        return queryset.filter(item__township=township)

    def filter_export(self, queryset, **kwargs):
        # From the item admin the export button hands over the (filtered) items.
        if queryset.model is ServiceItem:
            queryset = self.model.objects.filter(item__in=queryset)
        return queryset.select_related("item").order_by("item__code", "order", "pk")

    def check_values(self, values, row, ctx):
        item, written = values.get("item"), values.get("item_name")
        if item is not None and written and normalise_name(written) != normalise_name(item.name):
            row.error(
                self.column("item_name"),
                _g("事项编号「%(code)s」是「%(name)s」，与这里写的「%(written)s」不一致：请核对事项编号。")
                % {"code": item.code, "name": item.name, "written": written},
            )

    def row_label(self, instance, values):
        return f"{instance.item.code}：{instance}"

    def deletion_label(self, child):
        return f"{child.item.code}：{child}"


class MaterialResource(_ItemChildResource):
    """申请材料：one row per material; an item's rows in the file replace its materials."""

    sheet_name = "申请材料"
    rank = 80
    key_fields = ("item", "name")
    required_fields = ("item", "name")
    child_key = "name"

    item = Field(attribute="item", column_name="事项编号", widget=LookupWidget(ITEMS, _("本乡镇已有的事项编号")))
    item_name = Field(attribute="item__name", column_name="事项名称", readonly=True, widget=TextWidget())
    order = Field(attribute="order", column_name="序号", widget=IntegerWidget(_("材料在清单中的顺序")))
    name = Field(attribute="name", column_name="材料名称", widget=TextWidget())
    form = Field(
        attribute="form",
        column_name="原件/复印件",
        widget=ChoiceWidget(Material.Form.choices, {"原件+复印件": "both", "原件及复印件": "both"}),
    )
    copies = Field(attribute="copies", column_name="份数", widget=IntegerWidget(_("1 到 20 的整数")))
    medium = Field(attribute="medium", column_name="载体", widget=ChoiceWidget(Material.Medium.choices))
    paper_size = Field(attribute="paper_size", column_name="纸质规格", widget=TextWidget())
    source = Field(
        attribute="source",
        column_name="来源",
        widget=ChoiceWidget(Material.Source.choices, {"自备": "applicant", "窗口领取": "window", "现场填写": "window"}),
    )
    source_note = Field(attribute="source_note", column_name="去哪里开", widget=TextWidget())
    necessity = Field(
        attribute="necessity",
        column_name="是否必须",
        widget=ChoiceWidget(
            Material.Necessity.choices,
            {"是": "required", "必要": "required", "容缺": "deferrable", "特定情形": "conditional"},
        ),
    )
    condition_note = Field(attribute="condition_note", column_name="需要的情形", widget=TextWidget())
    notes_text = Field(attribute="notes", column_name="填报须知", widget=TextWidget())

    help_texts = {
        "item": _("这份材料属于哪个事项（事项编号）"),
        "item_name": _("仅供核对：填了会检查是否与事项编号一致，防止填错编号"),
        "name": _("同一事项内按材料名称识别：名称相同的视为同一份材料"),
        "condition_note": _("“特定情形需要”的材料必须写明是什么情形，如：代办时需要"),
    }
    example = {
        "item": "示例-001",
        "item_name": "高龄老人补贴申请",
        "order": 1,
        "name": "居民身份证",
        "form": "原件",
        "copies": 1,
        "medium": "纸质",
        "source": "申请人自备",
        "necessity": "必须",
    }
    notes = (
        "一行一份材料，每行写明事项编号。文件中出现了某个事项的材料，就以文件为准替换这个事项的全部材料："
        "名称相同的材料会被修改，新的会新增，文件中没有的该事项原有材料会被删除。文件中没有出现的事项不受影响。",
    )

    class Meta:
        model = Material
        fields = (
            "item",
            "item_name",
            "order",
            "name",
            "form",
            "copies",
            "medium",
            "paper_size",
            "source",
            "source_note",
            "necessity",
            "condition_note",
            "notes_text",
        )
        export_order = fields

    def existing_children(self, ctx):
        return Material.objects.filter(item__township=ctx.township).select_related("item")


class StepResource(_ItemChildResource):
    """办理步骤：one row per step; an item's rows in the file replace its steps."""

    sheet_name = "办理步骤"
    rank = 90
    key_fields = ("item", "order")
    required_fields = ("item", "order", "title")
    child_key = "order"

    item = Field(attribute="item", column_name="事项编号", widget=LookupWidget(ITEMS, _("本乡镇已有的事项编号")))
    item_name = Field(attribute="item__name", column_name="事项名称", readonly=True, widget=TextWidget())
    order = Field(attribute="order", column_name="步骤序号", widget=IntegerWidget(_("第几步，从 1 开始")))
    title = Field(attribute="title", column_name="环节", widget=TextWidget())
    description = Field(attribute="description", column_name="办理内容", widget=TextWidget())
    actor = Field(attribute="actor", column_name="办理人", widget=TextWidget())
    place = Field(attribute="place", column_name="地点", widget=TextWidget())
    duration = Field(attribute="duration", column_name="时长", widget=TextWidget())

    help_texts = {
        "item": _("这一步属于哪个事项（事项编号）"),
        "item_name": _("仅供核对：填了会检查是否与事项编号一致，防止填错编号"),
        "order": _("同一事项内按步骤序号识别"),
    }
    example = {
        "item": "示例-001",
        "item_name": "高龄老人补贴申请",
        "order": 1,
        "title": "受理",
        "description": "窗口收取材料，当场告知是否受理",
        "actor": "综合窗口",
        "place": "便民服务中心1号窗口",
        "duration": "当场",
    }
    notes = (
        "一行一个步骤，每行写明事项编号和步骤序号。文件中出现了某个事项的步骤，就以文件为准替换这个事项的全部步骤："
        "序号相同的步骤会被修改，新的会新增，文件中没有的该事项原有步骤会被删除。文件中没有出现的事项不受影响。",
    )

    class Meta:
        model = Step
        fields = ("item", "item_name", "order", "title", "description", "actor", "place", "duration")
        export_order = fields

    def existing_children(self, ctx):
        return Step.objects.filter(item__township=ctx.township).select_related("item")


# --- responsibility lists ---------------------------------------------------

LIST_KIND_ALIASES = {"属地清单": "territorial", "准入清单": "admission", "为民服务清单": "service"}


class ResponsibilityListResource(SheetResource):
    """清单：the lists themselves, identified by 清单类别 + 版本 (+ 村（社区） for a village's list)."""

    sheet_name = "清单"
    rank = 100
    lookup = LISTS
    key_fields = ("kind", "version", "village")
    optional_key_fields = ("village",)
    required_fields = ("kind", "version", "title", "published_on")

    kind = Field(
        attribute="kind",
        column_name="清单类别",
        widget=ChoiceWidget(ResponsibilityList.Kind.choices, LIST_KIND_ALIASES),
    )
    version = Field(attribute="version", column_name="版本", widget=TextWidget())
    village = Field(
        attribute="village",
        column_name="村（社区）",
        widget=LookupWidget(VILLAGES, _("村级清单写村（社区）名称；乡镇自己的清单不填")),
    )
    title = Field(attribute="title", column_name="清单名称", widget=TextWidget())
    published_on = Field(attribute="published_on", column_name="发布日期", widget=DateWidget())
    introduction = Field(attribute="introduction", column_name="说明", widget=TextWidget())
    last_checked_on = Field(attribute="last_checked_on", column_name="最近核对日期", widget=DateWidget())
    township_name = Field(attribute="township__name", column_name="所属乡镇", readonly=True, widget=TextWidget())

    example = {
        "kind": "权责清单",
        "version": "示例版",
        "title": "示例乡权责清单（示例版）",
        "published_on": "2026-01-01",
    }
    notes = ("一行一个清单，按“清单类别 + 版本 + 村（社区）”识别；清单的条目写在“清单条目”工作表里。",)

    class Meta:
        model = ResponsibilityList
        fields = (
            "kind",
            "version",
            "village",
            "title",
            "published_on",
            "introduction",
            "last_checked_on",
            "township_name",
        )
        export_order = fields

    def optimise(self, queryset):
        return queryset.select_related("village")

    def row_key(self, values, ctx):
        village = values.get("village")
        return list_key(values["kind"], values["version"], village.name if village else "")

    def key_label(self, values):
        village = values.get("village")
        kind = self.fields["kind"].widget.render(values["kind"])
        return f"{village.name if village else ''}{kind}「{values['version']}」"


class ResponsibilityEntryResource(ChildSheetResource):
    """清单条目：one row per entry; a list's rows in the file replace its entries."""

    sheet_name = "清单条目"
    rank = 110
    key_fields = ("list_kind", "list_version", "list_village", "number")
    optional_key_fields = ("list_village",)
    required_fields = ("list_kind", "list_version", "number", "name")
    parent_attr = "responsibility_list"
    child_key = "number"

    list_kind = Field(column_name="清单类别", widget=ChoiceWidget(ResponsibilityList.Kind.choices, LIST_KIND_ALIASES))
    list_version = Field(column_name="版本", widget=TextWidget())
    list_village = Field(
        column_name="村（社区）", widget=LookupWidget(VILLAGES, _("村级清单写村（社区）名称；乡镇自己的清单不填"))
    )
    number = Field(attribute="number", column_name="序号", widget=IntegerWidget(_("条目在清单中的序号")))
    power_type = Field(attribute="power_type", column_name="职权类型", widget=TextWidget())
    name = Field(attribute="name", column_name="事项名称", widget=TextWidget())
    legal_bases = Field(attribute="legal_bases", column_name="职权依据", widget=_legal_bases_widget())
    basis_text = Field(attribute="basis_text", column_name="依据说明", widget=TextWidget())
    duties = Field(attribute="duties", column_name="责任事项", widget=TextWidget())
    responsible_office = Field(
        attribute="responsible_office",
        column_name="承办科室",
        widget=LookupWidget(OFFICES, _("本乡镇已有的办公室名称")),
    )
    responsible_department = Field(
        attribute="responsible_department",
        column_name="县级责任部门",
        widget=LookupWidget(DEPARTMENTS, _("县直部门全称或简称")),
    )
    responsible_person = Field(attribute="responsible_person", column_name="责任人", widget=TextWidget())
    accountability = Field(attribute="accountability", column_name="追责情形", widget=TextWidget())
    note = Field(attribute="note", column_name="备注", widget=TextWidget())

    help_texts = {
        "list_kind": _("这一条属于哪个清单：清单类别 + 版本 (+ 村（社区）)，清单须已存在"),
        "list_version": _("清单的版本，如：2024年版"),
        "number": _("同一清单内按序号识别"),
    }
    example = {
        "list_kind": "权责清单",
        "list_version": "示例版",
        "number": 1,
        "power_type": "行政检查",
        "name": "对……的检查",
        "duties": "1.检查责任：……",
        "responsible_office": "综合行政执法办公室",
        "accountability": "因不履行或不正确履行行政职责，有下列情形的，行政机关及相关工作人员应承担相应责任：……",
    }
    notes = (
        "一行一个条目，每行写明属于哪个清单（清单类别 + 版本；村级清单再写村（社区））。文件中出现了某个清单的条目，"
        "就以文件为准替换这个清单的全部条目：序号相同的会被修改，新的会新增，文件中没有的原有条目会被删除。",
    )

    class Meta:
        model = ResponsibilityEntry
        fields = (
            "list_kind",
            "list_version",
            "list_village",
            "number",
            "power_type",
            "name",
            "legal_bases",
            "basis_text",
            "duties",
            "responsible_office",
            "responsible_department",
            "responsible_person",
            "accountability",
            "note",
        )
        export_order = fields

    def for_township(self, queryset, township):
        return queryset.filter(responsibility_list__township=township)

    def filter_export(self, queryset, **kwargs):
        if queryset.model is ResponsibilityList:
            queryset = ResponsibilityEntry.objects.filter(responsibility_list__in=queryset)
        return (
            queryset.select_related(
                "responsibility_list", "responsibility_list__village", "responsible_office", "responsible_department"
            )
            .prefetch_related("legal_bases")
            .order_by(
                "responsibility_list__village__order", "responsibility_list__kind", "responsibility_list", "number"
            )
        )

    @staticmethod
    def current_list_kind(entry):
        return entry.responsibility_list.kind

    @staticmethod
    def current_list_version(entry):
        return entry.responsibility_list.version

    @staticmethod
    def current_list_village(entry):
        return entry.responsibility_list.village

    def existing_children(self, ctx):
        return (
            ResponsibilityEntry.objects.filter(responsibility_list__township=ctx.township)
            .select_related("responsibility_list", "responsibility_list__village")
            .prefetch_related("legal_bases")
        )

    def _list_for(self, values, ctx):
        village = values.get("list_village")
        return ctx.table(LISTS).get(
            list_key(values["list_kind"], values["list_version"], village.name if village else "")
        )

    def check_values(self, values, row, ctx):
        if self._list_for(values, ctx) is None:
            village = values.get("list_village")
            row.error(
                self.column("list_version"),
                _g("没有找到%(village)s%(kind)s「%(version)s」：请先在后台或“清单”工作表中新增这个清单。")
                % {
                    "village": village.name if village else _g("本乡镇的"),
                    "kind": self.fields["list_kind"].widget.render(values["list_kind"]),
                    "version": values["list_version"],
                },
            )

    def parent_of(self, values, ctx):
        return self._list_for(values, ctx)

    def row_label(self, instance, values):
        return f"{instance.responsibility_list}：{instance}"


# --- certificate rules -------------------------------------------------------

SCOPE_TOWNSHIP, SCOPE_COUNTY = "township", "county"


class CertificateRuleResource(SheetResource):
    """证明事项：may a village issue this certificate, and if not, the alternative route."""

    sheet_name = "证明事项"
    rank = 120
    key_fields = ("scope", "name")
    optional_key_fields = ("scope",)
    required_fields = ("name", "may_issue")

    name = Field(attribute="name", column_name="证明名称", widget=TextWidget())
    scope = Field(
        column_name="适用范围",
        widget=ChoiceWidget(
            [(SCOPE_TOWNSHIP, "本乡镇"), (SCOPE_COUNTY, "全县通用")], {"全县": SCOPE_COUNTY, "乡镇": SCOPE_TOWNSHIP}
        ),
    )
    may_issue = Field(attribute="may_issue", column_name="村（社区）可以出具", widget=YesNoWidget())
    requesting_department = Field(attribute="requesting_department", column_name="索要部门", widget=TextWidget())
    purpose = Field(attribute="purpose", column_name="用途", widget=TextWidget())
    legal_bases = Field(attribute="legal_bases", column_name="依据", widget=_legal_bases_widget())
    data_holder = Field(attribute="data_holder", column_name="数据掌握部门", widget=TextWidget())
    alternative_kind = Field(
        attribute="alternative_kind",
        column_name="替代途径类型",
        widget=ChoiceWidget(
            CertificateRule.AlternativeKind.choices, {"告知承诺制": "pledge", "数据共享": "data_check"}
        ),
    )
    alternative = Field(attribute="alternative", column_name="替代途径", widget=TextWidget())
    alternative_item = Field(
        attribute="alternative_item",
        column_name="对应服务事项",
        widget=LookupWidget(COUNTY_ITEMS, _("办理替代途径的服务事项的事项编号")),
    )
    online_url = Field(attribute="online_url", column_name="网上办理链接", widget=TextWidget())
    source_document = Field(attribute="source_document", column_name="出处文件", widget=TextWidget())
    effective_on = Field(attribute="effective_on", column_name="生效日期", widget=DateWidget())
    order = Field(attribute="order", column_name="排序", widget=IntegerWidget(_("数字小的排在前面")))
    last_checked_on = Field(attribute="last_checked_on", column_name="最近核对日期", widget=DateWidget())

    help_texts = {
        "name": _("证明的名称，如：亲属关系证明"),
        "scope": _("不填为“本乡镇”。“全县通用”的证明事项只能由县级审核员或管理员修改"),
        "may_issue": _("填“是”：村（社区）可以出具；填“否”：不再出具，必须写明替代途径类型和替代途径"),
    }
    example = {
        "name": "示例证明",
        "scope": "本乡镇",
        "may_issue": "否",
        "data_holder": "公安派出所",
        "alternative_kind": "凭已有证件",
        "alternative": "凭户口簿办理，无需村里开证明",
        "source_document": "民发〔2020〕20号",
    }

    class Meta:
        model = CertificateRule
        fields = (
            "name",
            "scope",
            "may_issue",
            "requesting_department",
            "purpose",
            "legal_bases",
            "data_holder",
            "alternative_kind",
            "alternative",
            "alternative_item",
            "online_url",
            "source_document",
            "effective_on",
            "order",
            "last_checked_on",
        )
        export_order = fields

    def for_township(self, queryset, township):
        return queryset.for_township(township)

    def optimise(self, queryset):
        return queryset.select_related("alternative_item").prefetch_related("legal_bases")

    @staticmethod
    def current_scope(rule):
        return SCOPE_COUNTY if rule.township_id is None else SCOPE_TOWNSHIP

    def prepare(self, ctx):
        self._existing = {}
        rules = (
            CertificateRule.objects.for_township(ctx.township)
            .select_related("county", "township", "alternative_item", "alternative_item__township")
            .prefetch_related("legal_bases")
        )
        for rule in rules:
            self._existing[(self.current_scope(rule), normalise_name(rule.name))] = rule

    def existing(self, ctx):
        return self._existing

    def row_key(self, values, ctx):
        return (values.get("scope") or SCOPE_TOWNSHIP, normalise_name(values["name"]))

    def new_instance(self, values, ctx):
        scope = values.get("scope") or SCOPE_TOWNSHIP
        return CertificateRule(county=ctx.county, township=ctx.township if scope == SCOPE_TOWNSHIP else None)

    def clean_values(self, raw, row, ctx):
        values = super().clean_values(raw, row, ctx)
        if "scope" in values and values["scope"] is None:
            values["scope"] = SCOPE_TOWNSHIP
        return values

    def clean_row(self, instance, values, errors, ctx):
        if instance.township_id is None and not ctx.can_edit_county:
            errors["scope"].append(
                _g("“全县通用”的证明事项只能由县级审核员或管理员修改；本乡镇自己的规定请在“适用范围”填“本乡镇”。")
            )

    def row_label(self, instance, values):
        return instance.name
