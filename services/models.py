"""Service items and their guides, responsibility lists and certificate rules."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Prefetch, Q
from django.db.models.functions import Trim, Upper
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from portal.models import (
    CheckedQuerySet,
    County,
    Township,
    TrackedModel,
    Village,
    actor_field,
    checked_on_field,
)
from portal.scoping import Ownership, RestrictedQuerySet
from portal.validators import document_upload_validator
from staff.models import CountyDepartment, Office, Post, PostHolder, Window


class LegalBasisManager(models.Manager.from_queryset(RestrictedQuerySet)):
    def get_by_natural_key(self, title, article):
        return self.get(title=title, article=article)


class LegalBasis(TrackedModel):
    """A law, regulation or policy document, cited by items, list entries and certificate rules."""

    title = models.CharField(_("名称"), max_length=200, help_text=_("如：《中华人民共和国土地管理法》"))
    document_number = models.CharField(_("文号"), max_length=100, blank=True, help_text=_("如：民发〔2020〕20号"))
    article = models.CharField(_("条款"), max_length=100, blank=True, help_text=_("如：第六十二条"))
    text = models.TextField(_("条文内容"), blank=True)
    url = models.URLField(_("原文链接"), blank=True)

    ownership = Ownership(shared=True)
    objects = LegalBasisManager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("法律依据")
        verbose_name_plural = _("法律依据")
        ordering = ["title", "article"]
        constraints = [
            models.UniqueConstraint(
                fields=["title", "article"],
                name="legal_basis_unique_title_article",
                violation_error_message=_("这条依据（名称+条款）已经录入过。"),
            ),
        ]

    def __str__(self):
        return f"{self.title}{self.article}"

    def natural_key(self):
        return (self.title, self.article)


class CategoryManager(models.Manager.from_queryset(RestrictedQuerySet)):
    def get_by_natural_key(self, slug):
        return self.get(slug=slug)

    def in_use_by(self, township):
        """Return the categories (or life events) that have in-force items in ``township``."""
        return self.filter(
            items__township=township, items__status__in=[ServiceItem.Status.IN_FORCE, ServiceItem.Status.SUSPENDED]
        ).distinct()


class Category(models.Model):
    """A subject a resident looks under (社会保障, 民政救助, 自然资源 …)."""

    name = models.CharField(_("名称"), max_length=30, unique=True)
    slug = models.SlugField(_("网址标识"), max_length=30, unique=True)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)

    ownership = Ownership(shared=True)
    objects = CategoryManager()

    class Meta:
        verbose_name = _("事项分类")
        verbose_name_plural = _("事项分类")
        ordering = ["order", "name"]

    def __str__(self):
        return self.name

    def natural_key(self):
        return (self.slug,)


class LifeEvent(models.Model):
    """A moment in life that brings people to the centre (生育, 建房, 养老 …)."""

    name = models.CharField(_("名称"), max_length=30, unique=True)
    slug = models.SlugField(_("网址标识"), max_length=30, unique=True)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)

    ownership = Ownership(shared=True)
    objects = CategoryManager()

    class Meta:
        verbose_name = _("人生事件")
        verbose_name_plural = _("人生事件")
        ordering = ["order", "name"]

    def __str__(self):
        return self.name

    def natural_key(self):
        return (self.slug,)


class TimeUnit(models.TextChoices):
    WORKING_DAYS = "working_days", _("个工作日")
    DAYS = "days", _("个自然日")
    ON_THE_SPOT = "on_the_spot", _("即办（当场办结）")


# What ``missing_for_publication()`` says when an item has no materials (and none is said to be needed).
MATERIALS_MISSING = _("申请材料（或勾选“无需提交材料”）")


def _relation_set(obj, name):
    """True when ``obj``'s foreign key ``name`` is set: by id, or to a row not saved yet (an import's new row)."""
    field = obj._meta.get_field(name)
    if getattr(obj, field.attname) is not None:
        return True
    return field.is_cached(obj) and field.get_cached_value(obj) is not None


# What every one-time notice shows, joined and prefetched alike by the booklet and the item page.
_NOTICE_JOINS = (
    "township",
    "township__county",
    "office",
    "window",
    "category",
    "department",
    "responsible_post",
    "responsible_post__office",
)


def _notice_prefetches():
    return (
        "materials",
        "steps",
        "legal_bases",
        "life_events",
        Prefetch(
            "responsible_post__holders", queryset=PostHolder.objects.select_related("staff").order_by("role", "order")
        ),
    )


class ServiceItemQuerySet(CheckedQuerySet):
    def of_township(self, township):
        return self.filter(township=township)

    def without_materials(self):
        return self.filter(materials__isnull=True)

    def without_steps(self):
        return self.filter(steps__isnull=True)

    def without_time_limit(self):
        """Items that promise no time limit: neither a number of days nor "on the spot"."""
        return self.filter(promised_limit_value__isnull=True).exclude(promised_limit_unit=TimeUnit.ON_THE_SPOT)

    def in_force(self, today=None):
        """Items a resident can apply for now or soon: in force or temporarily suspended, as of ``today``.

        A scheduled publication or withdrawal takes effect by itself: the dates
        are compared here, when the list is read, so nobody (and no cron job)
        has to touch the item on the day.
        """
        today = today or timezone.localdate()
        return self.filter(
            Q(publish_from__isnull=True) | Q(publish_from__lte=today),
            Q(withdraw_from__isnull=True) | Q(withdraw_from__gt=today),
            status__in=[ServiceItem.Status.IN_FORCE, ServiceItem.Status.SUSPENDED],
        )

    def public(self, today=None):
        """Items that have a public page: published (not a draft, publication date reached), retired ones too."""
        today = today or timezone.localdate()
        return self.exclude(status=ServiceItem.Status.DRAFT).filter(
            Q(publish_from__isnull=True) | Q(publish_from__lte=today)
        )

    def drafts(self):
        """Items not yet published: drafts, and published ones whose publication date is still ahead."""
        return self.filter(Q(status=ServiceItem.Status.DRAFT) | Q(publish_from__gt=timezone.localdate()))

    def with_publication_check(self):
        """Select and count what ``missing_for_publication()`` reads, so a list of drafts costs one query."""
        return self.select_related("window").annotate(material_count=models.Count("materials"))

    def lacking_for_publication(self):
        """Items without the fee, the number of visits or whom to see, as ``missing_for_publication()`` judges.

        The database half of that judgement (one query, annotated for it), so
        the board reads only such items (written in bulk, or before the admin
        refused it). Materials and the time limit have their own lists
        (``without_materials``, ``without_time_limit``).
        """
        whom_missing = Q(responsible_post__isnull=True) & (
            Q(window__isnull=True) | Q(window__primary_staff__isnull=True, window__backup_staff__isnull=True)
        )
        return (
            self.with_publication_check()
            .annotate(fee_trimmed=Trim("fee"))
            .filter(whom_missing | Q(fee_trimmed="") | Q(visits__isnull=True))
        )

    def on_topic(self, *, category=None, life_event=None):
        """In-force items of a category and/or a life event, in catalogue order, with what a list row shows."""
        items = self.in_force()
        if category is not None:
            items = items.filter(category=category)
        if life_event is not None:
            items = items.filter(life_events=life_event)
        return items.select_related("office", "window", "category").order_by("order", "code", "pk")

    def with_card(self):
        """Select what a list row or a short card shows: office, window, category."""
        return self.select_related("office", "window", "category", "department")

    def with_guide(self):
        """Select and prefetch everything the one-time notice shows (the printed booklet: many items)."""
        return self.select_related(*_NOTICE_JOINS, "merged_into", "last_checked_by").prefetch_related(
            *_notice_prefetches()
        )

    def for_notice_page(self):
        """Select and prefetch what the notice page of one item shows, the window's A and B staff included.

        The relations an item seldom has or the page barely shows (merge target,
        successor, who checked it) are prefetched, not joined: a null one costs no
        query, and each join costs PostgreSQL's planner more than a small query
        costs (planning 15 joins took 5.6 ms at 1,000 townships, 11 joins 2.7 ms).
        """
        return self.select_related(
            *_NOTICE_JOINS, "window__office", "window__primary_staff", "window__backup_staff"
        ).prefetch_related(
            *_notice_prefetches(),
            Prefetch("merged_into", queryset=self.model.objects.select_related("township")),
            "successor",
            "last_checked_by",
        )


class ServiceItemManager(models.Manager.from_queryset(ServiceItemQuerySet)):
    def get_by_natural_key(self, township_slug, code):
        return self.get(township__slug=township_slug, code=code)


class ServiceItem(TrackedModel):
    """A thing a resident comes to get done, with its one-time notice (一次性告知)."""

    class ItemType(models.TextChoices):
        LICENSING = "licensing", _("行政许可")
        PAYMENT = "payment", _("行政给付")
        CONFIRMATION = "confirmation", _("行政确认")
        PUBLIC_SERVICE = "public_service", _("公共服务")
        OTHER = "other", _("其他行政权力")

    class Handling(models.TextChoices):
        LOCAL = "local", _("本级办理")
        COUNTY_PROXY = "county_proxy", _("受理后代办至县级部门")
        VILLAGE_PROXY = "village_proxy", _("村级代办")

    class OnlineDepth(models.TextChoices):
        NONE = "none", _("不能网上办理")
        INFO = "info", _("网上查询、下载表格")
        APPLY = "apply", _("网上申请，现场核验")
        FULL = "full", _("全程网办")

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿（未发布）")
        IN_FORCE = "in_force", _("在办")
        SUSPENDED = "suspended", _("暂停办理")
        WITHDRAWN = "withdrawn", _("已取消")
        MERGED = "merged", _("已合并")

    township = models.ForeignKey(
        Township, verbose_name=_("所属乡镇"), on_delete=models.CASCADE, related_name="service_items"
    )
    code = models.CharField(
        _("事项编号"), max_length=30, help_text=_("本乡镇内唯一，如 DL-001；印在百事通上，发布后不要改。")
    )
    name = models.CharField(_("事项名称"), max_length=100)
    keywords = models.CharField(
        _("群众常用说法"), max_length=300, blank=True, help_text=_("用顿号或空格分开，如：盖房、批宅基地、建房")
    )
    summary = models.CharField(_("一句话说明"), max_length=200, blank=True)
    base_code = models.CharField(_("基本编码"), max_length=40, blank=True)
    implementation_code = models.CharField(_("实施编码"), max_length=60, blank=True)
    item_type = models.CharField(_("事项类型"), max_length=20, choices=ItemType.choices)
    category = models.ForeignKey(
        Category, verbose_name=_("分类"), on_delete=models.PROTECT, related_name="items", null=True, blank=True
    )
    life_events = models.ManyToManyField(LifeEvent, verbose_name=_("人生事件"), related_name="items", blank=True)

    # The four facts below are printed on the card and the notice: empty ("" or None) means nobody filled them,
    # and the page then says so and whom to call, rather than a default that reads as a fact.
    handling = models.CharField(
        _("办理方式"), max_length=20, choices=Handling.choices, blank=True, help_text=_("不填则页面显示“未填写”。")
    )
    department = models.ForeignKey(
        CountyDepartment,
        verbose_name=_("县级审批部门"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="service_items",
        help_text=_("受理后代办至县级的事项必须填写。"),
    )
    office = models.ForeignKey(
        Office, verbose_name=_("办理科室"), on_delete=models.PROTECT, related_name="service_items"
    )
    window = models.ForeignKey(
        Window,
        verbose_name=_("受理窗口"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="service_items",
    )
    responsible_post = models.ForeignKey(
        Post,
        verbose_name=_("责任岗位"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="service_items",
    )

    conditions = models.TextField(_("受理条件"), blank=True, help_text=_("谁可以申请、需要满足什么条件。"))
    result = models.CharField(_("办理结果"), max_length=200, blank=True, help_text=_("如：《农村宅基地批准书》"))

    legal_limit_value = models.PositiveSmallIntegerField(_("法定时限"), null=True, blank=True)
    legal_limit_unit = models.CharField(
        _("法定时限单位"), max_length=20, choices=TimeUnit.choices, default=TimeUnit.WORKING_DAYS
    )
    legal_limit_note = models.CharField(_("法定时限说明"), max_length=200, blank=True)
    promised_limit_value = models.PositiveSmallIntegerField(_("承诺时限"), null=True, blank=True)
    promised_limit_unit = models.CharField(
        _("承诺时限单位"), max_length=20, choices=TimeUnit.choices, default=TimeUnit.WORKING_DAYS
    )
    promised_limit_note = models.CharField(
        _("承诺时限说明"), max_length=200, blank=True, help_text=_("如：公示、现场勘查时间不计算在内")
    )

    fee = models.CharField(
        _("收费"), max_length=200, blank=True, help_text=_("不收费也要写“不收费”；不填则页面显示“收费情况待公布”。")
    )
    fee_basis = models.CharField(_("收费依据"), max_length=300, blank=True)

    visits = models.PositiveSmallIntegerField(
        _("到现场次数"), null=True, blank=True, help_text=_("0 表示不用到现场；不填则页面显示“待公布”。")
    )
    visit_reason = models.CharField(_("必须到现场的原因"), max_length=200, blank=True)

    online_depth = models.CharField(
        _("网上办理"),
        max_length=10,
        choices=OnlineDepth.choices,
        blank=True,
        help_text=_("不能网上办也要选“不能网上办理”；不填则页面显示“未填写”。"),
    )
    online_url = models.URLField(_("网办地址"), blank=True)

    # Printed as 可以 / 不提供: unset (None) is "not said", so the page does not turn silence into a 不提供.
    proxy_offered = models.BooleanField(_("提供帮代办"), null=True, blank=True, help_text=_("不选则页面显示“未说明”。"))
    home_visit_offered = models.BooleanField(
        _("提供上门办"), null=True, blank=True, help_text=_("不选则页面显示“未说明”。")
    )
    locker_offered = models.BooleanField(
        _("提供错时办（自助柜）"), null=True, blank=True, help_text=_("不选则页面显示“未说明”。")
    )
    deferral_allowed = models.BooleanField(
        _("可容缺受理"),
        null=True,
        blank=True,
        help_text=_("次要材料缺少时，签署承诺书后先受理。不选则页面显示“未说明”。"),
    )

    legal_bases = models.ManyToManyField(
        LegalBasis, verbose_name=_("设定依据"), related_name="service_items", blank=True
    )
    # An empty material list is not a statement: only this box lets the page say 不需要材料.
    no_materials_needed = models.BooleanField(
        _("无需提交材料"),
        default=False,
        help_text=_("确实不需要任何材料时才勾选；没录材料又没勾选，页面显示“材料清单待公布”。"),
    )

    # A new item is a draft: residents see it only once a clerk publishes it complete (services.publishing).
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.DRAFT)
    publish_from = models.DateField(
        _("定时发布日期"), null=True, blank=True, help_text=_("已发布的事项从这天起才对群众显示；不填即刻显示。")
    )
    withdraw_from = models.DateField(
        _("定时取消日期"),
        null=True,
        blank=True,
        help_text=_("从这天起自动按“已取消”显示，无需当天再改；原因写在“暂停、取消或合并的原因”里。"),
    )
    suspended_from = models.DateField(_("暂停起始日期"), null=True, blank=True)
    suspended_until = models.DateField(_("预计恢复日期"), null=True, blank=True)
    status_reason = models.CharField(_("暂停、取消或合并的原因"), max_length=300, blank=True)
    withdrawn_on = models.DateField(_("取消日期"), null=True, blank=True)
    merged_into = models.ForeignKey(
        "self", verbose_name=_("合并到"), on_delete=models.PROTECT, null=True, blank=True, related_name="merged_items"
    )
    merged_on = models.DateField(_("合并日期"), null=True, blank=True)
    successor = models.ForeignKey(
        "self",
        verbose_name=_("改为办理"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="predecessors",
        help_text=_("已取消的事项，群众现在应办理的事项（如有）；页面上会链接过去。"),
    )

    order = models.PositiveSmallIntegerField(_("排序"), default=0)
    last_checked_on = checked_on_field()
    last_checked_by = actor_field(_("核对人"), editable=True)

    ownership = Ownership(township="township")
    objects = ServiceItemManager()
    history = HistoricalRecords(m2m_fields=[life_events, legal_bases])

    class Meta:
        verbose_name = _("服务事项")
        verbose_name_plural = _("服务事项")
        ordering = ["township", "category__order", "order", "code"]
        indexes = [
            models.Index(fields=["township", "status"], name="item_township_status"),
            # The admin's list order: a page of 100 read from the index, not 150,000 items sorted.
            models.Index(fields=["township", "order", "code"], name="item_township_order_code"),
            # The admin finds a code typed in any case whole (``iexact``) in these, not by reading every item.
            models.Index(Upper("code"), name="item_code_upper"),
            models.Index(Upper("base_code"), name="item_base_code_upper"),
            models.Index(Upper("implementation_code"), name="item_implementation_code_upper"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["township", "code"],
                name="item_code_unique_in_township",
                violation_error_message=_("本乡镇已有这个事项编号；编号一经发布不能重复使用。"),
            ),
            models.CheckConstraint(
                condition=(Q(status="merged") & Q(merged_into__isnull=False) & Q(merged_on__isnull=False))
                | (~Q(status="merged") & Q(merged_into__isnull=True)),
                name="item_merged_has_target_and_date",
                violation_error_message=_("“已合并”的事项必须写明合并到哪个事项和合并日期；其他状态不能填“合并到”。"),
            ),
            models.CheckConstraint(
                condition=~Q(merged_into=models.F("id")),
                name="item_not_merged_into_itself",
                violation_error_message=_("事项不能合并到它自己。"),
            ),
            models.CheckConstraint(
                condition=~Q(status="withdrawn") | Q(withdrawn_on__isnull=False),
                name="item_withdrawn_has_date",
                violation_error_message=_("“已取消”的事项必须写明取消日期。"),
            ),
            models.CheckConstraint(
                condition=~Q(status="suspended") | (Q(suspended_from__isnull=False) & ~Q(status_reason="")),
                name="item_suspended_has_date_and_reason",
                violation_error_message=_("“暂停办理”的事项必须写明暂停起始日期和原因。"),
            ),
            models.CheckConstraint(
                condition=Q(suspended_until__isnull=True)
                | Q(suspended_from__isnull=True)
                | Q(suspended_until__gte=models.F("suspended_from")),
                name="item_suspension_dates_ordered",
                violation_error_message=_("预计恢复日期不能早于暂停起始日期。"),
            ),
            models.CheckConstraint(
                condition=~Q(handling="county_proxy") | Q(department__isnull=False),
                name="item_county_proxy_names_department",
                violation_error_message=_("“受理后代办至县级部门”的事项必须写明县级审批部门。"),
            ),
            models.CheckConstraint(
                condition=Q(promised_limit_unit="on_the_spot")
                | Q(promised_limit_value__isnull=False)
                | Q(promised_limit_value__isnull=True, legal_limit_value__isnull=True),
                name="item_promised_limit_has_value",
                violation_error_message=_("承诺时限以天计时必须填写天数；当场办结请选“即办”。"),
            ),
            models.CheckConstraint(
                condition=Q(publish_from__isnull=True)
                | Q(withdraw_from__isnull=True)
                | Q(withdraw_from__gt=models.F("publish_from")),
                name="item_scheduled_dates_ordered",
                violation_error_message=_("定时取消日期必须晚于定时发布日期。"),
            ),
            models.CheckConstraint(
                condition=Q(visits__lte=5),
                name="item_visits_at_most_five",
                violation_error_message=_("到现场次数不应超过 5 次。"),
            ),
            models.CheckConstraint(
                # 不用到现场 beside 网上申请，现场核验 contradicts itself on the card: on-site verification is a visit.
                condition=~Q(visits=0, online_depth="apply"),
                name="item_no_visit_not_verified_on_site",
                violation_error_message=_(
                    "“网上申请，现场核验”至少要到现场1次：到现场次数请填1或以上；确实不用到现场，网上办理请选“全程网办”。"
                ),
            ),
            models.CheckConstraint(
                condition=Q(online_depth__in=["", "none", "info"]) | ~Q(online_url=""),
                name="item_online_has_url",
                violation_error_message=_("可以网上申请的事项必须填写网办地址。"),
            ),
        ]

    def __str__(self):
        return self.name

    def natural_key(self):
        return (self.township.slug, self.code)

    natural_key.dependencies = ["portal.township"]

    def get_absolute_url(self):
        return reverse("service_item", kwargs={"township": self.township.slug, "pk": self.pk})

    def clean(self):
        errors = {}
        if self.merged_into_id:
            if self.merged_into_id == self.pk:
                errors["merged_into"] = _("事项不能合并到它自己。")
            elif self.merged_into.township_id != self.township_id:
                errors["merged_into"] = _("只能合并到本乡镇的事项。")
            elif self.merged_into.status in (self.Status.MERGED, self.Status.WITHDRAWN):
                errors["merged_into"] = _("不能合并到一个已取消或已合并的事项。")
        for field in ("office", "window", "responsible_post"):
            # An empty required FK is reported by field validation; reading it here would raise.
            related = getattr(self, field) if getattr(self, f"{field}_id") else None
            if related is not None and self.township_id and related.township_id != self.township_id:
                errors[field] = _("所选内容不属于本乡镇。")
        if self.department_id and self.township_id and self.department.county_id != self.township.county_id:
            errors["department"] = _("所选部门不属于本乡镇所在的县（区）。")
        if self.successor_id:
            if self.successor_id == self.pk:
                errors["successor"] = _("事项不能改为办理它自己。")
            elif self.successor.township_id != self.township_id:
                errors["successor"] = _("只能指向本乡镇的事项。")
        if self.visits == 0 and self.online_depth == self.OnlineDepth.APPLY:
            errors["visits"] = _(
                "“网上申请，现场核验”至少要到现场1次：到现场次数请填1或以上；确实不用到现场，网上办理请选“全程网办”。"
            )
        if errors:
            raise ValidationError(errors)

    @property
    def visits_text(self):
        """Return how often a resident must come, as the card and the details both print it ("" when not filled)."""
        if self.visits is None:
            return ""
        if self.visits == 0:
            # Zero visits says nothing about the internet: how it is done otherwise is online_depth's to say.
            return "不用到现场"
        return f"最多跑{self.visits}次"

    @property
    def materials_unknown(self):
        """True when no material is recorded and nobody has said that none is needed."""
        return not self.no_materials_needed and not self.materials.all()

    @property
    def is_available(self):
        return self.status in (self.Status.IN_FORCE, self.Status.SUSPENDED)

    def as_of(self, today=None):
        """Return the item as a resident sees it on ``today``: past its scheduled withdrawal, it reads as withdrawn.

        Changes this instance in memory only (never saved): the stored status
        stays what the clerk set, and the public pages read the dates.
        """
        today = today or timezone.localdate()
        if self.is_available and self.withdraw_from and self.withdraw_from <= today:
            self.status = self.Status.WITHDRAWN
            self.withdrawn_on = self.withdraw_from
        return self

    def missing_for_publication(self):
        """Return what a resident needs that the item lacks (labels; empty when it may be published).

        Materials (or the explicit "no materials needed"), where to go (the
        office, always set), whom to see (a post or a window with a person or a
        phone), the promised time limit, the fee (whether to bring money:
        "不收费" must be written) and how many times to come in person (the
        card's 跑几次, the figure the reform is measured by). Handling level
        and online depth are not required: without them the page still tells
        a resident where to go and whom to ask, and says they are not filled.
        """
        missing = []
        # ``material_count`` when annotated (the board's list of drafts), so a list never queries per row.
        has_materials = self.material_count > 0 if hasattr(self, "material_count") else self.materials.exists()
        if not self.no_materials_needed and not has_materials:
            missing.append(MATERIALS_MISSING)
        if not _relation_set(self, "office"):
            missing.append(_("办理科室"))
        window = self.window if _relation_set(self, "window") else None
        whom = _relation_set(self, "responsible_post") or (
            window is not None and (_relation_set(window, "primary_staff") or _relation_set(window, "backup_staff"))
        )
        if not whom:
            missing.append(_("找谁（责任岗位，或有A角、B角的受理窗口）"))
        if self.promised_limit_value is None and self.promised_limit_unit != TimeUnit.ON_THE_SPOT:
            missing.append(_("承诺时限"))
        if not self.fee.strip():
            missing.append(_("收费（不收费请写“不收费”）"))
        if self.visits is None:
            missing.append(_("到现场次数"))
        return missing

    @property
    def is_suspended_now(self):
        if self.status != self.Status.SUSPENDED:
            return False
        today = timezone.localdate()
        return self.suspended_until is None or self.suspended_until >= today

    @property
    def keyword_list(self):
        return [w for w in self.keywords.replace("、", " ").replace("，", " ").replace(",", " ").split() if w]

    @staticmethod
    def _describe_limit(value, unit):
        if unit == TimeUnit.ON_THE_SPOT:
            return "即办（当场办结）"
        if value is None:
            return ""
        return f"{value}{TimeUnit(unit).label}"

    @property
    def promised_limit_text(self):
        return self._describe_limit(self.promised_limit_value, self.promised_limit_unit)

    @property
    def legal_limit_text(self):
        return self._describe_limit(self.legal_limit_value, self.legal_limit_unit)


class Material(TrackedModel):
    """One thing to bring (申请材料), with the form it must take and where to get it."""

    class Form(models.TextChoices):
        ORIGINAL = "original", _("原件")
        COPY = "copy", _("复印件")
        BOTH = "both", _("原件和复印件")

    class Medium(models.TextChoices):
        PAPER = "paper", _("纸质")
        ELECTRONIC = "electronic", _("电子")
        EITHER = "either", _("纸质或电子")

    class Source(models.TextChoices):
        APPLICANT = "applicant", _("申请人自备")
        GOVERNMENT = "government", _("政府部门核发")
        WINDOW = "window", _("窗口领取或现场填写")
        OTHER = "other", _("其他")

    class Necessity(models.TextChoices):
        REQUIRED = "required", _("必须")
        DEFERRABLE = "deferrable", _("可容缺（可后补）")
        CONDITIONAL = "conditional", _("特定情形需要")

    item = models.ForeignKey(
        ServiceItem, verbose_name=_("服务事项"), on_delete=models.CASCADE, related_name="materials"
    )
    order = models.PositiveSmallIntegerField(_("序号"), default=1)
    name = models.CharField(_("材料名称"), max_length=150)
    # Form, copies and source have no default: a list that did not say is printed as not saying,
    # never as "原件1份" or "申请人自备" that nobody wrote.
    form = models.CharField(_("原件/复印件"), max_length=10, choices=Form.choices, blank=True, default="")
    copies = models.PositiveSmallIntegerField(_("份数"), null=True, blank=True)
    medium = models.CharField(_("载体"), max_length=12, choices=Medium.choices, default=Medium.PAPER)
    paper_size = models.CharField(_("纸质规格"), max_length=30, blank=True, help_text=_("如：A4"))
    source = models.CharField(_("来源渠道"), max_length=12, choices=Source.choices, blank=True, default="")
    source_note = models.CharField(_("去哪里开"), max_length=200, blank=True, help_text=_("如：县医院出具；村委会盖章"))
    necessity = models.CharField(_("是否必须"), max_length=12, choices=Necessity.choices, default=Necessity.REQUIRED)
    condition_note = models.CharField(_("需要的情形"), max_length=200, blank=True, help_text=_("如：代办时需要"))
    notes = models.TextField(_("填报须知"), blank=True)
    blank_form = models.FileField(
        _("空白表格"), upload_to="forms/blank/", blank=True, validators=[document_upload_validator]
    )
    sample = models.FileField(
        _("示例样表"), upload_to="forms/sample/", blank=True, validators=[document_upload_validator]
    )

    history = HistoricalRecords()

    ownership = Ownership(township="item__township")
    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("申请材料")
        verbose_name_plural = _("申请材料")
        ordering = ["item", "order", "id"]
        indexes = [models.Index(fields=["item", "order", "id"], name="material_item_order")]  # lists in this order
        constraints = [
            models.UniqueConstraint(
                fields=["item", "name"],
                name="material_name_unique_in_item",
                violation_error_message=_("这个事项已有同名的材料。"),
            ),
            models.CheckConstraint(
                condition=Q(copies__isnull=True) | (Q(copies__gte=1) & Q(copies__lte=20)),
                name="material_copies_sensible",
                violation_error_message=_("份数应在 1 到 20 之间。"),
            ),
            models.CheckConstraint(
                condition=~Q(necessity="conditional") | ~Q(condition_note=""),
                name="material_conditional_says_when",
                violation_error_message=_("“特定情形需要”的材料必须写明是什么情形。"),
            ),
        ]

    def __str__(self):
        return self.name

    DOWNLOAD_WORDS = ("本页下载", "本页面下载", "页面下载")

    def clean(self):
        # The page offers a download only when a file is attached; a note must not promise one that is not there.
        if not self.blank_form and any(word in self.source_note + self.notes for word in self.DOWNLOAD_WORDS):
            raise ValidationError({"blank_form": _("说明里写了可以下载，但没有上传空白表格：请上传表格，或改掉说明。")})

    @property
    def form_text(self):
        """Return what the list says of the form and copies ("原件1份、复印件2份", "复印件", "2份"), "" if nothing."""
        copies = f"{self.copies}份" if self.copies else ""
        if self.form == self.Form.BOTH:
            return f"原件1份、复印件{copies}" if copies else str(self.Form.BOTH.label)
        return f"{self.get_form_display()}{copies}"


class Step(TrackedModel):
    """One step of the flow (办理流程): what happens, who does it, where, how long."""

    item = models.ForeignKey(ServiceItem, verbose_name=_("服务事项"), on_delete=models.CASCADE, related_name="steps")
    order = models.PositiveSmallIntegerField(_("步骤序号"))
    title = models.CharField(_("环节"), max_length=60, help_text=_("如：受理、审核、公示、办结"))
    description = models.TextField(_("办理内容"), blank=True)
    actor = models.CharField(_("办理人"), max_length=60, blank=True, help_text=_("如：综合窗口、村委会、县自然资源局"))
    place = models.CharField(_("地点"), max_length=100, blank=True)
    duration = models.CharField(_("时长"), max_length=60, blank=True, help_text=_("如：当场、5个工作日"))

    history = HistoricalRecords()

    ownership = Ownership(township="item__township")
    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("办理步骤")
        verbose_name_plural = _("办理步骤")
        ordering = ["item", "order"]
        constraints = [
            models.UniqueConstraint(
                fields=["item", "order"],
                name="step_order_unique_in_item",
                violation_error_message=_("这个事项已有相同序号的步骤。"),
            ),
        ]

    def __str__(self):
        return f"{self.order}. {self.title}"


class ResponsibilityListQuerySet(CheckedQuerySet):
    def of_township(self, township):
        return self.filter(township=township)

    def township_own(self):
        return self.filter(village__isnull=True)

    def of_villages(self):
        return self.filter(village__isnull=False)

    def with_entry_count(self):
        """Select the owning village and count entries in the same query."""
        return self.select_related("village").annotate(entry_count=models.Count("entries"))


class ResponsibilityEntryQuerySet(RestrictedQuerySet):
    def with_details(self):
        """Select the responsible office and department; prefetch the legal bases."""
        return self.select_related("responsible_office", "responsible_department").prefetch_related("legal_bases")


class ResponsibilityList(TrackedModel):
    """A published list of duties or powers, owned by a township or one of its villages."""

    class Kind(models.TextChoices):
        POWERS = "powers", _("权责清单")
        TERRITORIAL = "territorial", _("属地管理清单")
        VILLAGE_ADMISSION = "admission", _("村级工作准入清单")
        VILLAGE_SERVICE = "service", _("为民服务事项清单")
        PETTY_POWER = "petty_power", _("小微权力清单")
        MAIN_DUTY = "main_duty", _("主责清单")
        ASSIST = "assist", _("协助清单")
        NEGATIVE = "negative", _("负面清单")
        # The three duty lists every township keeps from 2025.
        BASIC_DUTY = "basic_duty", _("基本履职事项清单")
        COOPERATIVE_DUTY = "cooperative_duty", _("配合履职事项清单")
        RECLAIMED = "reclaimed", _("上级部门收回事项清单")

    township = models.ForeignKey(
        Township, verbose_name=_("所属乡镇"), on_delete=models.CASCADE, related_name="responsibility_lists"
    )
    village = models.ForeignKey(
        Village,
        verbose_name=_("所属村（社区）"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="responsibility_lists",
        help_text=_("乡镇自己的清单不填。"),
    )
    kind = models.CharField(_("清单类别"), max_length=20, choices=Kind.choices)
    title = models.CharField(_("清单名称"), max_length=120)
    version = models.CharField(_("版本"), max_length=30, help_text=_("如：2024年版"))
    published_on = models.DateField(_("发布日期"))
    introduction = models.TextField(_("说明"), blank=True)
    last_checked_on = checked_on_field()
    last_checked_by = actor_field(_("核对人"))

    ownership = Ownership(township="township")
    objects = ResponsibilityListQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("清单")
        verbose_name_plural = _("清单")
        ordering = ["township", "village__order", "kind", "-published_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["township", "kind", "version"],
                condition=Q(village__isnull=True),
                name="list_version_unique_for_township",
                violation_error_message=_("本乡镇已有这一类清单的这个版本。"),
            ),
            models.UniqueConstraint(
                fields=["village", "kind", "version"],
                condition=Q(village__isnull=False),
                name="list_version_unique_for_village",
                violation_error_message=_("该村（社区）已有这一类清单的这个版本。"),
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("responsibility_list", kwargs={"township": self.township.slug, "pk": self.pk})

    def clean(self):
        if self.village_id and self.township_id and self.village.township_id != self.township_id:
            raise ValidationError({"village": _("所选村（社区）不属于本乡镇。")})


class ResponsibilityEntry(TrackedModel):
    """One row of a list: a power or duty, its basis, who answers for it, and accountability."""

    responsibility_list = models.ForeignKey(
        ResponsibilityList, verbose_name=_("清单"), on_delete=models.CASCADE, related_name="entries"
    )
    number = models.PositiveSmallIntegerField(_("序号"))
    power_type = models.CharField(_("职权类型"), max_length=30, blank=True, help_text=_("如：行政检查、公共服务"))
    name = models.CharField(_("事项名称"), max_length=200)
    legal_bases = models.ManyToManyField(LegalBasis, verbose_name=_("职权依据"), related_name="entries", blank=True)
    basis_text = models.TextField(_("依据说明"), blank=True)
    duties = models.TextField(_("责任事项"), blank=True)
    responsible_office = models.ForeignKey(
        Office, verbose_name=_("承办科室"), on_delete=models.SET_NULL, null=True, blank=True, related_name="entries"
    )
    responsible_department = models.ForeignKey(
        CountyDepartment,
        verbose_name=_("县级责任部门"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="entries",
    )
    responsible_person = models.CharField(_("责任人"), max_length=30, blank=True)
    accountability = models.TextField(_("追责情形"), blank=True)
    note = models.CharField(_("备注"), max_length=300, blank=True)

    ownership = Ownership(township="responsibility_list__township")
    objects = ResponsibilityEntryQuerySet.as_manager()
    history = HistoricalRecords(m2m_fields=[legal_bases])

    class Meta:
        verbose_name = _("清单条目")
        verbose_name_plural = _("清单条目")
        ordering = ["responsibility_list", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["responsibility_list", "number"],
                name="entry_number_unique_in_list",
                violation_error_message=_("这个清单已有这个序号。"),
            ),
        ]

    def __str__(self):
        return f"{self.number}. {self.name}"


class CertificateRuleQuerySet(CheckedQuerySet):
    def for_township(self, township):
        """Rules in force for a township: county-wide ones and its own."""
        return self.filter(county_id=township.county_id).filter(Q(township__isnull=True) | Q(township=township))

    def may_issue(self):
        return self.filter(may_issue=True)

    def may_not_issue(self):
        return self.filter(may_issue=False)

    def alternative_gone(self):
        """May-not rules that send residents to a service item since withdrawn or merged away."""
        return self.may_not_issue().filter(
            alternative_item__status__in=[ServiceItem.Status.WITHDRAWN, ServiceItem.Status.MERGED]
        )

    def with_alternative(self):
        return self.select_related("alternative_item", "alternative_item__township", "township").prefetch_related(
            "legal_bases"
        )


class CertificateRule(TrackedModel):
    """Whether a village committee may issue a certificate, and if not, the way around it."""

    class AlternativeKind(models.TextChoices):
        DATA_CHECK = "data_check", _("部门核查（数据共享）")
        HELD_DOCUMENT = "held_document", _("凭已有证件")
        PLEDGE = "pledge", _("告知承诺")
        OTHER_OFFICE = "other_office", _("由有关部门办理")

    county = models.ForeignKey(
        County, verbose_name=_("县（区）"), on_delete=models.CASCADE, related_name="certificate_rules"
    )
    township = models.ForeignKey(
        Township,
        verbose_name=_("乡镇"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="certificate_rules",
        help_text=_("全县通用的规则不填。"),
    )
    name = models.CharField(_("证明名称"), max_length=100)
    may_issue = models.BooleanField(_("村（社区）可以出具"))
    requesting_department = models.CharField(_("索要部门"), max_length=100, blank=True)
    purpose = models.CharField(_("用途"), max_length=200, blank=True)
    legal_bases = models.ManyToManyField(
        LegalBasis, verbose_name=_("依据"), related_name="certificate_rules", blank=True
    )
    data_holder = models.CharField(_("数据掌握部门"), max_length=100, blank=True, help_text=_("如：公安派出所"))
    alternative_kind = models.CharField(_("替代途径类型"), max_length=20, choices=AlternativeKind.choices, blank=True)
    alternative = models.TextField(_("替代途径"), blank=True, help_text=_("群众应该怎么办，写清楚找谁、带什么。"))
    alternative_item = models.ForeignKey(
        ServiceItem,
        verbose_name=_("对应服务事项"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="certificate_rules",
    )
    online_url = models.URLField(_("网上办理链接"), blank=True)
    source_document = models.CharField(_("出处文件"), max_length=200, blank=True, help_text=_("如：民发〔2020〕20号"))
    effective_on = models.DateField(_("生效日期"), null=True, blank=True)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)
    last_checked_on = checked_on_field()
    last_checked_by = actor_field(_("核对人"))

    # A county-wide rule (no township) belongs to the county's reviewers; a township's own rule to its clerks.
    ownership = Ownership(township="township", county="county")
    objects = CertificateRuleQuerySet.as_manager()
    history = HistoricalRecords(m2m_fields=[legal_bases])

    class Meta:
        verbose_name = _("村级证明事项")
        verbose_name_plural = _("村级证明事项")
        ordering = ["county", "-may_issue", "order", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["county", "name"],
                condition=Q(township__isnull=True),
                name="certificate_name_unique_in_county",
                violation_error_message=_("全县已有同名的证明事项。"),
            ),
            models.UniqueConstraint(
                fields=["township", "name"],
                condition=Q(township__isnull=False),
                name="certificate_name_unique_in_township",
                violation_error_message=_("本乡镇已有同名的证明事项。"),
            ),
            models.CheckConstraint(
                condition=Q(may_issue=True) | (~Q(alternative_kind="") & ~Q(alternative="")),
                name="certificate_may_not_has_alternative",
                violation_error_message=_("不再出具的证明必须写明替代途径（类型和具体办法）。"),
            ),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        errors = {}
        if self.township_id and self.county_id and self.township.county_id != self.county_id:
            errors["township"] = _("所选乡镇不属于这个县（区）。")
        if self.alternative_item_id and self.county_id and self.alternative_item.township.county_id != self.county_id:
            errors["alternative_item"] = _("对应服务事项不在本县（区）。")
        if errors:
            raise ValidationError(errors)
