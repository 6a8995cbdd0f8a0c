"""Spreadsheet columns for offices, staff, posts with their A/B holders, windows and the liaison table."""

from django.db.models import Prefetch
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _
from import_export.fields import Field

from spreadsheets.columns import (
    ChoiceWidget,
    DateWidget,
    IntegerWidget,
    Lookup,
    LookupListWidget,
    LookupWidget,
    PhoneWidget,
    TextWidget,
    YesNoWidget,
    comparable,
    window_number,
)
from spreadsheets.files import normalise_name
from spreadsheets.importing import NEW, SheetResource
from staff.models import CountyDepartment, DepartmentSection, Liaison, Office, Post, PostHolder, Staff, Window

# --- lookups ----------------------------------------------------------------


def _of_township(queryset):
    def load(ctx):
        for obj in queryset().filter(township=ctx.township):
            obj.township = ctx.township  # clean() reads it: no query per row
            yield obj

    return load


OFFICES = Lookup(
    "offices",
    _of_township(lambda: Office.objects.all()),
    keys=lambda o: o.name,
    label=lambda o: o.name,
    missing=_("本乡镇没有名为「%(value)s」的办公室（站、中心）。"),
)
STAFF = Lookup(
    "staff",
    _of_township(lambda: Staff.objects.all()),
    keys=lambda s: s.name,
    label=lambda s: s.name,
    missing=_("本乡镇没有名为「%(value)s」的工作人员。"),
)
POSTS = Lookup(
    "posts",
    _of_township(
        lambda: Post.objects.select_related("office").prefetch_related(
            Prefetch("holders", queryset=PostHolder.objects.select_related("staff").order_by("role", "order"))
        )
    ),
    keys=lambda p: p.title,
    label=lambda p: p.title,
    missing=_("本乡镇没有名为「%(value)s」的岗位。"),
)
WINDOWS = Lookup(
    "windows",
    _of_township(lambda: Window.objects.select_related("office").prefetch_related("departments")),
    keys=lambda w: w.number,
    label=lambda w: w.number,
    missing=_("本乡镇没有「%(value)s」号窗口。"),
    normalise=window_number,
)
DEPARTMENTS = Lookup(
    "departments",
    lambda ctx: CountyDepartment.objects.filter(county=ctx.county),
    keys=lambda d: [d.name, d.short_name],
    label=lambda d: d.name,
    missing=_("本县（区）没有名为「%(value)s」的县直部门（可写全称或简称）。"),
)
SECTIONS = Lookup(
    "sections",
    lambda ctx: DepartmentSection.objects.filter(department__county=ctx.county).select_related("department"),
    keys=lambda s: [f"{s.department.name}/{s.name}", f"{s.department.short_name}/{s.name}"],
    label=lambda s: s.name,
    missing=_("县直部门中没有股室「%(value)s」。"),
)

ONE_PERSON = _("只能填一个人，现在是「%(value)s」（B角可以填多人，用“、”分开）。")


class SectionWidget(LookupWidget):
    """A section (股室) named within the department in the same row."""

    def clean(self, value, row=None, context=None, **kwargs):
        if value is None or value == "":
            return None
        department = (row or {}).get("department")
        if department is None:
            raise ValueError(_g("填写股室时，必须同时填写县直部门。"))
        section = context.table(self.lookup).get(normalise_name(f"{department.name}/{value}"))
        if section is None:
            raise ValueError(
                _g("%(department)s没有名为「%(value)s」的股室：股室由县级维护，请先请县级审核员添加。")
                % {"department": department.name, "value": value}
            )
        return section


# --- resources --------------------------------------------------------------


class OfficeResource(SheetResource):
    """办公室：the township's offices, stations and centres (5办1站2中心), identified by name."""

    sheet_name = "办公室"
    rank = 20
    lookup = OFFICES
    key_fields = ("name",)
    required_fields = ("name", "kind")

    name = Field(attribute="name", column_name="名称", widget=TextWidget())
    kind = Field(
        attribute="kind",
        column_name="类别",
        widget=ChoiceWidget(Office.Kind.choices, {"办": "office", "所": "station"}),
    )
    floor = Field(
        attribute="floor", column_name="楼层", widget=IntegerWidget(_("整数；地下一层写 -1；不填为楼层未填写"))
    )
    room = Field(attribute="room", column_name="房间", widget=TextWidget())
    directions = Field(attribute="directions", column_name="怎么走", widget=TextWidget())
    hours = Field(attribute="hours", column_name="办公时间", widget=TextWidget())
    phone = Field(attribute="phone", column_name="办公电话", widget=PhoneWidget())
    responsibilities = Field(attribute="responsibilities", column_name="主要职责", widget=TextWidget())
    order = Field(attribute="order", column_name="排序", widget=IntegerWidget(_("数字小的排在前面")))

    example = {
        "name": "示例办公室",
        "kind": "办公室",
        "floor": 1,
        "room": "101室",
        "directions": "进大门右手第一间",
        "phone": "0359-0100001",
        "responsibilities": "负责……",
        "order": 1,
    }

    township_name = Field(attribute="township__name", column_name="所属乡镇", readonly=True, widget=TextWidget())

    class Meta:
        model = Office
        fields = (
            "name",
            "kind",
            "floor",
            "room",
            "directions",
            "hours",
            "phone",
            "responsibilities",
            "order",
            "township_name",
        )
        export_order = fields


class StaffResource(SheetResource):
    """工作人员：the township's staff, identified by name (unique within the township)."""

    sheet_name = "工作人员"
    rank = 30
    lookup = STAFF
    key_fields = ("name",)
    required_fields = ("name",)

    name = Field(attribute="name", column_name="姓名", widget=TextWidget())
    job_title = Field(attribute="job_title", column_name="职务", widget=TextWidget())
    office_phone = Field(attribute="office_phone", column_name="办公电话", widget=PhoneWidget())
    mobile = Field(attribute="mobile", column_name="手机", widget=PhoneWidget())
    mobile_public = Field(attribute="mobile_public", column_name="手机是否公开", widget=YesNoWidget())
    active = Field(attribute="active", column_name="在职", widget=YesNoWidget())
    phone_checked_on = Field(attribute="phone_checked_on", column_name="电话核对日期", widget=DateWidget())

    help_texts = {
        "name": _("本乡镇内不能重名；如有同名，请加区分，如“王伟（民政）”。"),
        "mobile_public": _("填“是”时，手机号会显示在公开页面上；不填或填“否”只在后台可见。"),
        "active": _("不填视为在职"),
    }
    example = {
        "name": "示例人员",
        "job_title": "民政专干",
        "office_phone": "0359-0100003",
        "mobile": "10012345678",
        "mobile_public": "否",
        "active": "是",
    }

    township_name = Field(attribute="township__name", column_name="所属乡镇", readonly=True, widget=TextWidget())

    class Meta:
        model = Staff
        fields = (
            "name",
            "job_title",
            "office_phone",
            "mobile",
            "mobile_public",
            "active",
            "phone_checked_on",
            "township_name",
        )
        export_order = fields


class PostResource(SheetResource):
    """岗位：posts with their office, duties and holders (one A角, any number of B角)."""

    sheet_name = "岗位"
    rank = 40
    lookup = POSTS
    key_fields = ("title",)
    required_fields = ("title", "office")

    title = Field(attribute="title", column_name="岗位名称", widget=TextWidget())
    office = Field(
        attribute="office",
        column_name="所属办公室",
        widget=LookupWidget(OFFICES, _("本乡镇已有的办公室（站、中心）名称")),
    )
    duties = Field(attribute="duties", column_name="岗位职责", widget=TextWidget())
    phone = Field(attribute="phone", column_name="岗位电话", widget=PhoneWidget())
    primary = Field(
        column_name="A角", widget=LookupWidget(STAFF, _("一名工作人员的姓名（须在“工作人员”中）"), one_only=ONE_PERSON)
    )
    backups = Field(
        column_name="B角",
        widget=LookupListWidget(STAFF, _("一名或多名工作人员的姓名，用“、”分开"), ordered=True),
    )
    order = Field(attribute="order", column_name="排序", widget=IntegerWidget(_("数字小的排在前面")))

    help_texts = {
        "primary": _("主办人（A角）。填写后，这个岗位的A角即为此人。"),
        "backups": _("备岗人（B角），可以多人。填写后，这个岗位的B角即为这些人（原来的B角如不在其中会被移除）。"),
    }
    example = {
        "title": "示例岗位",
        "office": "党政综合办公室",
        "duties": "负责……",
        "primary": "张三",
        "backups": "李四、王五",
        "order": 1,
    }
    notes = (
        "A角、B角填工作人员姓名，须是“工作人员”表或后台中已有的人；同一个人不能既是A角又是B角。",
        "填了A角或B角列时，这个岗位的在岗人员以表中为准：不在表中的原在岗人员会被移除。",
    )

    township_name = Field(attribute="township__name", column_name="所属乡镇", readonly=True, widget=TextWidget())

    class Meta:
        model = Post
        fields = ("title", "office", "duties", "phone", "primary", "backups", "order", "township_name")
        export_order = fields

    def optimise(self, queryset):
        return queryset.with_holders()

    @staticmethod
    def current_primary(post):
        return next((h.staff for h in post.holders.all() if h.role == PostHolder.Role.PRIMARY), None)

    @staticmethod
    def current_backups(post):
        return [h.staff for h in post.holders.all() if h.role == PostHolder.Role.BACKUP]

    def check_values(self, values, row, ctx):
        primary = values.get("primary")
        if primary is not None and primary in values.get("backups", []):
            row.error(self.column("backups"), _g("「%(name)s」已是A角，不能同时是B角。") % {"name": primary.name})

    def save_related(self, instance, row, ctx):
        super().save_related(instance, row, ctx)
        if "primary" not in row.values and "backups" not in row.values:
            return
        existing = {h.staff_id: h for h in instance.holders.all()} if row.status != NEW else {}
        primary = row.values.get("primary", self.current_primary(instance) if existing else None)
        backups = row.values.get("backups", self.current_backups(instance) if existing else [])
        wanted = {}
        if primary is not None:
            wanted[primary.pk] = (primary, PostHolder.Role.PRIMARY, 0)
        for order, person in enumerate(backups):
            wanted.setdefault(person.pk, (person, PostHolder.Role.BACKUP, order))
        for staff_id, holder in existing.items():
            if staff_id not in wanted:
                ctx.stamp(holder, created=False)
                holder.delete()
        # Demote before promoting, so the post never has two A holders (a database constraint).
        changes = [(existing[pk], role, order) for pk, (_p, role, order) in wanted.items() if pk in existing]
        for holder, role, order in sorted(changes, key=lambda c: c[1] == PostHolder.Role.PRIMARY):
            if (holder.role, holder.order) != (role, order):
                holder.role, holder.order = role, order
                ctx.stamp(holder, created=False)
                holder.save()
        for pk, (person, role, order) in sorted(wanted.items(), key=lambda w: w[1][1] == PostHolder.Role.PRIMARY):
            if pk not in existing:
                holder = PostHolder(post=instance, staff=person, role=role, order=order)
                ctx.stamp(holder, created=True)
                holder.save()
        if hasattr(instance, "_prefetched_objects_cache"):
            instance._prefetched_objects_cache.pop("holders", None)


class WindowResource(SheetResource):
    """窗口：counters in the service hall, identified by number, with the departments they accept."""

    sheet_name = "窗口"
    rank = 50
    lookup = WINDOWS
    key_fields = ("number",)
    required_fields = ("number", "name", "kind", "office")

    number = Field(attribute="number", column_name="窗口号", widget=IntegerWidget(_("整数，从 1 开始")))
    name = Field(attribute="name", column_name="窗口名称", widget=TextWidget())
    kind = Field(
        attribute="kind",
        column_name="窗口类型",
        widget=ChoiceWidget(Window.Kind.choices, {"综窗": "general", "专窗": "dedicated"}),
    )
    office = Field(
        attribute="office", column_name="所在办公室", widget=LookupWidget(OFFICES, _("本乡镇已有的办公室（中心）名称"))
    )
    departments = Field(
        attribute="departments",
        column_name="受理部门",
        widget=LookupListWidget(
            DEPARTMENTS, _("县直部门名称（全称或简称），用“、”分开；综合窗口 3–5 个，专门窗口 1 个")
        ),
    )
    handles = Field(attribute="handles", column_name="主要办理", widget=TextWidget())
    primary_staff = Field(
        attribute="primary_staff",
        column_name="A角",
        widget=LookupWidget(STAFF, _("一名工作人员的姓名"), one_only=ONE_PERSON),
    )
    backup_staff = Field(
        attribute="backup_staff",
        column_name="B角",
        widget=LookupWidget(STAFF, _("一名工作人员的姓名"), one_only=ONE_PERSON),
    )

    example = {
        "number": 99,
        "name": "示例综合窗口",
        "kind": "综合窗口",
        "office": "便民服务中心",
        "departments": "民政局、人社局、医保局",
        "handles": "社保、医保、低保",
        "primary_staff": "张三",
        "backup_staff": "李四",
    }

    township_name = Field(attribute="township__name", column_name="所属乡镇", readonly=True, widget=TextWidget())

    class Meta:
        model = Window
        fields = (
            "number",
            "name",
            "kind",
            "office",
            "departments",
            "handles",
            "primary_staff",
            "backup_staff",
            "township_name",
        )
        export_order = fields

    def optimise(self, queryset):
        return queryset.select_related("office", "primary_staff", "backup_staff").prefetch_related("departments")

    def clean_row(self, instance, values, errors, ctx):
        departments = values["departments"] if "departments" in values else self.current_value(instance, "departments")
        problem = instance.department_count_error(departments) if instance.kind else None
        if problem:
            errors["departments"].append(str(problem))
        if instance.primary_staff is not None and instance.primary_staff == instance.backup_staff:
            errors["backup_staff"].append(_g("窗口的A角和B角不能是同一个人。"))


class LiaisonResource(SheetResource):
    """县乡对接：one row per township post ↔ county department, with the county-side contact."""

    sheet_name = "县乡对接"
    rank = 60
    key_fields = ("post", "department")
    required_fields = ("post", "department")

    post = Field(attribute="post", column_name="岗位", widget=LookupWidget(POSTS, _("本乡镇已有的岗位名称")))
    department = Field(
        attribute="department", column_name="县直部门", widget=LookupWidget(DEPARTMENTS, _("县直部门全称或简称"))
    )
    section = Field(
        attribute="section", column_name="股室", widget=SectionWidget(SECTIONS, _("该县直部门已有的股室名称"))
    )
    county_contact_name = Field(attribute="county_contact_name", column_name="县级责任人", widget=TextWidget())
    county_contact_phone = Field(attribute="county_contact_phone", column_name="县级联系电话", widget=PhoneWidget())
    matters = Field(attribute="matters", column_name="对接事项", widget=TextWidget())
    # Exported for reading; a sheet cannot confirm for the county (only a reviewer can, on the oversight page).
    confirmed_on = Field(attribute="confirmed_on", column_name="县级确认日期", readonly=True, widget=DateWidget())

    example = {
        "post": "示例岗位",
        "department": "民政局",
        "section": "社会救助股",
        "county_contact_name": "赵联络",
        "county_contact_phone": "0359-0200001",
        "matters": "低保、特困供养",
    }
    notes = (
        "一行是一个岗位与一个县直部门的对接：一个岗位对接多个部门写多行（一对多），多个岗位对接同一部门也各写一行（多对一）。",
        "岗位+县直部门相同的行视为同一行；表中没有的对接关系不会被删除。",
    )

    township_name = Field(attribute="post__township__name", column_name="所属乡镇", readonly=True, widget=TextWidget())

    class Meta:
        model = Liaison
        fields = (
            "post",
            "department",
            "section",
            "county_contact_name",
            "county_contact_phone",
            "matters",
            "confirmed_on",
            "township_name",
        )
        export_order = fields

    def for_township(self, queryset, township):
        return queryset.filter(post__township=township)

    def optimise(self, queryset):
        return queryset.select_related("post", "department", "section")

    def prepare(self, ctx):
        self._existing = {}
        queryset = Liaison.objects.filter(post__township=ctx.township).select_related(
            "post", "post__township", "department", "section"
        )
        for liaison in queryset:
            self._existing[(comparable(liaison.post), comparable(liaison.department))] = liaison

    def existing(self, ctx):
        return self._existing

    def row_key(self, values, ctx):
        return (comparable(values["post"]), comparable(values["department"]))

    def new_instance(self, values, ctx):
        return Liaison()
