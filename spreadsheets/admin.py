"""The admin's 导入 / 导出 / 下载导入模板 buttons for the lists clerks keep in spreadsheets.

``SpreadsheetAdminMixin`` goes in front of an admin class, with
``resource_classes`` naming the lists it imports and exports (the first is
the admin's own model; e.g. items also take their materials and steps)::

    class ServiceItemAdmin(SpreadsheetAdminMixin, TrackedAdmin):
        resource_classes = [ServiceItemResource, MaterialResource, StepResource]

Export is django-import-export's ``ExportMixin`` (xlsx or CSV, the
changelist's filters and the account's scope apply; CSV is UTF-8 with a BOM
so Excel shows the Chinese). Import is this module's own upload → preview →
confirm, run by ``spreadsheets.importing`` (django-import-export's import
views are not used: see that module):

1. the clerk uploads a file; the township is the clerk's own (from the
   account's scope), a superuser picks it on the form;
2. every row is checked and the preview marks each 新增 / 修改 / 无变化 /
   错误 (and what child lists will 删除); nothing is written;
3. if there is no error, 确认导入 applies the same file (kept under
   ``var/import-previews``, named in a signed token bound to the user and
   township) in one transaction, after checking it again.
"""

import contextlib
import os
import tempfile
import time

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.http import content_disposition_header
from django.utils.timezone import localdate
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _
from import_export.admin import ExportMixin
from import_export.forms import SelectableFieldsExportForm

from portal import scoping
from portal.models import Township
from spreadsheets.columns import ClerkCSV, ClerkXLSX, template_workbook
from spreadsheets.files import MAX_FILE_BYTES, MAX_ROWS
from spreadsheets.importing import NEW, UPDATE, import_bytes

TOKEN_SALT = "spreadsheets.admin.confirm"
TOKEN_MAX_AGE = 2 * 60 * 60
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# The uploaded file waits between preview and confirm under ``var/import-previews``
# and is gone after two hours: a clerk who previews and walks away should not
# leave a copy of the staff list behind (nor in the system's temporary directory).


def _previews():
    path = os.path.join(settings.VAR_DIR, "import-previews")
    os.makedirs(path, exist_ok=True)
    return path


def preview_save(data):
    """Keep ``data`` until it is confirmed, remove abandoned previews; return the name for the token."""
    cutoff = time.time() - TOKEN_MAX_AGE
    for entry in os.scandir(_previews()):
        if entry.name.startswith("preview-") and entry.stat().st_mtime < cutoff:
            with contextlib.suppress(OSError):
                os.remove(entry.path)
    with tempfile.NamedTemporaryFile(dir=_previews(), prefix="preview-", delete=False) as file:
        file.write(data)
    return os.path.basename(file.name)


def _preview_path(name):
    return os.path.join(_previews(), os.path.basename(name))


class SpreadsheetImportForm(forms.Form):
    """Upload a file; pick the list (for a CSV or a single unnamed sheet) and, for a superuser, the township."""

    import_file = forms.FileField(
        label=_("文件"),
        help_text=_("Excel（.xlsx）或 CSV 文件，最大 %(size)d MB，每个工作表最多 %(rows)d 行。")
        % {"size": MAX_FILE_BYTES // 1024 // 1024, "rows": MAX_ROWS},
    )
    resource = forms.TypedChoiceField(
        label=_("清单"),
        coerce=int,
        required=False,
        help_text=_(
            "CSV 文件，或工作表名称不是清单名称的 Excel 文件，按这里选的清单导入；多个工作表按工作表名称识别。"
        ),
    )
    township = forms.ModelChoiceField(
        label=_("导入到哪个乡镇"), queryset=Township.objects.none(), empty_label=_("（请选择）")
    )

    def __init__(self, *args, resources, townships, fixed_township=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fixed_township = fixed_township
        self.fields["resource"].choices = [(i, cls.sheet_name) for i, cls in enumerate(resources)]
        if len(resources) == 1:
            del self.fields["resource"]
        if fixed_township is not None:
            # A clerk's township comes from the account, never from the form.
            del self.fields["township"]
        else:
            self.fields["township"].queryset = townships

    def clean_import_file(self):
        upload = self.cleaned_data["import_file"]
        if upload.size > MAX_FILE_BYTES:
            raise forms.ValidationError(
                _g("文件太大（%(size).1f MB），每次最多 %(max)d MB：请分成几个文件导入。")
                % {"size": upload.size / 1024 / 1024, "max": MAX_FILE_BYTES // 1024 // 1024}
            )
        return upload

    @property
    def chosen_township(self):
        return self.fixed_township or self.cleaned_data.get("township")


class ClerkExportForm(SelectableFieldsExportForm):
    """django-import-export's export form in Chinese: columns by their Chinese names, xlsx chosen first."""

    def __init__(self, formats, resources, **kwargs):
        super().__init__(formats, resources, **kwargs)
        self.fields["format"].choices = [c for c in self.fields["format"].choices if c[0] != ""]  # no "---"
        self.fields["format"].initial = "0"  # ClerkXLSX
        self.fields["format"].label = _("文件格式")
        self.fields["resource"].label = _("清单")
        for resource in resources:
            for name in resource().get_export_order():
                field = self.fields.get(self.create_boolean_field_name(resource, name))
                if field is not None:
                    field.label = resource.fields[name].column_name


class SpreadsheetAdminMixin(ExportMixin):
    """Import (with preview), export and a blank template for an admin whose lists clerks keep in spreadsheets."""

    formats = [ClerkXLSX, ClerkCSV]
    to_encoding = "utf-8-sig"  # Excel opens a CSV with a BOM as UTF-8; without, as the local code page
    import_export_change_list_template = "admin/spreadsheets/change_list.html"
    import_template_name = "admin/spreadsheets/import.html"
    export_template_name = "admin/spreadsheets/export.html"
    export_form_class = ClerkExportForm

    def get_import_resource_classes(self, request):
        """Return the lists this admin imports (the same as it exports)."""
        return self.get_export_resource_classes(request)

    # --- who imports where

    def import_townships(self, request):
        """Return the townships this account may import into: its own, or (a superuser) any."""
        scope = scoping.scope_of(request.user)
        if scope.is_all:
            return Township.objects.select_related("county").order_by("county__name", "name")
        if scope.is_clerk:
            return Township.objects.filter(pk=scope.township_id)
        return Township.objects.none()

    def fixed_import_township(self, request):
        """Return the township a clerk always imports into, or None when the form asks (a superuser)."""
        if scoping.scope_of(request.user).is_all:
            return None
        return self.import_townships(request).first()

    def has_import_permission(self, request):
        return (
            self.has_add_permission(request)
            and self.has_change_permission(request)
            and self.may_import_somewhere(request)
        )

    def may_import_somewhere(self, request):
        """Whether the account has a township to import into (read from the scope: no query)."""
        scope = scoping.scope_of(request.user)
        return scope.is_all or (scope.is_clerk and scope.township_id is not None)

    # --- urls

    def _admin_url(self, name):
        app_label, model_name = self.get_model_info()
        return reverse(f"{self.admin_site.name}:{app_label}_{model_name}_{name}")

    def get_urls(self):
        info = self.get_model_info()
        return [
            path("import/", self.admin_site.admin_view(self.import_action), name="{}_{}_import".format(*info)),
            path(
                "process_import/",
                self.admin_site.admin_view(self.process_import),
                name="{}_{}_process_import".format(*info),
            ),
            path(
                "import-template/",
                self.admin_site.admin_view(self.import_template_view),
                name="{}_{}_import_template".format(*info),
            ),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "has_import_permission": self.has_import_permission(request),
            "import_template_label": self._template_label(request),
        }
        return super().changelist_view(request, extra_context)

    # --- export

    def get_export_filename(self, request, queryset, file_format):
        # ASCII: django-import-export writes this name into the header as it is; export_action names the
        # download in Chinese, encoded as RFC 6266 asks.
        return f"{self.model._meta.model_name}-{localdate():%Y-%m-%d}.{file_format.get_extension()}"

    def export_action(self, request):
        """Export as django-import-export does, the download named as the clerk's desk knows the list.

        "服务事项-2026-12-01.xlsx" rather than "serviceitem-2026-12-01.xlsx"; browsers
        and WeChat's file viewer read the Chinese name from ``filename*``.
        """
        response = super().export_action(request)
        disposition = response.get("Content-Disposition", "")
        if disposition.startswith("attachment") and "." in disposition:
            extension = disposition.rsplit(".", 1)[1].strip('"; ')
            name = f"{self._exported_list_name(request)}-{localdate():%Y-%m-%d}.{extension}"
            response["Content-Disposition"] = content_disposition_header(True, name)
        return response

    def _exported_list_name(self, request):
        """Return the name of the list chosen on the export form (an items page also exports its materials)."""
        resources = self.get_export_resource_classes(request)
        try:
            chosen = resources[int(request.POST.get("resource") or 0)]
        except (ValueError, IndexError):
            chosen = None
        return getattr(chosen, "sheet_name", "") or self.model._meta.verbose_name_plural

    # --- the blank template

    def _template_label(self, request):
        return _g("下载导入模板")

    def import_template_view(self, request):
        if not (self.has_import_permission(request) or self.has_view_permission(request)):
            raise PermissionDenied
        resources = self.get_import_resource_classes(request)
        # A clerk's template offers their township's offices, posts and villages in drop-downs.
        township = self.fixed_import_township(request) if self.may_import_somewhere(request) else None
        response = HttpResponse(template_workbook(resources, township=township), content_type=XLSX_TYPE)
        response["Content-Disposition"] = content_disposition_header(True, f"{resources[0].sheet_name}导入模板.xlsx")
        return response

    # --- upload and preview

    def _context(self, request, form, **extra):
        resources = self.get_import_resource_classes(request)
        context = self.admin_site.each_context(request)
        context.update(
            title=_g("导入%(name)s") % {"name": self.model._meta.verbose_name_plural},
            opts=self.model._meta,
            form=form,
            media=self.media + (form.media if form is not None else forms.Media()),
            lists=[(cls.sheet_name, [f.column_name for _n, f in cls().ordered_fields()]) for cls in resources],
            template_url=self._admin_url("import_template"),
            **extra,
        )
        return context

    def _form(self, request, data=None, files=None):
        return SpreadsheetImportForm(
            data,
            files,
            resources=self.get_import_resource_classes(request),
            townships=self.import_townships(request),
            fixed_township=self.fixed_import_township(request),
        )

    def import_action(self, request, **kwargs):
        if not self.has_import_permission(request):
            raise PermissionDenied
        request.current_app = self.admin_site.name
        if request.method != "POST":
            form = self._form(request)
            return TemplateResponse(request, self.import_template_name, self._context(request, form))
        form = self._form(request, request.POST, request.FILES)
        if not form.is_valid():
            return TemplateResponse(request, self.import_template_name, self._context(request, form))
        resources = self.get_import_resource_classes(request)
        upload = form.cleaned_data["import_file"]
        data = b"".join(upload.chunks())
        index = form.cleaned_data.get("resource") or 0
        township = form.chosen_township
        result = import_bytes(
            data,
            upload.name,
            resources,
            township=township,
            user=request.user,
            chosen=resources[index],
            dry_run=True,
        )
        token = None
        if not result.has_errors and result.changes:
            token = signing.dumps(
                {
                    "file": preview_save(data),
                    "name": upload.name,
                    "township": township.pk,
                    "resource": index,
                    "user": request.user.pk,
                    "list": self.model._meta.label,  # confirmed only on this list's confirm address
                },
                salt=TOKEN_SALT,
            )
        context = self._context(request, self._form(request), result=result, confirm_token=token, township=township)
        return TemplateResponse(request, self.import_template_name, context)

    # --- confirm

    def process_import(self, request, **kwargs):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not self.has_import_permission(request):
            raise PermissionDenied
        request.current_app = self.admin_site.name
        import_url = self._admin_url("import")
        try:
            payload = signing.loads(request.POST.get("token", ""), salt=TOKEN_SALT, max_age=TOKEN_MAX_AGE)
        except signing.BadSignature:
            messages.error(request, _g("预览已过期或无效，请重新上传文件。"))
            return HttpResponseRedirect(import_url)
        if payload["user"] != request.user.pk:
            raise PermissionDenied
        if payload.get("list") != self.model._meta.label:
            messages.error(request, _g("这个预览是为另一个清单做的，不能在这里确认：请在这里重新上传文件。"))
            return HttpResponseRedirect(import_url)
        township = self.import_townships(request).filter(pk=payload["township"]).first()
        if township is None:
            raise PermissionDenied
        try:
            with open(_preview_path(payload["file"]), "rb") as file:
                data = file.read()
        except OSError:
            messages.error(request, _g("预览已过期，请重新上传文件。"))
            return HttpResponseRedirect(import_url)
        resources = self.get_import_resource_classes(request)
        result = import_bytes(
            data,
            payload["name"],
            resources,
            township=township,
            user=request.user,
            chosen=resources[payload["resource"]],
            dry_run=False,
        )
        if not result.applied:
            # Something changed in the database since the preview: show why, apply nothing.
            context = self._context(request, self._form(request), result=result, confirm_token=None, township=township)
            return TemplateResponse(request, self.import_template_name, context)
        with contextlib.suppress(OSError):
            os.remove(_preview_path(payload["file"]))
        self._log(request, result)
        messages.success(
            request,
            _g("已导入到%(township)s：%(summary)s。") % {"township": township.name, "summary": result.summary()},
        )
        for notice in result.notices():
            messages.warning(request, notice)
        return HttpResponseRedirect(self._admin_url("changelist"))

    def _log(self, request, result):
        """Add the admin's own log entries ("最近动作") for what the import added and changed."""
        for status, flag in ((NEW, ADDITION), (UPDATE, CHANGE)):
            rows = [r.instance for report in result.reports for r in report.rows if r.status == status]
            if rows:
                LogEntry.objects.log_actions(
                    request.user.pk,
                    rows,
                    flag,
                    change_message=_g("表格导入：%(file)s") % {"file": result.file_name},
                    single_object=len(rows) == 1,
                )
