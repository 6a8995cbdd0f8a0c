"""Search in residents' own words: the prepared search text, the synonym table, the counted searches and misses."""

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from portal.models import County, Township, TrackedModel
from portal.scoping import Ownership, RestrictedQuerySet


class SearchEntryQuerySet(RestrictedQuerySet):
    def for_township(self, township):
        """Return what a resident of ``township`` can find: its own rows and its county's county-wide rules."""
        return self.filter(models.Q(township=township) | models.Q(township__isnull=True, county_id=township.county_id))


class SearchEntry(models.Model):
    """One thing a resident can find (an item, a certificate rule, a list entry, an office, a window, a post,
    a village), with its search text prepared when its source was saved, so a search only compares strings.

    Rows are written only by ``search.indexing``; ``digest`` tells whether a source changed since.
    """

    class Kind(models.TextChoices):
        ITEM = "item", _("服务事项")
        RULE = "rule", _("证明事项")
        ENTRY = "entry", _("清单事项")
        OFFICE = "office", _("办公室（站、中心）")
        WINDOW = "window", _("窗口")
        POST = "post", _("岗位")
        VILLAGE = "village", _("村（社区）")

    county = models.ForeignKey(County, verbose_name=_("所属县（区）"), on_delete=models.CASCADE, related_name="+")
    # Empty for a county-wide certificate rule, which every township of the county shows.
    township = models.ForeignKey(
        Township, verbose_name=_("所属乡镇"), on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(_("类别"), max_length=10, choices=Kind.choices)
    object_id = models.PositiveBigIntegerField(_("对象编号"))
    title = models.CharField(_("标题"), max_length=200)
    detail = models.CharField(_("去哪里办"), max_length=300, blank=True)
    summary = models.CharField(_("说明"), max_length=300, blank=True)
    status = models.CharField(_("状态"), max_length=12, blank=True)
    notice = models.CharField(_("提示"), max_length=200, blank=True)
    retired = models.BooleanField(_("已取消或合并"), default=False)
    order = models.PositiveIntegerField(_("排序"), default=0)
    link_id = models.PositiveBigIntegerField(_("链接对象编号"), null=True, blank=True)
    # The township of the linked item: a county-wide rule's alternative is one township's item.
    link_township_id = models.PositiveBigIntegerField(_("链接对象所属乡镇"), null=True, blank=True)
    # A post's holders on duty, one per line: "A|name|phone" (shown with the post; refreshed when staff change).
    people = models.TextField(_("在岗人员"), blank=True)
    name = models.TextField(_("名称（检索用）"))
    name_pinyin = models.TextField(_("名称拼音（模糊）"))
    name_letters = models.TextField(_("名称全拼"))
    name_initials = models.TextField(_("名称首字母"))
    keywords = models.TextField(_("关键词（检索用）"), blank=True)
    keywords_pinyin = models.TextField(_("关键词拼音（模糊）"), blank=True)
    keywords_letters = models.TextField(_("关键词全拼"), blank=True)
    keywords_initials = models.TextField(_("关键词首字母"), blank=True)
    extra = models.TextField(_("材料等（检索用）"), blank=True)
    digest = models.CharField(_("来源摘要"), max_length=40)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    # A county-wide rule's row (no township) belongs to the county, like the rule itself.
    ownership = Ownership(township="township", county="county")
    objects = SearchEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("检索条目")
        verbose_name_plural = _("检索条目")
        ordering = ["county", "township", "kind", "order", "object_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "object_id"],
                name="search_entry_unique_per_object",
                violation_error_message=_("每个对象只有一条检索条目。"),
            ),
        ]
        # The search's version query reads the newest updated_at of a township's rows from this index alone.
        indexes = [models.Index(fields=["township", "county", "updated_at"], name="search_entry_township")]

    def __str__(self):
        return f"{self.get_kind_display()}：{self.title}"


class SynonymQuerySet(RestrictedQuerySet):
    def for_township(self, township):
        """Return the built-in starter list and the township's own words."""
        return self.filter(models.Q(township=township) | models.Q(township__isnull=True))


class Synonym(TrackedModel):
    """An everyday word residents use (个体户) and the catalogue's word it means (个体工商户).

    Rows without a township are the built-in starter list, shared by every
    township and changed only by an administrator; a township's clerk adds
    the township's own.
    """

    township = models.ForeignKey(
        Township,
        verbose_name=_("所属乡镇"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="search_synonyms",
        help_text=_("不填则为内置的通用说法，各乡镇共用。"),
    )
    phrase = models.CharField(_("群众的说法"), max_length=40, help_text=_("如：个体户、新农合、老年补贴"))
    target = models.CharField(_("事项里的说法"), max_length=60, help_text=_("如：个体工商户、城乡居民医疗保险"))
    note = models.CharField(_("备注"), max_length=200, blank=True)

    # Built-in rows (no township) belong to no township: only an administrator changes them.
    ownership = Ownership(township="township")
    objects = SynonymQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("同义词")
        verbose_name_plural = _("同义词（群众的说法）")
        ordering = ["township", "phrase", "target"]
        constraints = [
            models.UniqueConstraint(
                fields=["township", "phrase", "target"],
                name="synonym_unique_in_township",
                violation_error_message=_("本乡镇已有这条同义词。"),
            ),
            models.UniqueConstraint(
                fields=["phrase", "target"],
                condition=models.Q(township__isnull=True),
                name="builtin_synonym_unique",
                violation_error_message=_("内置同义词里已有这一条。"),
            ),
        ]

    def __str__(self):
        return f"{self.phrase} → {self.target}"


class SearchMissQuerySet(RestrictedQuerySet):
    def frequent(self, township, since, limit=10):
        """Return ``[{"query", "total", "last"}]``: the township's most frequent misses since ``since``."""
        return (
            self.filter(township=township, day__gte=since)
            .values("query")
            .annotate(total=models.Sum("count"), last=models.Max("day"))
            .order_by("-total", "-last", "query")[:limit]
        )


class SearchMiss(models.Model):
    """How many searches of one normalised query found nothing in a township on one day.

    Only the words and a count: no IP address, no account, no time of day.
    """

    township = models.ForeignKey(
        Township, verbose_name=_("所属乡镇"), on_delete=models.CASCADE, related_name="search_misses"
    )
    query = models.CharField(_("搜索的话"), max_length=100)
    day = models.DateField(_("日期"))
    count = models.PositiveIntegerField(_("次数"), default=1)

    ownership = Ownership(township="township")
    objects = SearchMissQuerySet.as_manager()

    class Meta:
        verbose_name = _("没搜到的话")
        verbose_name_plural = _("没搜到的话")
        ordering = ["township", "-day", "-count"]
        constraints = [
            models.UniqueConstraint(
                fields=["township", "query", "day"],
                name="search_miss_unique_per_day",
                violation_error_message=_("这一天已记录这句话。"),
            ),
        ]

    def __str__(self):
        return f"{self.query}（{self.day}：{self.count}次）"

    def get_absolute_url(self):
        return reverse("search", kwargs={"township": self.township.slug}) + "?q=" + self.query


class SearchDay(models.Model):
    """How many searches residents made in a township on one day, and how many of them found nothing.

    Counted apart from ``SearchMiss`` (which keeps the words for the clerk's
    board and loses them when a miss is fixed), so a closed month's figures
    never change. Only counts: no words, no address, no account.
    """

    township = models.ForeignKey(
        Township, verbose_name=_("所属乡镇"), on_delete=models.CASCADE, related_name="search_days"
    )
    day = models.DateField(_("日期"))
    searches = models.PositiveIntegerField(_("搜索次数"), default=0)
    misses = models.PositiveIntegerField(_("没搜到的次数"), default=0)

    ownership = Ownership(township="township")
    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("每日搜索次数")
        verbose_name_plural = _("每日搜索次数")
        ordering = ["township", "-day"]
        constraints = [
            models.UniqueConstraint(
                fields=["township", "day"],
                name="search_day_unique",
                violation_error_message=_("这个乡镇这一天的搜索次数已有记录。"),
            ),
            models.CheckConstraint(
                condition=models.Q(misses__lte=models.F("searches")),
                name="search_day_misses_within_searches",
                violation_error_message=_("没搜到的次数不能多于搜索次数。"),
            ),
        ]

    def __str__(self):
        return f"{self.township}｜{self.day}：搜索{self.searches}次，没搜到{self.misses}次"
