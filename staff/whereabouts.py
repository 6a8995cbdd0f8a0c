"""The 去向牌: who is away, why and until when; written by a clerk from a phone in two taps.

Absences carry their own dates, so they show while they apply and disappear
by themselves (``Absence.objects.current()``); nobody has to remember to take
a note down.
"""

import datetime

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from portal import scoping
from portal.history import stamp_user
from staff.models import Absence


def township_board(township, *, today=None):
    """Return ``(in_today, away)``: active staff without a current absence, and ``[(staff, absence)]`` (2 queries)."""
    today = today or timezone.localdate()
    from staff.models import Staff

    people = list(Staff.objects.of_township(township).active().order_by("name"))
    current = {}
    for absence in Absence.objects.of_township(township).current(today).order_by("end"):
        current.setdefault(absence.staff_id, absence)
    away = [(person, current[person.pk]) for person in people if person.pk in current]
    in_today = [person for person in people if person.pk not in current]
    return in_today, away


def absences_mark(people, *, today=None):
    """Set ``absence_today`` on each Staff in ``people``: the Absence that applies today (ending first), or None.

    One query for any number of people, none for none. Pages that name a
    person as whom to see call it, so a resident reads "今天下村，到…" next to
    the name instead of walking to an empty desk. Returns ``people`` as a list.
    """
    people = [person for person in people if person is not None]
    if not people:
        return people
    current = {}
    absences = Absence.objects.current(today).filter(staff__in={person.pk for person in people}).order_by("end")
    for absence in absences:
        current.setdefault(absence.staff_id, absence)
    for person in people:
        person.absence_today = current.get(person.pk)
    return people


@transaction.atomic
def absence_record(*, staff, kind, user, days=1, note="", today=None):
    """Record that ``staff`` is away (``kind``) from today for ``days`` days; return the Absence.

    Refused (PermissionDenied) unless ``user`` may change the person's township.
    """
    if not scoping.can_edit(user, staff):
        raise PermissionDenied
    today = today or timezone.localdate()
    absence = Absence(staff=staff, kind=kind, note=note, start=today, end=today + datetime.timedelta(days=days - 1))
    stamp_user(absence, user)
    absence.full_clean()
    absence.save()
    return absence


@transaction.atomic
def absence_end(*, staff, user, today=None):
    """Record that ``staff`` is back: current absences end yesterday (or vanish if they began today)."""
    if not scoping.can_edit(user, staff):
        raise PermissionDenied
    today = today or timezone.localdate()
    for absence in Absence.objects.filter(staff=staff).current(today):
        if absence.start >= today:
            absence.delete()
        else:
            absence.end = today - datetime.timedelta(days=1)
            stamp_user(absence, user)
            absence.save()
