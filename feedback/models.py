"""What residents tell the township, and what the township does about it: one queue of cases, and ratings.

A ``Case`` is one thing in the township's queue: a report that something on a
page is wrong (信息有误), a request for proxy service, an appointment or a home
visit (帮代办/预约/上门办), the follow-up of a poor rating (差评回访), or an
enquiry a clerk took by phone or at a window (咨询登记). One model with a kind,
rather than four, so that the queue, its counts, its deadlines and the
retention rule are written once.

What a case is about is held in explicit nullable foreign keys (item, office,
window, post, village, certificate rule) instead of a GenericForeignKey: the
database keeps them consistent, the queue joins them in one query
(``select_related``; a generic key can only be prefetched), a deleted item
leaves the case in place (SET_NULL) instead of a dangling id, and each can be
checked to belong to the case's township.

Cases carry no django-simple-history: a history table would keep residents'
names and phones after ``personal_data_erase`` blanked them. ``CaseEvent`` is
the case's own record of each step, with no personal data in it.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.models import Township, Village
from portal.scoping import Ownership, RestrictedQuerySet
from services.models import CertificateRule, ServiceItem
from staff.models import Liaison, Office, Post, Window


class Kind(models.TextChoices):
    REPORT = "report", _("信息有误")
    REQUEST = "request", _("办事申请")
    FOLLOWUP = "followup", _("差评回访")
    ENQUIRY = "enquiry", _("咨询登记")


class Status(models.TextChoices):
    NEW = "new", _("已收到")
    ACCEPTED = "accepted", _("已受理")
    IN_PROGRESS = "in_progress", _("办理中")
    DONE = "done", _("已办结")
    DECLINED = "declined", _("不予办理")


CLOSED = (Status.DONE, Status.DECLINED)


# The supervision's request timeliness (supervision.figures counts with these; the case list filters with them).
def closed_by_due_q(prefix=""):
    """Cases closed (done or declined) on or before their due date; ``prefix`` reaches the case through a relation."""
    return Q(**{f"{prefix}closed_at__isnull": False, f"{prefix}closed_at__date__lte": F(f"{prefix}due_on")})


def done_on_time_q(prefix=""):
    """Cases closed as done on or before their due date (按期办结)."""
    return Q(**{f"{prefix}status": Status.DONE}) & closed_by_due_q(prefix)


def late_q(today, prefix=""):
    """Cases not closed by their due date, once it is before ``today`` (逾期: closing late keeps them so)."""
    return Q(**{f"{prefix}due_on__lt": today}) & ~closed_by_due_q(prefix)


class About(models.TextChoices):
    """The public page a report or request was sent from."""

    ITEM = "item", _("服务事项")
    OFFICE = "office", _("办公室")
    WINDOW = "window", _("窗口")
    POST = "post", _("岗位")
    VILLAGE = "village", _("村（社区）")
    CERTIFICATE = "certificate", _("证明事项")
    LIAISON = "liaison", _("县乡对接联系表")


class Problem(models.TextChoices):
    PHONE = "phone", _("电话不对")
    PERSON = "person", _("人不对（换人了）")
    PLACE = "place", _("地点不对")
    MATERIALS = "materials", _("材料不对")
    HOURS = "hours", _("时间不对")
    OTHER = "other", _("其他")


class Service(models.TextChoices):
    PROXY = "proxy", _("帮代办")
    APPOINTMENT = "appointment", _("预约办理")
    HOME_VISIT = "home_visit", _("上门办")


class DayPart(models.TextChoices):
    ANY = "any", _("都可以")
    MORNING = "morning", _("上午")
    AFTERNOON = "afternoon", _("下午")


class Channel(models.TextChoices):
    PHONE = "phone", _("电话")
    WINDOW = "window", _("窗口")


class Outcome(models.TextChoices):
    ANSWERED = "answered", _("当场答复")
    PASSED_ON = "passed_on", _("转交他人")


class CaseQuerySet(RestrictedQuerySet):
    def of_township(self, township):
        return self.filter(township=township)

    def open(self):
        return self.exclude(status__in=CLOSED)

    def closed(self):
        return self.filter(status__in=CLOSED)

    def overdue(self, today=None):
        """Open cases whose due date has passed."""
        return self.open().filter(due_on__lt=today or timezone.localdate())

    def for_queue(self):
        """Everything a queue row shows, in one query."""
        return self.select_related(
            "township", "owner", "item", "office", "window", "post", "village", "certificate_rule", "poor_rating"
        )

    def with_personal_data_older_than(self, cutoff):
        """Closed cases, closed before ``cutoff`` (a datetime), whose personal data is still held."""
        return self.closed().filter(closed_at__lt=cutoff, personal_data_erased_on__isnull=True)


class Case(models.Model):
    """One thing in a township's queue: a report, a request, a poor rating's follow-up or an enquiry."""

    township = models.ForeignKey(Township, verbose_name=_("乡镇"), on_delete=models.CASCADE, related_name="cases")
    kind = models.CharField(_("类别"), max_length=10, choices=Kind.choices)
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.NEW)
    reference = models.CharField(_("编号"), max_length=12, unique=True, editable=False)
    created_at = models.DateTimeField(_("收到时间"), default=timezone.now, editable=False)
    due_on = models.DateField(_("办结期限"), null=True, blank=True)
    # Counted Monday to Friday for a year the working-day calendar does not hold yet: a forecast, said as such.
    due_provisional = models.BooleanField(
        _("办结期限为预计"), default=False, editable=False, help_text=_("日历还没有这一年的节假日安排，暂按周末推算。")
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("首问负责人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    accepted_at = models.DateTimeField(_("受理时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    resolution = models.CharField(
        _("处理结果"), max_length=300, blank=True, help_text=_("办结时写做了什么；不予办理时写原因。群众查询时能看到。")
    )

    # What it is about (at most one of these, plus the page it came from).
    about = models.CharField(_("来自页面"), max_length=12, choices=About.choices, blank=True)
    item = models.ForeignKey(
        ServiceItem, verbose_name=_("服务事项"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    office = models.ForeignKey(
        Office, verbose_name=_("办公室"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    window = models.ForeignKey(
        Window, verbose_name=_("窗口"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    post = models.ForeignKey(
        Post, verbose_name=_("岗位"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    village = models.ForeignKey(
        Village, verbose_name=_("村（社区）"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    certificate_rule = models.ForeignKey(
        CertificateRule, verbose_name=_("证明事项"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    liaison = models.ForeignKey(
        Liaison, verbose_name=_("对接关系"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    # A report.
    problem = models.CharField(_("哪里不对"), max_length=10, choices=Problem.choices, blank=True)
    # A request.
    service = models.CharField(_("申请"), max_length=12, choices=Service.choices, blank=True)
    preferred_date = models.DateField(_("希望日期"), null=True, blank=True)
    preferred_time = models.CharField(_("希望时段"), max_length=10, choices=DayPart.choices, blank=True)
    # An enquiry.
    channel = models.CharField(_("咨询方式"), max_length=10, choices=Channel.choices, blank=True)
    outcome = models.CharField(_("答复情况"), max_length=10, choices=Outcome.choices, blank=True)
    passed_to = models.CharField(_("转交给"), max_length=50, blank=True)
    # A follow-up of a poor rating.
    poor_rating = models.OneToOneField(
        "Rating",
        verbose_name=_("差评"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="followup",
    )
    callback_result = models.CharField(_("电话回访结果"), max_length=300, blank=True)

    # Personal data: blanked by personal_data_erase() a set number of days after closing.
    name = models.CharField(_("姓名"), max_length=30, blank=True)
    phone = models.CharField(_("电话"), max_length=20, blank=True)
    village_name = models.CharField(_("所在村（社区）"), max_length=30, blank=True)
    note = models.CharField(_("说明"), max_length=500, blank=True)
    personal_data_erased_on = models.DateField(_("个人信息删除日期"), null=True, blank=True, editable=False)

    # Only the township's clerks (and superusers) open cases; the admin keeps county reviewers out entirely.
    ownership = Ownership(township="township")
    objects = CaseQuerySet.as_manager()

    class Meta:
        verbose_name = _("工单")
        verbose_name_plural = _("工单（群众反馈与申请）")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["township", "status", "due_on"], name="case_queue"),
            models.Index(fields=["status", "closed_at"], name="case_retention"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="report") | ~Q(problem=""),
                name="case_report_names_problem",
                violation_error_message=_("信息有误的反馈必须说明哪里不对。"),
            ),
            models.CheckConstraint(
                condition=~Q(kind="request") | ~Q(service=""),
                name="case_request_names_service",
                violation_error_message=_("办事申请必须说明是帮代办、预约还是上门办。"),
            ),
            models.CheckConstraint(
                condition=~Q(kind="enquiry") | (~Q(channel="") & ~Q(outcome="")),
                name="case_enquiry_has_channel_and_outcome",
                violation_error_message=_("咨询登记必须写明咨询方式和答复情况。"),
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["done", "declined"]) | Q(closed_at__isnull=False),
                name="case_closed_has_time",
                violation_error_message=_("办结或不予办理的工单必须有办结时间。"),
            ),
            models.CheckConstraint(
                condition=~Q(status="declined") | ~Q(resolution=""),
                name="case_declined_has_reason",
                violation_error_message=_("不予办理必须写明原因。"),
            ),
        ]

    def __str__(self):
        return f"{self.reference} {self.get_kind_display()}"

    def clean(self):
        errors = {}
        for name in ("item", "office", "window", "post", "village", "certificate_rule", "liaison"):
            target = getattr(self, name) if getattr(self, f"{name}_id") else None
            if target is None:
                continue
            township_id = getattr(target, "township_id", None)
            if name == "liaison":
                township_id = target.post.township_id
            if township_id is not None and township_id != self.township_id:
                errors[name] = _("所选内容不属于本乡镇。")
        if errors:
            raise ValidationError(errors)

    @property
    def is_open(self):
        return self.status not in CLOSED

    @property
    def target(self):
        """Return the object the case is about, or None."""
        for name in ("item", "office", "window", "post", "village", "certificate_rule", "liaison"):
            if getattr(self, f"{name}_id"):
                return getattr(self, name)
        return None

    @property
    def masked_phone(self):
        return mask_phone(self.phone)

    def is_overdue(self, today=None):
        return self.is_open and self.due_on is not None and self.due_on < (today or timezone.localdate())


def mask_phone(phone):
    """Return ``phone`` with all but its first three and last four digits hidden: 100****1234."""
    if not phone:
        return ""
    if len(phone) <= 7:
        return "*" * (len(phone) - 2) + phone[-2:]
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]


class CaseEvent(models.Model):
    """One step of a case (received, accepted by whom, in progress, done, declined), as the resident sees it."""

    case = models.ForeignKey(Case, verbose_name=_("工单"), on_delete=models.CASCADE, related_name="events")
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices)
    at = models.DateTimeField(_("时间"), default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("经办人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    actor_name = models.CharField(_("经办人姓名"), max_length=30, blank=True)
    note = models.CharField(_("说明"), max_length=300, blank=True)

    ownership = Ownership(township="case__township")
    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("办理记录")
        verbose_name_plural = _("办理记录")
        ordering = ["case", "at", "pk"]

    def __str__(self):
        return f"{self.case.reference} {self.get_status_display()}"


class Level(models.IntegerChoices):
    """The five levels of GB/T 39046 (政务服务评价), with their codes."""

    VERY_SATISFIED = 1, _("非常满意")
    SATISFIED = 2, _("满意")
    FAIR = 3, _("基本满意")
    DISSATISFIED = 4, _("不满意")
    VERY_DISSATISFIED = 5, _("非常不满意")


POOR_LEVELS = (Level.DISSATISFIED, Level.VERY_DISSATISFIED)


def followed_in_time_q():
    """Poor ratings whose follow-up case was closed as done on or before its due date (差评按期回访)."""
    return Q(level__in=POOR_LEVELS) & done_on_time_q("followup__")


def followup_missed_q(today):
    """Poor ratings whose follow-up was not closed by its due date, once that date is before ``today`` (未按期回访).

    A follow-up still open and not yet due is neither in time nor missed: the call may still be made.
    """
    return Q(level__in=POOR_LEVELS) & late_q(today, "followup__")


class RatingChannel(models.TextChoices):
    QR = "qr", _("二维码")
    WEB = "web", _("网页")
    WINDOW = "window", _("窗口")


class RatingQuerySet(RestrictedQuerySet):
    def poor(self):
        return self.filter(level__in=POOR_LEVELS)


class Rating(models.Model):
    """A 好差评 rating of an item or of a finished case; one per case, a poor one opens a follow-up."""

    township = models.ForeignKey(Township, verbose_name=_("乡镇"), on_delete=models.CASCADE, related_name="ratings")
    item = models.ForeignKey(
        ServiceItem, verbose_name=_("服务事项"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    case = models.OneToOneField(
        Case,
        verbose_name=_("工单"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="rating",
        help_text=_("对一件办结的申请的评价；每件只能评一次。"),
    )
    level = models.PositiveSmallIntegerField(
        _("评价"), choices=Level.choices, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    channel = models.CharField(_("评价渠道"), max_length=10, choices=RatingChannel.choices, default=RatingChannel.WEB)
    comment = models.CharField(_("意见"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("评价时间"), default=timezone.now, editable=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )

    ownership = Ownership(township="township")
    objects = RatingQuerySet.as_manager()

    class Meta:
        verbose_name = _("好差评")
        verbose_name_plural = _("好差评")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(level__gte=1) & Q(level__lte=5),
                name="rating_level_one_to_five",
                violation_error_message=_("评价只能是 1（非常满意）到 5（非常不满意）。"),
            ),
        ]

    def __str__(self):
        return f"{self.level} {self.get_level_display()}"

    @property
    def is_poor(self):
        return self.level in POOR_LEVELS


class Enquiry(Case):
    """A phone or window enquiry a clerk records (电话咨询登记): the same queue, its own quick add form."""

    class Meta:
        proxy = True
        verbose_name = _("咨询登记")
        verbose_name_plural = _("咨询登记")
        ordering = ["-created_at"]
