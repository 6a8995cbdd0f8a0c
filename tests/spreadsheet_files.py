"""Helpers for the import tests: write spreadsheets as a clerk's programs would, and count every table."""

import csv
import io

from django.apps import apps
from openpyxl import Workbook, load_workbook

from tests import builders

OUR_APPS = ("portal", "staff", "services", "auth", "admin")


def xlsx(sheets, title_rows=None):
    """Return xlsx bytes written by openpyxl: ``sheets`` maps a sheet name to its rows (lists of cells).

    ``title_rows`` maps a sheet name to rows written above the header, as a
    government list's title (e.g. ``[["东岭乡服务事项目录"], []]``).
    """
    book = Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in (title_rows or {}).get(name, []):
            sheet.append(row)
        for row in rows:
            sheet.append(row)
    stream = io.BytesIO()
    book.save(stream)
    return stream.getvalue()


def csv_bytes(rows, encoding="utf-8-sig", delimiter=","):
    out = io.StringIO(newline="")
    csv.writer(out, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return out.getvalue().encode(encoding)


def read_xlsx(data):
    """Return {sheet name: [row values]} of xlsx bytes."""
    book = load_workbook(io.BytesIO(data))
    return {sheet.title: [list(r) for r in sheet.iter_rows(values_only=True)] for sheet in book.worksheets}


def table_counts():
    """Return the number of rows in every table of our apps (history and many-to-many tables included)."""
    counts = {}
    for model in apps.get_models(include_auto_created=True):
        if model._meta.app_label in OUR_APPS:
            counts[model._meta.label] = model._default_manager.count()
    return counts


def service_hall(township):
    """A township with every list filled in: the public-page builder plus what it leaves out."""
    hall = builders.make_service_hall(township=township)
    county = township.county
    from services.models import ServiceItem
    from staff.models import DepartmentSection

    law = builders.make_legal_basis(title="《中华人民共和国测试法》", article="第六十二条")
    event = builders.make_life_event(name="养老")
    category = builders.make_category(name="社会保障")
    item = hall["items"][0]
    item.category = category
    item.keywords = "=SUM(A1:A2)、+1、-2、@cmd"  # formula-looking text a spreadsheet must not run
    item.conditions = "第一行\r\n第二行"
    item.save()
    item.life_events.add(event)
    item.legal_bases.add(law)
    department = hall["departments"][0]
    section = DepartmentSection.objects.create(department=department, name="社会救助股", phone="0359-0200002")
    liaison = hall["liaison"]
    liaison.section = section
    liaison.save()
    village_list = builders.make_list(
        township=township, village=hall["villages"][0], kind="service", title="东垆村为民服务事项清单", entries=2
    )
    entry = hall["list"].entries.first()
    entry.legal_bases.add(law)
    entry.responsible_office = hall["offices"][1]
    entry.responsible_department = department
    entry.save()
    county_rule = builders.make_certificate_rule(county=county, name="亲属关系证明", data_holder="公安派出所")
    hall.update(
        law=law,
        event=event,
        category=category,
        section=section,
        village_list=village_list,
        county_rule=county_rule,
        items_all=list(ServiceItem.objects.filter(township=township)),
    )
    return hall
