from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SpreadsheetsConfig(AppConfig):
    """The spreadsheet engine: reading clerks' files, the lists' columns, checking and applying imports.

    It sits above portal, staff and services (it reads their models); they do
    not import it, except their ``admin.py`` wiring the 导入/导出 buttons.
    """

    name = "spreadsheets"
    verbose_name = _("表格导入导出")
