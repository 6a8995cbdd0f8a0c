"""The lists a clerk's workbook may hold, and the import used by ``manage.py import_lists``.

A workbook holds several lists, one per sheet, told apart by the sheet's
name (the ``sheet_name`` of each resource, see WORKBOOK_LISTS). They are
checked and applied in dependency order whatever the order of the sheets, so
a 岗位 sheet may name people added in the 工作人员 sheet of the same file:

    村（社区） → 办公室 → 工作人员 → 岗位 → 窗口 → 县乡对接 → 服务事项 → 申请材料 → 办理步骤
    → 清单 → 清单条目 → 证明事项

Each list's columns are declared in the module of its app's name here
(``villages``, ``staff``, ``services``; ``search``: the synonyms, imported on
their own admin page); the engine that reads, checks and applies them is
``spreadsheets.importing``. Imports point one way: this app reads the models
of portal, staff, services and search; they do not import it (their
``admin.py`` modules only wire the buttons).
"""

from spreadsheets.columns import template_workbook
from spreadsheets.files import SheetSpec, normalise_name, write_workbook
from spreadsheets.importing import import_bytes
from spreadsheets.lists.services import (
    CertificateRuleResource,
    MaterialResource,
    ResponsibilityEntryResource,
    ResponsibilityListResource,
    ServiceItemResource,
    StepResource,
)
from spreadsheets.lists.staff import LiaisonResource, OfficeResource, PostResource, StaffResource, WindowResource
from spreadsheets.lists.villages import VillageResource

WORKBOOK_LISTS = sorted(
    [
        VillageResource,
        OfficeResource,
        StaffResource,
        PostResource,
        WindowResource,
        LiaisonResource,
        ServiceItemResource,
        MaterialResource,
        StepResource,
        ResponsibilityListResource,
        ResponsibilityEntryResource,
        CertificateRuleResource,
    ],
    key=lambda cls: cls.rank,
)


def list_named(name):
    """Return the resource whose sheet name is ``name`` (brackets and spaces forgiven), or None."""
    wanted = normalise_name(name or "")
    return next((cls for cls in WORKBOOK_LISTS if normalise_name(cls.sheet_name) == wanted), None)


def import_lists_file(data, file_name, *, township, user=None, list_name=None, dry_run=True, progress=None):
    """Check (and unless ``dry_run``, apply atomically) every list in a workbook or CSV file for ``township``."""
    return import_bytes(
        data,
        file_name,
        WORKBOOK_LISTS,
        township=township,
        user=user,
        chosen=list_named(list_name),
        dry_run=dry_run,
        progress=progress,
    )


def workbook_template():
    """Return the blank workbook with a sheet for every list and the 填写说明 sheet."""
    return template_workbook(WORKBOOK_LISTS)


def workbook_export(township, resource_classes=None):
    """Return one xlsx with a sheet per list holding ``township``'s rows, ready to edit and import again."""
    specs = []
    for cls in resource_classes or WORKBOOK_LISTS:
        headers, rows = cls(township=township).export_rows()
        specs.append(SheetSpec(title=cls.sheet_name, headers=headers, rows=rows))
    return write_workbook(specs)
