"""Counties, townships and villages: who owns the pages and the printed codes."""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.db import models
from django.db.models import Q
from django.db.models.functions import Coalesce, TruncMonth
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from portal.scoping import Ownership, RestrictedQuerySet
from portal.text import clean_field_value
from portal.validators import image_upload_validator, not_in_the_future, phone_validator


def checked_on_field(verbose_name=None):
    """Return the field for the day a row's facts were last checked (never after today)."""
    return models.DateField(verbose_name or _("最近核对日期"), null=True, blank=True, validators=[not_in_the_future])


def actor_field(verbose_name, *, editable=False):
    """Return a field naming the account that did something (created, changed, checked); it outlives the account."""
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=verbose_name,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=editable,
    )


def not_checked_since_q(cutoff, field="last_checked_on"):
    """Rows whose ``field`` date is before ``cutoff`` or was never set: the one "stale" condition."""
    return Q(**{f"{field}__lt": cutoff}) | Q(**{f"{field}__isnull": True})


class CheckedQuerySet(RestrictedQuerySet):
    """Queryset of a model carrying a "checked on" date (see ``checked_on_field``)."""

    def not_checked_since(self, cutoff, field="last_checked_on"):
        """Rows not checked since ``cutoff`` (``field`` names the date), or never."""
        return self.filter(not_checked_since_q(cutoff, field))


class TrackedModel(models.Model):
    """Abstract base recording when and by whom a row was created and last changed.

    The ``*_by`` fields are set by the write functions (admin, imports,
    commands pass the acting user); the full change log is kept by
    django-simple-history on each concrete model.
    """

    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    created_by = actor_field(_("创建人"))
    updated_by = actor_field(_("更新人"))

    class Meta:
        abstract = True

    def clean_fields(self, exclude=None):
        # Names, codes and phones as people read them (NFKC, no zero-width characters, single spaces,
        # phones in one canonical form) before they are validated and stored: every admin form and
        # the spreadsheet import store the same text (see portal.text.clean_field_value).
        for field in self._meta.concrete_fields:
            value = getattr(self, field.attname)
            if isinstance(value, str):
                setattr(self, field.attname, clean_field_value(field, value))
        super().clean_fields(exclude=exclude)


def content_version_fields():
    """The version of what residents see of a township or county, bumped by ``portal.freshness`` on every write."""
    return (
        models.PositiveBigIntegerField(_("内容版本"), default=0, editable=False),
        models.DateTimeField(_("内容更新时间"), null=True, blank=True, editable=False),
    )


def coordinates_fields():
    """Optional WGS-84 latitude and longitude (as a phone's GPS gives them), for a tap that opens a map app.

    Both or neither (see ``coordinates_constraints``): no map link is shown without them.
    """
    return (
        models.DecimalField(
            _("纬度"), max_digits=9, decimal_places=6, null=True, blank=True, help_text=_("WGS-84，如 36.123456")
        ),
        models.DecimalField(
            _("经度"), max_digits=9, decimal_places=6, null=True, blank=True, help_text=_("WGS-84，如 112.123456")
        ),
    )


def coordinates_constraints(prefix):
    """DB constraints for ``coordinates_fields``: both or neither, and within the globe's range."""
    return [
        models.CheckConstraint(
            condition=Q(latitude__isnull=True, longitude__isnull=True)
            # isnull=False spelled out: a comparison with NULL would let the CHECK pass.
            | Q(latitude__isnull=False, longitude__isnull=False)
            & Q(latitude__gte=-90, latitude__lte=90, longitude__gte=-180, longitude__lte=180),
            name=f"{prefix}_coordinates_both_and_in_range",
            violation_error_message=_("纬度和经度要一起填写，纬度在 -90 到 90 之间，经度在 -180 到 180 之间。"),
        )
    ]


# Bumped on every write: a history row for each would say nothing.
VERSION_FIELDS = ["content_version", "content_changed_at"]


class CountyManager(models.Manager.from_queryset(RestrictedQuerySet)):
    def get_by_natural_key(self, slug):
        return self.get(slug=slug)


class County(TrackedModel):
    """A county or district government (县/区); its departments serve its townships."""

    name = models.CharField(_("名称"), max_length=50)
    slug = models.SlugField(_("网址标识"), max_length=50, unique=True)
    phone = models.CharField(_("政务服务热线"), max_length=30, blank=True, validators=[phone_validator])
    content_version, content_changed_at = content_version_fields()

    ownership = Ownership(county="")
    objects = CountyManager()
    history = HistoricalRecords(excluded_fields=VERSION_FIELDS)

    class Meta:
        verbose_name = _("县（区）")
        verbose_name_plural = _("县（区）")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["name"], name="county_name_unique", violation_error_message=_("已有同名的县（区）。")
            ),
        ]

    def __str__(self):
        return self.name

    def natural_key(self):
        return (self.slug,)


class TownshipQuerySet(CheckedQuerySet):
    def in_county(self, county):
        return self.filter(county=county)


class TownshipManager(models.Manager.from_queryset(TownshipQuerySet)):
    def get_by_natural_key(self, slug):
        return self.get(slug=slug)


class Township(TrackedModel):
    """A township or sub-district (乡镇/街道): it owns its public pages and its codes."""

    county = models.ForeignKey(
        County, verbose_name=_("所属县（区）"), on_delete=models.PROTECT, related_name="townships"
    )
    name = models.CharField(_("名称"), max_length=50)
    slug = models.SlugField(
        _("网址标识"), max_length=50, unique=True, help_text=_("用于网址，如 donglu；打印后请勿修改。")
    )
    address = models.CharField(_("地址"), max_length=200, blank=True)
    opening_hours = models.TextField(
        _("办公时间"), blank=True, help_text=_("如：周一至周五 上午8:00-12:00，下午14:30-17:30（法定节假日除外）")
    )
    phone = models.CharField(_("咨询电话"), max_length=30, blank=True, validators=[phone_validator])
    supervision_phone = models.CharField(_("监督投诉电话"), max_length=30, blank=True, validators=[phone_validator])
    introduction = models.TextField(_("简介"), blank=True)
    floor_plan = models.ImageField(
        _("办公区域平面示意图"), upload_to="floor-plans/", blank=True, validators=[image_upload_validator]
    )
    floor_plan_text = models.TextField(
        _("平面图文字说明"), blank=True, help_text=_("给看不清图片的人：按楼层写明各办公室的位置。")
    )
    latitude, longitude = coordinates_fields()
    last_checked_on = checked_on_field()
    last_checked_by = actor_field(_("核对人"))
    content_version, content_changed_at = content_version_fields()

    ownership = Ownership(township="")
    objects = TownshipManager()
    history = HistoricalRecords(excluded_fields=VERSION_FIELDS)

    class Meta:
        verbose_name = _("乡镇（街道）")
        verbose_name_plural = _("乡镇（街道）")
        ordering = ["county__name", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["county", "name"],
                name="township_name_unique_in_county",
                violation_error_message=_("本县（区）已有同名的乡镇（街道）。"),
            ),
            *coordinates_constraints("township"),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("township_home", kwargs={"township": self.slug})

    def natural_key(self):
        return (self.slug,)


class VillageQuerySet(CheckedQuerySet):
    def of_township(self, township):
        return self.filter(township=township)


class VillageManager(models.Manager.from_queryset(VillageQuerySet)):
    def get_by_natural_key(self, township_slug, name):
        return self.get(township__slug=township_slug, name=name)


class Village(TrackedModel):
    """A village or community committee (村/社区) with its service room and agent (代办员)."""

    class Kind(models.TextChoices):
        VILLAGE = "village", _("行政村")
        COMMUNITY = "community", _("社区")

    township = models.ForeignKey(
        Township, verbose_name=_("所属乡镇"), on_delete=models.CASCADE, related_name="villages"
    )
    name = models.CharField(_("名称"), max_length=50)
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices, default=Kind.VILLAGE)
    service_room = models.CharField(_("便民服务室位置"), max_length=200, blank=True, help_text=_("如：村委会一楼东侧"))
    service_hours = models.CharField(_("服务时间"), max_length=200, blank=True)
    agent_name = models.CharField(_("代办员"), max_length=30, blank=True)
    agent_phone = models.CharField(_("代办员电话"), max_length=30, blank=True, validators=[phone_validator])
    order = models.PositiveSmallIntegerField(_("排序"), default=0)
    last_checked_on = checked_on_field()
    last_checked_by = actor_field(_("核对人"))

    ownership = Ownership(township="township")
    objects = VillageManager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("村（社区）")
        verbose_name_plural = _("村（社区）")
        ordering = ["township", "order", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["township", "name"],
                name="village_name_unique_in_township",
                violation_error_message=_("本乡镇已有同名的村（社区）。"),
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("village", kwargs={"township": self.township.slug, "pk": self.pk})

    def natural_key(self):
        return (self.township.slug, self.name)

    natural_key.dependencies = ["portal.township"]


class UserScope(models.Model):
    """What a staff account may see and change: one township (a clerk) or a whole county (a reviewer).

    Superusers need no scope. Permissions (what kinds of objects) come from
    Django's groups; this row says which rows.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("账号"), on_delete=models.CASCADE, related_name="scope"
    )
    township = models.ForeignKey(
        Township,
        verbose_name=_("乡镇（办事员）"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="user_scopes",
    )
    county = models.ForeignKey(
        County,
        verbose_name=_("县（区）（审核员）"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="user_scopes",
    )

    # Accounts' own data: superusers only (a clerk never sees who else works where).
    ownership = Ownership(private=True)
    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("账号管辖范围")
        verbose_name_plural = _("账号管辖范围")
        ordering = ["user__username"]
        constraints = [
            models.CheckConstraint(
                condition=Q(township__isnull=False, county__isnull=True)
                | Q(township__isnull=True, county__isnull=False),
                name="user_scope_township_xor_county",
                violation_error_message=_("账号要么属于一个乡镇（办事员），要么属于一个县（区）（审核员），二者选一。"),
            ),
        ]

    def __str__(self):
        return f"{self.user}：{self.township or self.county}"


class QRCodeQuerySet(RestrictedQuerySet):
    def of_township(self, township):
        return self.filter(township=township)

    def active(self):
        return self.filter(active=True)

    def pointing_at(self, obj):
        """Codes whose target is ``obj`` (any model)."""
        from django.contrib.contenttypes.models import ContentType

        return self.filter(target_type=ContentType.objects.get_for_model(obj), target_id=obj.pk)

    def with_scan_totals(self):
        """Annotate ``scans_total`` and ``last_scan_on`` in the same query (no query per row)."""
        return self.annotate(
            scans_total=Coalesce(models.Sum("scan_days__count"), 0),
            last_scan_on=models.Max("scan_days__day"),
        )


class QRCode(TrackedModel):
    """A printed code. Its ``code`` is forever; what it points at may be changed.

    The target is any object with ``get_absolute_url()`` (township, office,
    window, post, village, service item, list). A code whose target is gone
    falls back to its township's home page.
    """

    class Board(models.TextChoices):
        NONE = "", _("（不是公示栏）")
        CERTIFICATES = "certificates", _("村级证明事项公示栏")
        LIAISON = "liaison", _("县乡对接联系表")
        LISTS = "lists", _("清单目录")

    township = models.ForeignKey(
        Township, verbose_name=_("所属乡镇"), on_delete=models.PROTECT, related_name="qr_codes"
    )
    code = models.CharField(_("码号"), max_length=16, unique=True, editable=False)
    target_type = models.ForeignKey(
        "contenttypes.ContentType", verbose_name=_("指向的类型"), on_delete=models.PROTECT, null=True, blank=True
    )
    target_id = models.PositiveBigIntegerField(_("指向的编号"), null=True, blank=True)
    target = GenericForeignKey("target_type", "target_id")
    board = models.CharField(_("指向的公示栏"), max_length=20, choices=Board.choices, blank=True, default="")
    target_label = models.CharField(
        _("指向（打印时的名称）"),
        max_length=200,
        blank=True,
        help_text=_("记下印制时指向的名称；指向的内容删除后仍能看出这张码原来贴在哪里。"),
    )
    placement = models.CharField(
        _("张贴位置"), max_length=100, help_text=_("如：大门、3号综合窗口、民政岗职责牌、东垆村微信群")
    )
    active = models.BooleanField(_("启用"), default=True)

    ownership = Ownership(township="township")
    objects = QRCodeQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("二维码")
        verbose_name_plural = _("二维码")
        ordering = ["township", "placement", "code"]
        indexes = [models.Index(fields=["target_type", "target_id"], name="qrcode_target")]
        constraints = [
            models.CheckConstraint(
                condition=Q(target_type__isnull=True, target_id__isnull=True)
                | Q(target_type__isnull=False, target_id__isnull=False),
                name="qrcode_target_complete",
                violation_error_message=_("指向的类型和编号要么都填，要么都不填（不填即指向乡镇首页）。"),
            ),
            models.CheckConstraint(
                condition=Q(board="") | Q(target_type__isnull=True),
                name="qrcode_target_or_board",
                violation_error_message=_("二维码要么指向一项内容，要么指向一个公示栏，不能两者都填。"),
            ),
        ]

    def __str__(self):
        return f"{self.code}（{self.placement}）"

    def get_absolute_url(self):
        return reverse("qr_redirect", kwargs={"code": self.code})

    def total_scans(self):
        """Return the number of scans counted, from the annotation when the queryset has one."""
        if hasattr(self, "scans_total"):
            return self.scans_total
        return self.scan_days.aggregate(total=models.Sum("count"))["total"] or 0

    @property
    def points_home(self):
        """True when the code opens the township home (no target, no board): the gate code."""
        return self.target_type_id is None and not self.board

    def printed_url(self):
        """Return the address printed in the code: the public base URL plus ``/q/<code>``."""
        from portal.codes import printed_url

        return printed_url(self.code)


class QRScanDayQuerySet(RestrictedQuerySet):
    def of_township(self, township):
        return self.filter(qr_code__township=township)

    def by_month(self):
        """Rows of ``month`` (first day) and ``total``, oldest first."""
        return (
            self.annotate(month=TruncMonth("day")).values("month").annotate(total=models.Sum("count")).order_by("month")
        )

    def by_placement(self):
        """Rows of ``qr_code__placement`` and ``total``, most scanned first."""
        return (
            self.values("qr_code__placement")
            .annotate(total=models.Sum("count"))
            .order_by("-total", "qr_code__placement")
        )


class QRScanDay(models.Model):
    """Scans of one code on one day; incremented atomically in the database."""

    qr_code = models.ForeignKey(QRCode, verbose_name=_("二维码"), on_delete=models.CASCADE, related_name="scan_days")
    day = models.DateField(_("日期"))
    count = models.PositiveIntegerField(_("扫码次数"), default=0)

    ownership = Ownership(township="qr_code__township")
    objects = QRScanDayQuerySet.as_manager()

    class Meta:
        verbose_name = _("每日扫码次数")
        verbose_name_plural = _("每日扫码次数")
        ordering = ["-day"]
        constraints = [
            models.UniqueConstraint(fields=["qr_code", "day"], name="scan_day_unique_per_code"),
        ]

    def __str__(self):
        return f"{self.qr_code.code} {self.day}：{self.count}"


class TownshipFormerSlug(models.Model):
    """An address a township had before its slug was changed: shared ``/t/<old>/…`` links redirect (301) to the new one.

    Written by ``portal.slugs`` whenever a township's slug changes, whoever
    saves it (admin, import, shell); read by its middleware on a 404.
    """

    township = models.ForeignKey(
        Township, verbose_name=_("乡镇（街道）"), on_delete=models.CASCADE, related_name="former_slugs"
    )
    slug = models.SlugField(_("原网址标识"), max_length=50, unique=True)
    retired_at = models.DateTimeField(_("停用时间"), auto_now_add=True)

    ownership = Ownership(township="township")
    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("乡镇原网址")
        verbose_name_plural = _("乡镇原网址")
        ordering = ["township", "-retired_at"]

    def __str__(self):
        return f"{self.slug} → {self.township.slug}"
