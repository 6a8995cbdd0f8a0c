"""The undated 去向 fields give way to dated absences (staff.Absence, 去向牌).

An old value other than 在岗 becomes an absence of the same kind and note,
dated the day it was recorded (the first history record of its last run of
unchanged values, else the row's last update) and ending that same day: nobody
said how long it lasts, so it is shown on that day at most and never again,
instead of as a claim about today. The kinds map one to one.

The columns are dropped by the next migration: on PostgreSQL a table cannot be
altered in the transaction that has just written rows referring to it.
"""

from django.db import migrations
from django.utils import timezone

KINDS = {"in_village", "meeting", "trip", "leave"}


def _day(moment):
    return timezone.localtime(moment).date() if timezone.is_aware(moment) else moment.date()


def to_absences(apps, schema_editor):
    Staff = apps.get_model("staff", "Staff")
    HistoricalStaff = apps.get_model("staff", "HistoricalStaff")
    Absence = apps.get_model("staff", "Absence")
    away = Staff.objects.filter(whereabouts__in=KINDS)
    since = {}
    records = HistoricalStaff.objects.filter(id__in=away.values("pk")).order_by("id", "history_date")
    for record in records.values("id", "whereabouts", "whereabouts_note", "history_date"):
        value = (record["whereabouts"], record["whereabouts_note"])
        kept = since.get(record["id"])
        if kept is None or kept[0] != value:
            since[record["id"]] = (value, record["history_date"])
    absences = []
    for person in away:
        kept = since.get(person.pk)
        recorded = kept[1] if kept and kept[0] == (person.whereabouts, person.whereabouts_note) else person.updated_at
        day = _day(recorded)
        absences.append(
            Absence(staff=person, kind=person.whereabouts, note=person.whereabouts_note[:100], start=day, end=day)
        )
    Absence.objects.bulk_create(absences)


class Migration(migrations.Migration):

    dependencies = [
        ('staff', '0008_merge_20261130_1922'),
    ]

    operations = [
        migrations.RunPython(to_absences, migrations.RunPython.noop),
    ]
