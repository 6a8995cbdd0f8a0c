"""Drop the undated 去向 fields, their values now dated absences (0009)."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('staff', '0009_undated_whereabouts_to_absences'),
    ]

    operations = [
        migrations.RemoveField(
            model_name='historicalstaff',
            name='whereabouts',
        ),
        migrations.RemoveField(
            model_name='historicalstaff',
            name='whereabouts_note',
        ),
        migrations.RemoveField(
            model_name='staff',
            name='whereabouts',
        ),
        migrations.RemoveField(
            model_name='staff',
            name='whereabouts_note',
        ),
    ]
