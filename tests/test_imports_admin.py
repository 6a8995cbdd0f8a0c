"""Import and export through the real admin URLs: template, upload → preview → confirm, CSV for Excel."""

import io
import os
import re
from urllib.parse import quote

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from portal.accounts import staff_account_ensure
from services.models import Material, ServiceItem
from staff.models import Staff
from tests.spreadsheet_files import read_xlsx, service_hall, table_counts, xlsx

PASSWORD = "Pw-for-tests-only-7"
ITEMS = "admin:services_serviceitem_"


@pytest.fixture(autouse=True)
def previews_in_tmp(settings, tmp_path):
    """Keep the files waiting between preview and confirm out of the developer's var/."""
    settings.VAR_DIR = tmp_path


@pytest.fixture
def hall(township):
    return service_hall(township)


@pytest.fixture
def clerk_client(township, hall):
    user, _created = staff_account_ensure(username="clerk-admin-import", township=township, password=PASSWORD)
    client = Client()  # not the admin_client's: both may be used in one test
    client.force_login(user)
    client.user = user
    return client


def _upload(client, url_name, data, file_name, **fields):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile(file_name, data)
    return client.post(reverse(f"{url_name}import"), {"import_file": upload, **fields})


def _token(response):
    match = re.search(r'name="token" value="([^"]+)"', response.content.decode())
    return match.group(1) if match else None


def _export(client, file_format, resource):
    """Post the export form as the browser does: every column of the chosen list ticked."""
    form = client.get(reverse(f"{ITEMS}export")).context["form"]
    data = {"format": next(value for value, label in form.fields["format"].choices if label == file_format)}
    data["resource"] = resource
    for name, field in form.fields.items():
        if getattr(field, "resource_index", None) == resource:
            data[name] = "on"
    return client.post(reverse(f"{ITEMS}export"), data)


def _items_file(hall, *extra_rows):
    item = hall["items"][0]
    rows = [
        ["事项编号", "事项名称", "事项类型", "办理科室", "收费"],
        ["DL-501", "新增事项甲", "公共服务", "社会事务办", "不收费"],
        [item.code, item.name, "公共服务", "社会事务办", "工本费10元"],
        [hall["items"][1].code, hall["items"][1].name, "公共服务", "社会事务办", "不收费"],
        *extra_rows,
    ]
    return xlsx({"服务事项": rows}, {"服务事项": [["东岭乡服务事项"]]})


@pytest.mark.django_db
def test_the_changelist_offers_import_export_and_the_blank_template(admin_client, hall):
    response = admin_client.get(reverse(f"{ITEMS}changelist"))

    assert response.status_code == 200
    page = response.content.decode()
    for url in ("import", "export", "import_template"):
        assert reverse(f"{ITEMS}{url}") in page
    assert "下载导入模板" in page


@pytest.mark.django_db
def test_the_blank_template_downloads_as_an_xlsx_with_the_items_materials_steps_and_explanation(admin_client):
    response = admin_client.get(reverse(f"{ITEMS}import_template"))

    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    assert "filename*=utf-8''" in response["Content-Disposition"]
    assert list(read_xlsx(response.content)) == ["服务事项", "申请材料", "办理步骤", "填写说明"]


@pytest.mark.django_db
def test_a_superuser_picks_the_township_previews_every_row_and_confirms(admin_client, hall, township, other_township):
    form = admin_client.get(reverse(f"{ITEMS}import"))
    assert "导入到哪个乡镇" in form.content.decode()
    before = table_counts()

    preview = _upload(admin_client, ITEMS, _items_file(hall), "服务事项.xlsx", township=township.pk)

    assert preview.status_code == 200
    page = preview.content.decode()
    for row, status in ((3, "新增"), (4, "修改"), (5, "无变化")):
        assert re.search(rf"<td>{row}</td>\s*<td class=\"status\">{status}</td>", page), (row, status)
    assert "修改了：收费" in page
    assert table_counts() == before, "the preview writes nothing"

    done = admin_client.post(reverse(f"{ITEMS}process_import"), {"token": _token(preview)})

    assert done.status_code == 302 and done["Location"] == reverse(f"{ITEMS}changelist")
    assert ServiceItem.objects.get(code="DL-501").township == township
    assert not ServiceItem.objects.filter(township=other_township).exists()
    hall["items"][0].refresh_from_db()
    assert hall["items"][0].fee == "工本费10元"
    message = str(list(admin_client.get(done["Location"]).context["messages"])[0])
    assert message == "已导入到东岭乡：新增 1 行，修改 1 行，无变化 1 行，删除 0 行，错误 0 行。"


@pytest.mark.django_db
def test_a_file_with_an_error_is_previewed_with_the_row_marked_and_cannot_be_confirmed(admin_client, hall, township):
    before = table_counts()

    preview = _upload(
        admin_client,
        ITEMS,
        _items_file(hall, ["DL-502", "新增事项乙", "公共服务", "不存在办", "不收费"]),
        "服务事项.xlsx",
        township=township.pk,
    )

    page = preview.content.decode()
    assert re.search(r"<td>6</td>\s*<td class=\"status\">错误</td>", page)
    assert "工作表「服务事项」第6行「办理科室」：本乡镇没有名为「不存在办」的办公室（站、中心）。" in page
    assert "整个文件都不会导入" in page
    assert _token(preview) is None
    assert table_counts() == before


@pytest.mark.django_db
def test_a_clerk_imports_into_their_own_township_without_choosing_it(clerk_client, hall, township, other_township):
    form = clerk_client.get(reverse(f"{ITEMS}import"))
    assert form.status_code == 200
    assert 'name="township"' not in form.content.decode()
    assert "导入到哪个乡镇：</label> 东岭乡" in form.content.decode()

    # A township in the POST is ignored: the account decides.
    preview = _upload(clerk_client, ITEMS, _items_file(hall), "服务事项.xlsx", township=other_township.pk)
    clerk_client.post(reverse(f"{ITEMS}process_import"), {"token": _token(preview)})

    new = ServiceItem.objects.get(code="DL-501")
    assert new.township == township
    assert (new.created_by, new.history.first().history_user) == (clerk_client.user, clerk_client.user)


@pytest.mark.django_db
def test_the_confirm_token_is_bound_to_the_user_who_previewed(admin_client, clerk_client, hall, township):
    preview = _upload(admin_client, ITEMS, _items_file(hall), "服务事项.xlsx", township=township.pk)
    before = table_counts()

    stolen = clerk_client.post(reverse(f"{ITEMS}process_import"), {"token": _token(preview)})
    forged = admin_client.post(reverse(f"{ITEMS}process_import"), {"token": "not-a-token"})

    assert stolen.status_code == 403
    assert forged.status_code == 302 and forged["Location"] == reverse(f"{ITEMS}import")
    assert table_counts() == before


@pytest.mark.django_db
def test_a_workbook_with_materials_goes_through_the_items_import(admin_client, hall, township):
    item = hall["items"][0]
    data = xlsx(
        {"申请材料": [["事项编号", "材料名称", "份数"], [item.code, "居民身份证", 1], [item.code, "户口簿", 1]]}
    )

    preview = _upload(admin_client, ITEMS, data, "材料.xlsx", township=township.pk)
    assert "删除" in preview.content.decode()
    admin_client.post(reverse(f"{ITEMS}process_import"), {"token": _token(preview)})

    assert list(Material.objects.filter(item=item).values_list("name", flat=True)) == ["居民身份证", "户口簿"]


@pytest.mark.django_db
def test_a_csv_upload_is_read_as_the_chosen_list(admin_client, hall, township):
    data = "姓名,办公电话\r\n新来的同事,0359-0100088\r\n".encode("gbk")
    url = "admin:staff_staff_"

    preview = _upload(admin_client, url, data, "名单.csv", township=township.pk)
    admin_client.post(reverse(f"{url}process_import"), {"token": _token(preview)})

    assert Staff.objects.get(name="新来的同事").office_phone == "0359-0100088"


@pytest.mark.django_db
def test_the_csv_export_opens_in_excel_with_the_chinese_intact_and_formulas_escaped(admin_client, hall, township):
    response = _export(admin_client, "csv", resource=0)

    assert response.status_code == 200
    assert response.content.startswith(b"\xef\xbb\xbf")
    text = response.content.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("事项编号,事项名称,群众常用说法")
    assert "'=SUM(A1:A2)" in text
    assert hall["items"][0].name in text


@pytest.mark.django_db
def test_the_materials_export_from_the_items_page_is_the_materials_of_the_listed_items(admin_client, hall, township):
    response = _export(admin_client, "xlsx", resource=1)

    (rows,) = read_xlsx(response.content).values()
    assert rows[0][:4] == ["事项编号", "事项名称", "序号", "材料名称"]
    assert len(rows) - 1 == Material.objects.count()
    # Saved under the list's Chinese name (RFC 6266 filename*), as the clerk's desk knows it.
    today = timezone.localdate()
    assert f"filename*=utf-8''{quote(f'申请材料-{today:%Y-%m-%d}.xlsx')}" in response["Content-Disposition"]
    items = _export(admin_client, "xlsx", resource=0)
    assert quote(f"服务事项-{today:%Y-%m-%d}.xlsx") in items["Content-Disposition"]


@pytest.mark.django_db
def test_the_uploaded_file_waits_under_var_between_preview_and_confirm_and_is_removed(
    admin_client, hall, township, settings, tmp_path
):
    old = tmp_path / "import-previews" / "preview-abandoned"
    old.parent.mkdir()
    old.write_bytes(b"an abandoned preview")
    os.utime(old, (0, 0))

    preview = _upload(admin_client, ITEMS, _items_file(hall), "服务事项.xlsx", township=township.pk)
    waiting = list((tmp_path / "import-previews").iterdir())
    admin_client.post(reverse(f"{ITEMS}process_import"), {"token": _token(preview)})

    assert len(waiting) == 1 and waiting[0].name.startswith("preview-") and waiting[0] != old
    assert list((tmp_path / "import-previews").iterdir()) == []


@pytest.mark.django_db
def test_the_confirm_token_is_bound_to_the_list_it_was_previewed_for(admin_client, hall, township):
    preview = _upload(admin_client, ITEMS, _items_file(hall), "服务事项.xlsx", township=township.pk)
    before = table_counts()

    replayed = admin_client.post(reverse("admin:staff_staff_process_import"), {"token": _token(preview)})

    assert replayed.status_code == 302 and replayed["Location"] == reverse("admin:staff_staff_import")
    message = str(list(admin_client.get(replayed["Location"]).context["messages"])[0])
    assert message == "这个预览是为另一个清单做的，不能在这里确认：请在这里重新上传文件。"
    assert table_counts() == before


@pytest.mark.django_db
def test_the_export_page_is_in_chinese_with_xlsx_chosen(admin_client, hall):
    response = admin_client.get(reverse(f"{ITEMS}export"))

    page = response.content.decode()
    form = response.context["form"]
    assert form.fields["format"].initial == "0" and form.fields["format"].choices[0][1] == "xlsx"
    assert "---" not in [label for _value, label in form.fields["format"].choices]
    labels = [f.label for f in form.fields.values() if getattr(f, "is_selectable_field", False)]
    assert labels[:3] == ["事项编号", "事项名称", "群众常用说法"]
    for english in ("Select all", "Submit", "This exporter", "Export", "Format", "Resource"):
        assert english not in page, english
    assert "全选" in page and 'value="导出"' in page


@pytest.mark.django_db
def test_a_clerks_template_offers_the_townships_names_and_every_fixed_value_in_drop_downs(clerk_client, hall):
    from openpyxl import load_workbook

    response = clerk_client.get(reverse("admin:staff_post_import_template"))

    book = load_workbook(io.BytesIO(response.content))
    sheet = book["岗位"]
    header = [c.value for c in sheet[1]]
    validations = {str(v.sqref).split(":")[0]: v.formula1 for v in sheet.data_validations.dataValidation}
    office = validations[f"{chr(65 + header.index('所属办公室'))}2"]
    assert office.startswith("'下拉选项'!$") or "社会事务办" in office
    choices = book["下拉选项"] if "下拉选项" in book.sheetnames else None
    if choices is not None:
        offices = [c.value for c in choices[office.split("!$")[1].split("$")[0]]]
    else:
        offices = office.strip('"').split(",")
    assert "社会事务办" in offices
    assert choices is None or choices.sheet_state == "hidden"
    assert sheet.freeze_panes == "A2"
