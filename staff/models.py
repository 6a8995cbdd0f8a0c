"""Offices, windows, posts and people of a township, and their county counterparts."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Prefetch, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from portal.models import (
    CheckedQuerySet,
    County,
    Township,
    TrackedModel,
    actor_field,
    checked_on_field,
    coordinates_constraints,
    coordinates_fields,
    not_checked_since_q,
)
from portal.scoping import Ownership, RestrictedQuerySet
from portal.validators import image_upload_validator, phone_validator


class CountyDepartmentQuerySet(RestrictedQuerySet):
    def of_county(self, county):
        return self.filter(county=county)

    def without_liaison(self):
        """Departments no township post liaises with: the county side has no contact anywhere."""
        return self.filter(liaisons__isnull=True)


class CountyDepartmentManager(models.Manager.from_queryset(CountyDepartmentQuerySet)):
    def get_by_natural_key(self, county_slug, name):
        return self.get(county__slug=county_slug, name=name)


class CountyDepartment(TrackedModel):
    """A county functional department (县直部门) that township posts liaise with."""

    county = models.ForeignKey(
        County, verbose_name=_("所属县（区）"), on_delete=models.CASCADE, related_name="departments"
    )
    name = models.CharField(_("部门名称"), max_length=60)
    short_name = models.CharField(_("简称"), max_length=20, blank=True, help_text=_("如：民政局、市场监管局"))
    address = models.CharField(_("办公地址"), max_length=200, blank=True)
    phone = models.CharField(_("办公电话"), max_length=30, blank=True, validators=[phone_validator])
    order = models.PositiveSmallIntegerField(_("排序"), default=0)

    ownership = Ownership(county="county")
    objects = CountyDepartmentManager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("县直部门")
        verbose_name_plural = _("县直部门")
        ordering = ["county", "order", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["county", "name"],
                name="department_name_unique_in_county",
                violation_error_message=_("本县（区）已有同名的部门。"),
            ),
        ]

    def __str__(self):
        return self.name

    def natural_key(self):
        return (self.county.slug, self.name)

    natural_key.dependencies = ["portal.county"]

    @property
    def display_name(self):
        return self.short_name or self.name


class DepartmentSection(TrackedModel):
    """A section (股室) of a county department, with the person in charge."""

    department = models.ForeignKey(
        CountyDepartment, verbose_name=_("县直部门"), on_delete=models.CASCADE, related_name="sections"
    )
    name = models.CharField(_("股室名称"), max_length=60)
    # Kept once here by the county reviewer: every township's liaison table shows these (Liaison.county_person).
    head_name = models.CharField(_("负责人"), max_length=30, blank=True)
    phone = models.CharField(_("电话"), max_length=30, blank=True, validators=[phone_validator])

    history = HistoricalRecords()

    ownership = Ownership(county="department__county")
    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("股室")
        verbose_name_plural = _("股室")
        ordering = ["department", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["department", "name"],
                name="section_name_unique_in_department",
                violation_error_message=_("该部门已有同名的股室。"),
            ),
        ]

    def __str__(self):
        return f"{self.department.display_name}·{self.name}"


class PhoneCheckFollowsPhone:
    """A checked date that vouches for a phone lapses when the phone changes and the same save does not renew it.

    ``phone_check = (phone fields, date field, checker field)``. A page prints
    "电话……核对" next to the number: after a new number is typed, that date
    vouches for a number nobody rang. Kept in the model so the admin, an
    import and a script behave alike (``save()``; an import's bulk update
    calls ``forget_phone_check_if_changed()`` itself).
    """

    phone_check = ((), "", "")

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        instance._remember_phone_check()
        return instance

    def _remember_phone_check(self):
        phones, date_name, _by = self.phone_check
        names = (*phones, date_name)
        if all(n in self.__dict__ for n in names):  # deferred fields are not loaded: nothing to compare
            self._loaded_phone_check = tuple(getattr(self, n) for n in names)

    def forget_phone_check_if_changed(self):
        """Clear the checked date and its checker if a phone changed since loading and the date did not.

        Returns True when it cleared them (the caller writes those two fields too).
        """
        loaded = getattr(self, "_loaded_phone_check", None)
        phones, date_name, by_name = self.phone_check
        if loaded is None or loaded[-1] is None:
            return False
        phones_changed = tuple(getattr(self, n) for n in phones) != loaded[:-1]
        if not phones_changed or getattr(self, date_name) != loaded[-1]:
            return False
        setattr(self, date_name, None)
        setattr(self, f"{by_name}_id", None)
        return True

    def save(self, *args, **kwargs):
        update_fields = kwargs.get("update_fields")
        if self.forget_phone_check_if_changed() and update_fields is not None:
            _phones, date_name, by_name = self.phone_check
            kwargs["update_fields"] = {*update_fields, date_name, by_name}
        super().save(*args, **kwargs)
        self._remember_phone_check()


class OfficeQuerySet(CheckedQuerySet):
    def of_township(self, township):
        return self.filter(township=township)

    def with_windows(self):
        return self.prefetch_related(
            Prefetch("windows", queryset=Window.objects.order_by("number").prefetch_related("departments"))
        )

    def by_floor(self):
        return self.order_by("floor", "order", "name")

    def with_duty_board(self):
        """Prefetch windows with their departments and A/B staff, and posts with their holders."""
        return self.select_related("township").prefetch_related(
            Prefetch("windows", queryset=Window.objects.with_people().order_by("number")),
            Prefetch("posts", queryset=Post.objects.with_holders()),
        )


class OfficeManager(models.Manager.from_queryset(OfficeQuerySet)):
    def get_by_natural_key(self, township_slug, name):
        return self.get(township__slug=township_slug, name=name)


class Office(PhoneCheckFollowsPhone, TrackedModel):
    """A township office, station or centre (5办1站2中心) and where to find it."""

    # Its page says 最近核对 for its place, hours and phone: a new phone nobody rang is not checked.
    phone_check = (("phone",), "last_checked_on", "last_checked_by")

    class Kind(models.TextChoices):
        OFFICE = "office", _("办公室")
        STATION = "station", _("站")
        CENTRE = "centre", _("中心")

    township = models.ForeignKey(Township, verbose_name=_("所属乡镇"), on_delete=models.CASCADE, related_name="offices")
    name = models.CharField(_("名称"), max_length=60)
    kind = models.CharField(_("类别"), max_length=10, choices=Kind.choices)
    # No default: an office nobody placed would be printed as 1楼, a wrong way to go.
    floor = models.SmallIntegerField(
        _("楼层"), null=True, blank=True, help_text=_("地下一层写 -1；不填则页面显示“楼层未填写”。")
    )
    room = models.CharField(_("房间"), max_length=30, blank=True, help_text=_("如：108室"))
    directions = models.CharField(_("怎么走"), max_length=200, blank=True, help_text=_("如：进大门右手第一间"))
    hours = models.CharField(_("办公时间"), max_length=200, blank=True, help_text=_("不填则同乡镇办公时间"))
    phone = models.CharField(_("办公电话"), max_length=30, blank=True, validators=[phone_validator])
    # Only where the office is not in the township's building; otherwise its page uses the township's.
    latitude, longitude = coordinates_fields()
    responsibilities = models.TextField(_("主要职责"), blank=True)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)
    # Where it is, its hours and phone, as last checked on the spot (shown on its public page; the board watches it).
    last_checked_on = checked_on_field()
    last_checked_by = actor_field(_("核对人"))

    ownership = Ownership(township="township")
    objects = OfficeManager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("办公室（站、中心）")
        verbose_name_plural = _("办公室（站、中心）")
        ordering = ["township", "order", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["township", "name"],
                name="office_name_unique_in_township",
                violation_error_message=_("本乡镇已有同名的办公室（站、中心）。"),
            ),
            models.CheckConstraint(
                condition=Q(floor__gte=-5) & Q(floor__lte=50) & ~Q(floor=0),
                name="office_floor_sensible",
                violation_error_message=_("楼层应在 -5 到 50 之间，且不能为 0。"),
            ),
            *coordinates_constraints("office"),
        ]

    def __str__(self):
        return self.name

    def natural_key(self):
        return (self.township.slug, self.name)

    natural_key.dependencies = ["portal.township"]

    def get_absolute_url(self):
        return reverse("office", kwargs={"township": self.township.slug, "pk": self.pk})

    @property
    def floor_label(self):
        """Return the floor as printed (2楼, 地下1层), or 楼层未填写 when nobody filled it in."""
        if self.floor is None:
            return "楼层未填写"
        return f"地下{-self.floor}层" if self.floor < 0 else f"{self.floor}楼"


class StaffQuerySet(CheckedQuerySet):
    def of_township(self, township):
        return self.filter(township=township)

    def active(self):
        return self.filter(active=True)

    def in_county(self, county):
        return self.filter(township__county=county)

    def phone_not_checked_since(self, cutoff):
        """Active staff with a phone on record that nobody has rung since ``cutoff`` (or ever)."""
        return self.active().exclude(office_phone="", mobile="").not_checked_since(cutoff, "phone_checked_on")


class StaffManager(models.Manager.from_queryset(StaffQuerySet)):
    def get_by_natural_key(self, township_slug, name):
        return self.get(township__slug=township_slug, name=name)


class Staff(PhoneCheckFollowsPhone, TrackedModel):
    """A member of the township's staff. A private mobile is never shown to the public."""

    # The date printed as （电话……核对） beside the numbers vouches for these numbers only.
    phone_check = (("office_phone", "mobile"), "phone_checked_on", "phone_checked_by")

    township = models.ForeignKey(Township, verbose_name=_("所属乡镇"), on_delete=models.CASCADE, related_name="staff")
    name = models.CharField(
        _("姓名"), max_length=30, help_text=_("本乡镇内不能重名；如有同名，请加区分，如“王伟（民政）”。")
    )
    job_title = models.CharField(_("职务"), max_length=60, blank=True)
    photo = models.ImageField(_("工作照"), upload_to="staff-photos/", blank=True, validators=[image_upload_validator])
    office_phone = models.CharField(_("办公电话"), max_length=30, blank=True, validators=[phone_validator])
    mobile = models.CharField(_("手机"), max_length=30, blank=True, validators=[phone_validator])
    mobile_public = models.BooleanField(
        _("手机可对外公开"), default=False, help_text=_("未勾选时，手机号只在后台可见，公开页面只显示办公电话。")
    )
    active = models.BooleanField(_("在职"), default=True)
    phone_checked_on = checked_on_field(_("电话核对日期"))
    phone_checked_by = actor_field(_("电话核对人"))

    ownership = Ownership(township="township")
    objects = StaffManager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("工作人员")
        verbose_name_plural = _("工作人员")
        ordering = ["township", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["township", "name"],
                name="staff_name_unique_in_township",
                violation_error_message=_("本乡镇已有同名的工作人员；如确有同名，请在姓名后加区分。"),
            ),
            models.CheckConstraint(
                condition=Q(mobile_public=False) | ~Q(mobile=""),
                name="staff_public_mobile_present",
                violation_error_message=_("勾选了“手机可对外公开”，但没有填写手机号。"),
            ),
        ]

    def __str__(self):
        return self.name

    def natural_key(self):
        return (self.township.slug, self.name)

    natural_key.dependencies = ["portal.township"]

    # The one rule for a person's number, used by every public page and print: the office phone, else a
    # public mobile; nothing for someone who has left (they appear on no public page at all).
    @property
    def public_phone(self):
        """Return the number residents may call: the office phone, else a public mobile; "" once they have left."""
        if not self.active:
            return ""
        if self.office_phone:
            return self.office_phone
        return self.public_mobile

    @property
    def public_mobile(self):
        """Return the mobile if its owner agreed to publish it and is still in post, else ""."""
        return self.mobile if self.mobile_public and self.active else ""


class WindowQuerySet(CheckedQuerySet):
    def of_township(self, township):
        return self.filter(township=township)

    def with_people(self):
        """Select the office and the A and B staff; prefetch the departments accepted."""
        return self.select_related("office", "primary_staff", "backup_staff").prefetch_related("departments")


class WindowManager(models.Manager.from_queryset(WindowQuerySet)):
    def get_by_natural_key(self, township_slug, number):
        return self.get(township__slug=township_slug, number=number)


class Window(TrackedModel):
    """A counter in the service hall: general (综窗, 3–5 departments) or dedicated (专窗)."""

    class Kind(models.TextChoices):
        GENERAL = "general", _("综合窗口")
        DEDICATED = "dedicated", _("专门窗口")

    GENERAL_MIN_DEPARTMENTS = 3
    GENERAL_MAX_DEPARTMENTS = 5

    township = models.ForeignKey(Township, verbose_name=_("所属乡镇"), on_delete=models.CASCADE, related_name="windows")
    office = models.ForeignKey(
        Office, verbose_name=_("所在办公室（中心）"), on_delete=models.PROTECT, related_name="windows"
    )
    number = models.PositiveSmallIntegerField(_("窗口号"))
    name = models.CharField(_("窗口名称"), max_length=60, help_text=_("如：综合受理窗口、公安专窗"))
    kind = models.CharField(_("窗口类型"), max_length=10, choices=Kind.choices)
    departments = models.ManyToManyField(
        CountyDepartment,
        verbose_name=_("受理哪些部门的事项"),
        related_name="windows",
        blank=True,
        help_text=_("综合窗口受理 3–5 个部门的事项；专门窗口对应一个部门。"),
    )
    handles = models.CharField(
        _("主要办理"), max_length=200, blank=True, help_text=_("一句话说明，如：社保、医保、低保")
    )
    primary_staff = models.ForeignKey(
        Staff, verbose_name=_("A角"), on_delete=models.SET_NULL, null=True, blank=True, related_name="primary_windows"
    )
    backup_staff = models.ForeignKey(
        Staff, verbose_name=_("B角"), on_delete=models.SET_NULL, null=True, blank=True, related_name="backup_windows"
    )

    # Who sits there and what it accepts, as last checked (shown on its public page; the board watches it).
    last_checked_on = checked_on_field()
    last_checked_by = actor_field(_("核对人"))

    ownership = Ownership(township="township")
    objects = WindowManager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("窗口")
        verbose_name_plural = _("窗口")
        ordering = ["township", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["township", "number"],
                name="window_number_unique_in_township",
                violation_error_message=_("本乡镇已有这个窗口号。"),
            ),
            models.CheckConstraint(
                condition=Q(primary_staff__isnull=True) | ~Q(primary_staff=models.F("backup_staff")),
                name="window_backup_differs_from_primary",
                violation_error_message=_("窗口的A角和B角不能是同一个人。"),
            ),
            models.CheckConstraint(
                condition=Q(number__gte=1),
                name="window_number_positive",
                violation_error_message=_("窗口号从 1 开始。"),
            ),
        ]

    def __str__(self):
        return f"{self.number}号{self.name}"

    def natural_key(self):
        return (self.township.slug, self.number)

    natural_key.dependencies = ["portal.township"]

    def get_absolute_url(self):
        return reverse("window", kwargs={"township": self.township.slug, "pk": self.pk})

    # Public pages name the window's A and B through these: someone who has left is shown as nobody.
    @property
    def public_primary_staff(self):
        """Return the A staff member if still in post, else None."""
        staff = self.primary_staff
        return staff if staff is not None and staff.active else None

    @property
    def public_backup_staff(self):
        """Return the B staff member if still in post, else None."""
        staff = self.backup_staff
        return staff if staff is not None and staff.active else None

    def clean(self):
        errors = {}
        if self.office_id and self.township_id and self.office.township_id != self.township_id:
            errors["office"] = _("所选办公室不属于本乡镇。")
        for field in ("primary_staff", "backup_staff"):
            person = getattr(self, field)
            if person is not None and self.township_id and person.township_id != self.township_id:
                errors[field] = _("所选工作人员不属于本乡镇。")
        if errors:
            raise ValidationError(errors)

    def department_count_error(self, departments):
        """Return why this set of departments does not fit the window's kind, or None."""
        count = len(departments)
        if self.kind == self.Kind.GENERAL and not (
            self.GENERAL_MIN_DEPARTMENTS <= count <= self.GENERAL_MAX_DEPARTMENTS
        ):
            return _("综合窗口应受理 3 至 5 个部门的事项，现在选了 %(count)d 个。") % {"count": count}
        if self.kind == self.Kind.DEDICATED and count != 1:
            return _("专门窗口只对应一个部门，现在选了 %(count)d 个。") % {"count": count}
        return None


class PostQuerySet(RestrictedQuerySet):
    def of_township(self, township):
        return self.filter(township=township)

    def with_holders(self):
        """Prefetch holders (A first) with their staff: one query, whatever the count."""
        return self.select_related("office").prefetch_related(
            Prefetch("holders", queryset=PostHolder.objects.select_related("staff").order_by("role", "order"))
        )

    def without_backup(self):
        return self.exclude(holders__role=PostHolder.Role.BACKUP)

    def in_county(self, county):
        return self.filter(township__county=county)

    def without_liaison(self):
        """Posts with no county counterpart in the liaison table."""
        return self.filter(liaisons__isnull=True)


class PostManager(models.Manager.from_queryset(PostQuerySet)):
    def get_by_natural_key(self, township_slug, title):
        return self.get(township__slug=township_slug, title=title)


class Post(TrackedModel):
    """A township post (岗位), held by one A holder and one or more B holders."""

    township = models.ForeignKey(Township, verbose_name=_("所属乡镇"), on_delete=models.CASCADE, related_name="posts")
    office = models.ForeignKey(
        Office, verbose_name=_("所属办公室（站、中心）"), on_delete=models.PROTECT, related_name="posts"
    )
    title = models.CharField(_("岗位名称"), max_length=60)
    duties = models.TextField(_("岗位职责"), blank=True)
    phone = models.CharField(
        _("岗位电话"),
        max_length=30,
        blank=True,
        validators=[phone_validator],
        help_text=_("不填则显示在岗人员的办公电话"),
    )
    order = models.PositiveSmallIntegerField(_("排序"), default=0)

    ownership = Ownership(township="township")
    objects = PostManager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("岗位")
        verbose_name_plural = _("岗位")
        ordering = ["township", "office__order", "order", "title"]
        indexes = [models.Index(fields=["township", "order", "title"], name="post_township_order")]  # the admin's list
        constraints = [
            models.UniqueConstraint(
                fields=["township", "title"],
                name="post_title_unique_in_township",
                violation_error_message=_("本乡镇已有同名的岗位。"),
            ),
        ]

    def __str__(self):
        return self.title

    def natural_key(self):
        return (self.township.slug, self.title)

    natural_key.dependencies = ["portal.township"]

    def get_absolute_url(self):
        return reverse("post", kwargs={"township": self.township.slug, "pk": self.pk})

    def clean(self):
        if self.office_id and self.township_id and self.office.township_id != self.township_id:
            raise ValidationError({"office": _("所选办公室不属于本乡镇。")})

    # The helpers below read the prefetched ``holders`` (see PostQuerySet.with_holders)
    # so that templates looping over posts never query.
    @property
    def primary_holders(self):
        return [h for h in self.holders.all() if h.role == PostHolder.Role.PRIMARY]

    @property
    def backup_holders(self):
        return [h for h in self.holders.all() if h.role == PostHolder.Role.BACKUP]

    @property
    def public_holders(self):
        """Return the holders still in post, A first: someone who has left keeps a row until reassigned."""
        return [h for h in self.holders.all() if h.staff.active]

    @property
    def contact_phone(self):
        """Return the post's own phone, else the first holder's public phone (A first), else ""."""
        if self.phone:
            return self.phone
        for holder in self.public_holders:
            if holder.staff.public_phone:
                return holder.staff.public_phone
        return ""

    @property
    def first_contact(self):
        """Return ``(person or None, phone)`` for a one-line "whom to see": the A holder with their own number.

        A person's number is always that person's (``Staff.public_phone``), so a
        short card and the holder list below it cannot show two numbers for one
        person; the post's own phone is named only when no holder has one. A
        holder away today (``absence_today``, set by
        ``staff.whereabouts.absences_mark``) comes after those who are in.
        """
        holders = sorted(self.public_holders, key=lambda h: getattr(h.staff, "absence_today", None) is not None)
        for holder in holders:
            if holder.staff.public_phone:
                return holder.staff, holder.staff.public_phone
        return (holders[0].staff if holders else None), self.phone


class PostHolder(TrackedModel):
    """A person holding a post, as A role (主办) or B role (备岗)."""

    class Role(models.TextChoices):
        PRIMARY = "A", _("A角（主办）")
        BACKUP = "B", _("B角（备岗）")

    post = models.ForeignKey(Post, verbose_name=_("岗位"), on_delete=models.CASCADE, related_name="holders")
    staff = models.ForeignKey(Staff, verbose_name=_("工作人员"), on_delete=models.CASCADE, related_name="holdings")
    role = models.CharField(_("角色"), max_length=1, choices=Role.choices)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)

    history = HistoricalRecords()

    ownership = Ownership(township="post__township")
    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("在岗人员")
        verbose_name_plural = _("在岗人员")
        ordering = ["post", "role", "order"]
        constraints = [
            models.UniqueConstraint(
                fields=["post", "staff"],
                name="holder_once_per_post",
                violation_error_message=_("此人已在这个岗位上。"),
            ),
            models.UniqueConstraint(
                fields=["post"],
                condition=Q(role="A"),
                name="holder_one_primary_per_post",
                violation_error_message=_("一个岗位只能有一名A角。"),
            ),
            models.CheckConstraint(
                condition=Q(role__in=["A", "B"]),
                name="holder_role_valid",
                violation_error_message=_("角色只能是A角或B角。"),
            ),
        ]

    def __str__(self):
        return f"{self.post}：{self.staff}（{self.role}角）"

    def clean(self):
        if self.post_id and self.staff_id and self.post.township_id != self.staff.township_id:
            raise ValidationError({"staff": _("所选工作人员不属于本岗位所在的乡镇。")})


class LiaisonQuerySet(CheckedQuerySet):
    def of_township(self, township):
        return self.filter(post__township=township)

    def in_county(self, county):
        return self.filter(post__township__county=county)

    def with_current_contact(self):
        """Annotate ``contact_now``: the county person and phone shown now, as a confirmation records them."""
        from django.db.models import Case, Value, When
        from django.db.models.functions import Concat

        return self.annotate(
            contact_now=Case(
                When(
                    ~Q(section__head_name="") & Q(section__isnull=False),
                    then=Concat("section__head_name", Value(" "), "section__phone"),
                ),
                default=Concat("county_contact_name", Value(" "), "county_contact_phone"),
                output_field=models.CharField(),
            )
        )

    def unconfirmed(self):
        """Rows without a standing county confirmation: never confirmed, or the person or phone changed since."""
        return self.with_current_contact().filter(
            Q(confirmed_on__isnull=True) | ~Q(confirmed_contact=models.F("contact_now"))
        )

    def not_confirmed_since(self, cutoff):
        """Rows the county side has not confirmed since ``cutoff`` (or ever), or whose confirmation no longer holds."""
        return self.with_current_contact().filter(
            not_checked_since_q(cutoff, "confirmed_on") | ~Q(confirmed_contact=models.F("contact_now"))
        )

    def with_both_sides(self):
        """Select post, office, department and section; prefetch the post's holders."""
        return self.select_related("post", "post__office", "department", "section").prefetch_related(
            Prefetch("post__holders", queryset=PostHolder.objects.select_related("staff").order_by("role", "order"))
        )

    def by_department(self):
        """Order the table by county department, then by township post."""
        return self.order_by(
            "department__order", "department__name", "post__office__order", "post__order", "post__title"
        )


class Liaison(TrackedModel):
    """One line of the county–township liaison table (县乡工作对接联系表).

    A busy post held by several people faces one department (多对一); a light
    post may face several departments (一对多): one row per pair.
    """

    post = models.ForeignKey(Post, verbose_name=_("乡镇岗位"), on_delete=models.CASCADE, related_name="liaisons")
    department = models.ForeignKey(
        CountyDepartment, verbose_name=_("县直部门"), on_delete=models.PROTECT, related_name="liaisons"
    )
    section = models.ForeignKey(
        DepartmentSection,
        verbose_name=_("对接股室"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="liaisons",
    )
    matters = models.CharField(_("对接事项"), max_length=200, blank=True)
    # The county side is kept once, on the section, by the county reviewer; these two are only for a row
    # without a section (or a section without a head), and are then the township's own note.
    county_contact_name = models.CharField(
        _("县级责任人"), max_length=30, blank=True, help_text=_("选了股室且股室填了负责人的，以股室为准，这里不用填。")
    )
    county_contact_phone = models.CharField(_("县级联系电话"), max_length=30, blank=True, validators=[phone_validator])
    # Set only by a county reviewer (staff.oversight.liaisons_confirm), never by a township's form or sheet.
    confirmed_on = models.DateField(_("县级最近确认日期"), null=True, blank=True, editable=False)
    confirmed_by = actor_field(_("确认人"))
    confirmed_contact = models.CharField(
        _("确认时的责任人和电话"),
        max_length=70,
        blank=True,
        editable=False,
        help_text=_("与现在的不同，说明确认后又改过，确认随之失效。"),
    )

    # The clerk keeps the table, the county reads it: it belongs to the township whose post it is.
    ownership = Ownership(township="post__township")
    objects = LiaisonQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("县乡对接")
        verbose_name_plural = _("县乡工作对接联系表")
        ordering = ["post__office__order", "post__order", "post__title", "department__order"]
        constraints = [
            models.UniqueConstraint(
                fields=["post", "department"],
                name="liaison_once_per_post_and_department",
                violation_error_message=_("这个岗位已对接该县直部门。"),
            ),
        ]

    def __str__(self):
        return f"{self.post} ↔ {self.department}"

    @property
    def county_person(self):
        """Return the county person to call: the section's head (kept by the county), else the row's own."""
        if self.section_id and self.section.head_name:
            return self.section.head_name
        return self.county_contact_name

    @property
    def county_phone(self):
        """Return the county number to call: the section's phone when the section names its head, else the row's."""
        if self.section_id and self.section.head_name:
            return self.section.phone
        return self.county_contact_phone

    @property
    def current_contact(self):
        return f"{self.county_person} {self.county_phone}"

    @property
    def is_confirmed(self):
        """True when a county reviewer confirmed this row and the person and phone have not changed since."""
        return bool(self.confirmed_on and self.confirmed_by_id and self.confirmed_contact == self.current_contact)

    def clean(self):
        errors = {}
        if not (self.section_id and self.section.head_name) and not self.county_contact_name:
            errors["county_contact_name"] = _("没有选股室（或股室未填负责人）时，须填写县级责任人。")
        if not (self.section_id and self.section.head_name) and not self.county_contact_phone:
            errors["county_contact_phone"] = _("没有选股室（或股室未填负责人）时，须填写县级联系电话。")
        if self.section_id and self.department_id and self.section.department_id != self.department_id:
            errors["section"] = _("所选股室不属于该县直部门。")
        if self.post_id and self.department_id and self.post.township.county_id != self.department.county_id:
            errors["department"] = _("所选部门不属于本乡镇所在的县（区）。")
        if errors:
            raise ValidationError(errors)


class AbsenceQuerySet(RestrictedQuerySet):
    def of_township(self, township):
        return self.filter(staff__township=township)

    def current(self, today=None):
        """Absences that apply on ``today``: they start showing on their first day and stop after their last."""
        today = today or timezone.localdate()
        return self.filter(start__lte=today, end__gte=today)


class Absence(TrackedModel):
    """Where a staff member is instead of at their desk, and until when (去向牌): shown only while it applies."""

    class Kind(models.TextChoices):
        IN_VILLAGE = "in_village", _("下村")
        MEETING = "meeting", _("开会")
        BUSINESS_TRIP = "trip", _("出差")
        TRAINING = "training", _("学习培训")
        LEAVE = "leave", _("请假")

    staff = models.ForeignKey(Staff, verbose_name=_("工作人员"), on_delete=models.CASCADE, related_name="absences")
    kind = models.CharField(_("去向"), max_length=12, choices=Kind.choices)
    note = models.CharField(_("说明"), max_length=100, blank=True, help_text=_("如：下村至东垆村；有事找B角"))
    start = models.DateField(_("从"))
    end = models.DateField(_("到（含当天）"))

    ownership = Ownership(township="staff__township")
    objects = AbsenceQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("去向（不在岗）")
        verbose_name_plural = _("去向牌")
        ordering = ["staff__township", "start", "staff__name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__gte=models.F("start")),
                name="absence_end_not_before_start",
                violation_error_message=_("结束日期不能早于开始日期。"),
            ),
        ]

    def __str__(self):
        return f"{self.staff}：{self.get_kind_display()}（{self.start:%m-%d}至{self.end:%m-%d}）"
