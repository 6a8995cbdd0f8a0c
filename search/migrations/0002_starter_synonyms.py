"""The built-in synonyms: everyday words residents type and the catalogue's words they mean.

Read from search/data/starter_synonyms.csv (the same columns as the admin's
spreadsheet export), as rows without a township, which every township uses
and only an administrator changes.
"""

import csv
from pathlib import Path

from django.db import migrations

STARTER = Path(__file__).resolve().parent.parent / "data" / "starter_synonyms.csv"


def add_starter_synonyms(apps, schema_editor):
    Synonym = apps.get_model("search", "Synonym")
    with STARTER.open(encoding="utf-8") as handle:
        rows = [
            Synonym(township=None, phrase=row["群众的说法"].strip(), target=row["事项里的说法"].strip(), note=row["备注"] or "")
            for row in csv.DictReader(handle)
            if row["群众的说法"].strip()
        ]
    existing = set(Synonym.objects.filter(township=None).values_list("phrase", "target"))
    Synonym.objects.bulk_create([s for s in rows if (s.phrase, s.target) not in existing])


def remove_starter_synonyms(apps, schema_editor):
    Synonym = apps.get_model("search", "Synonym")
    with STARTER.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            Synonym.objects.filter(township=None, phrase=row["群众的说法"], target=row["事项里的说法"]).delete()


class Migration(migrations.Migration):
    dependencies = [("search", "0001_search_entries_synonyms_misses")]

    operations = [migrations.RunPython(add_starter_synonyms, remove_starter_synonyms)]
