"""Operations on the queue: residents' submissions, a clerk taking and closing a case, ratings, retention.

Views, the admin and the management command call these; each checks what it
needs and writes the case and its ``CaseEvent`` in one transaction.
"""

import datetime
import hmac
import secrets

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from feedback.deadlines import due_on
from feedback.models import CLOSED, Case, CaseEvent, Kind, Rating, Status
from portal import scoping

REFERENCE_DIGITS = 8


class CaseTakenError(Exception):
    """Another clerk took the case first (首问负责: the first to take it owns it)."""


def _reference_new():
    # Digits only: read out over the phone by elderly residents; 10^8 values, so guessing one is hopeless.
    return "".join(secrets.choice("0123456789") for _ in range(REFERENCE_DIGITS))


def _display_name(user):
    if user is None:
        return ""
    return (user.get_full_name() or user.get_username())[:30]


def _event(case, status, *, user=None, note=""):
    CaseEvent.objects.create(case=case, status=status, actor=user, actor_name=_display_name(user), note=note[:300])


@transaction.atomic
def case_create(*, township, kind, user=None, **fields):
    """Create a case of ``kind`` in ``township``'s queue, due in its number of working days; return it."""
    if "due_on" not in fields:
        due = due_on(kind)
        fields["due_on"], fields["due_provisional"] = due.date, due.provisional
    case = Case(township=township, kind=kind, **fields)
    case.reference = _reference_new()
    case.full_clean(exclude=["reference"])
    for _attempt in range(5):
        case.reference = _reference_new()
        try:
            with transaction.atomic():
                case.save()
            break
        except IntegrityError:
            if Case.objects.filter(reference=case.reference).exists():
                continue  # a reference drawn twice: draw again
            raise
    _event(case, Status.NEW, user=user)
    return case


def report_submit(*, township, about, target=None, problem, note="", name="", phone=""):
    """Record a resident's report that something on a page is wrong (信息有误)."""
    fields = {"about": about, "problem": problem, "note": note, "name": name, "phone": phone}
    if target is not None:
        fields[_target_field(target)] = target
    return case_create(township=township, kind=Kind.REPORT, **fields)


def _target_field(target):
    name = target._meta.model_name
    return {"serviceitem": "item", "certificaterule": "certificate_rule"}.get(name, name)


def request_submit(
    *, township, item, service, name, phone, village_name="", preferred_date=None, preferred_time="", note=""
):
    """Record a resident's request for proxy service, an appointment or a home visit for ``item``."""
    return case_create(
        township=township,
        kind=Kind.REQUEST,
        about="item",
        item=item,
        service=service,
        name=name,
        phone=phone,
        village_name=village_name,
        preferred_date=preferred_date,
        preferred_time=preferred_time,
        note=note,
    )


@transaction.atomic
def enquiry_record(*, user, township, item=None, channel, outcome, passed_to="", note=""):
    """Record an enquiry a clerk answered (closed at once) or passed on (open, owned by the clerk)."""
    now = timezone.now()
    answered = outcome == "answered"
    case = case_create(
        township=township,
        kind=Kind.ENQUIRY,
        user=user,
        item=item,
        about="item" if item else "",
        channel=channel,
        outcome=outcome,
        passed_to=passed_to,
        note=note,
        owner=user,
        accepted_at=now,
        status=Status.DONE if answered else Status.ACCEPTED,
        closed_at=now if answered else None,
    )
    return case


def _check_may_act(user, case):
    if not scoping.can_edit(user, case):
        raise PermissionDenied(_("这件工单不在您的管辖范围内。"))


@transaction.atomic
def case_take(*, case, user):
    """Make ``user`` the case's owner, if no one took it before (首问负责); return the case reloaded.

    The conditional UPDATE makes two clerks pressing 接单 at once safe: only one row update succeeds.
    """
    _check_may_act(user, case)
    now = timezone.now()
    taken = Case.objects.filter(pk=case.pk, owner__isnull=True, status=Status.NEW).update(
        owner=user, accepted_at=now, status=Status.ACCEPTED
    )
    case.refresh_from_db()
    if not taken:
        if case.owner_id == user.pk:
            return case
        raise CaseTakenError(_("这件工单已由%(name)s受理。") % {"name": _display_name(case.owner) or _("他人")})
    _event(case, Status.ACCEPTED, user=user)
    return case


@transaction.atomic
def case_advance(*, case, user, status, resolution="", callback_result=""):
    """Move a case to ``status`` (in progress, done, declined), taking it first if no one has.

    Only its owner (or a superuser) may move a taken case. Closing needs what was
    done (``resolution``); declining needs the reason; a follow-up needs the
    call-back result.
    """
    _check_may_act(user, case)
    if case.owner_id is None:
        case = case_take(case=case, user=user)
    elif case.owner_id != user.pk and not user.is_superuser:
        raise CaseTakenError(_("这件工单已由%(name)s受理，只有受理人能处理。") % {"name": _display_name(case.owner)})
    if not case.is_open:
        raise ValidationError(_("这件工单已经办结。"))
    if status in CLOSED and not resolution.strip():
        raise ValidationError({"resolution": _("请写明做了什么（办结）或原因（不予办理）。")})
    if case.kind == Kind.FOLLOWUP and status == Status.DONE and not (callback_result or case.callback_result).strip():
        raise ValidationError({"callback_result": _("差评回访办结前请记录电话回访结果。")})
    case.status = status
    if resolution:
        case.resolution = resolution
    if callback_result:
        case.callback_result = callback_result
    if status in CLOSED:
        case.closed_at = timezone.now()
    case.full_clean()
    case.save()
    _event(case, status, user=user, note=resolution if status in CLOSED else "")
    return case


@transaction.atomic
def rating_submit(*, township, level, channel, comment="", phone="", item=None, case=None, user=None):
    """Record a 好差评 rating; a poor one (4, 5) opens a follow-up case due for a call-back. Return the rating.

    A case can be rated once: a second rating raises ``ValidationError``.
    """
    if case is not None:
        if case.status != Status.DONE:
            raise ValidationError(_("办结后才能评价。"))
        if Rating.objects.filter(case=case).exists():
            raise ValidationError(_("这件事已经评价过了，谢谢。"))
        item = item or case.item
    rating = Rating(
        township=township, item=item, case=case, level=level, channel=channel, comment=comment, recorded_by=user
    )
    rating.full_clean()
    try:
        with transaction.atomic():
            rating.save()
    except IntegrityError:
        raise ValidationError(_("这件事已经评价过了，谢谢。")) from None
    if rating.is_poor:
        case_create(
            township=township,
            kind=Kind.FOLLOWUP,
            poor_rating=rating,
            item=item,
            about="item" if item else "",
            # The resident's phone, if the rating is of their own request: the call-back needs it.
            name=case.name if case else "",
            phone=case.phone if case else phone,
            note=comment,
        )
    return rating


def case_find(*, township, reference, phone_suffix):
    """Return the township's case with ``reference`` whose phone ends in ``phone_suffix``, or None.

    A wrong suffix and an unknown reference give the same answer (None), and the
    comparison takes the same time whatever the digits.
    """
    reference = (reference or "").strip()
    phone_suffix = (phone_suffix or "").strip()
    if not reference.isdigit() or len(phone_suffix) != 4 or not phone_suffix.isdigit():
        return None
    case = (
        Case.objects.filter(township=township, reference=reference, kind=Kind.REQUEST)
        .select_related("item", "rating")
        .first()
    )
    stored = case.phone[-4:] if case is not None and case.phone else "----"
    if not hmac.compare_digest(stored.encode(), phone_suffix.encode()) or case is None:
        return None
    return case


@transaction.atomic
def personal_data_erase(*, days, now=None):
    """Blank names, phones, villages, notes, replies and comments of cases closed more than ``days`` days ago.

    Comments of ratings that belong to no case are blanked ``days`` days after they were written.

    The cases and ratings stay (with kind, status, dates, level), so every count
    is unchanged. Return the number of cases erased.
    """
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(days=days)
    cases = Case.objects.with_personal_data_older_than(cutoff)
    ids = list(cases.values_list("pk", flat=True))
    Rating.objects.filter(case_id__in=ids).update(comment="")
    Rating.objects.filter(followup__in=ids).update(comment="")
    # A rating left on an item page has no case to close; its comment is free text that may name someone,
    # so it goes the same number of days after it was written. A poor one goes with its follow-up, above.
    Rating.objects.filter(case__isnull=True, followup__isnull=True, created_at__lt=cutoff).exclude(comment="").update(
        comment=""
    )
    CaseEvent.objects.filter(case_id__in=ids).update(note="")
    return Case.objects.filter(pk__in=ids).update(
        name="",
        phone="",
        village_name="",
        note="",
        passed_to="",
        resolution="",
        callback_result="",
        personal_data_erased_on=timezone.localdate(now),
    )
