"""Seed the holiday table from the chinese-calendar package (covers 2004–2026); later years are added in the admin."""

from django.db import migrations


def seed(apps, schema_editor):
    from workdays.seed import seed as seed_days

    seed_days(apps.get_model("workdays", "CalendarDay"))


class Migration(migrations.Migration):
    dependencies = [("workdays", "0001_calendar_days")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
