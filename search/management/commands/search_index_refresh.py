"""Prepare the search text of every township (or one): after a bulk import, loaddata or a restore."""

from django.core.management.base import BaseCommand

from portal.models import Township
from search.indexing import search_index_refresh


class Command(BaseCommand):
    help = "Prepare the search text of every township (or --township SLUG); rows that did not change are kept."

    def add_arguments(self, parser):
        parser.add_argument("--township", help="the township's slug (default: every township)")

    def handle(self, *args, township=None, **options):
        townships = Township.objects.all()
        if township:
            townships = townships.filter(slug=township)
        for each in townships:
            changed = search_index_refresh(each)
            if options["verbosity"]:
                self.stdout.write(f"{each.name}: {changed}")
