"""Done when: a new clerk downloads the template, fills 20 items in a spreadsheet program, previews,
fixes the two rows the preview flags, imports, and sees the complete items on the residents' pages (the
incomplete ones wait as drafts, as the preview said); nothing else in the database moved.
"""

import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from portal.accounts import staff_account_ensure
from services.models import ServiceItem
from tests.spreadsheet_files import service_hall, table_counts

PASSWORD = "Clerk-pw-for-tests-9"
ITEMS = "admin:services_serviceitem_"


@pytest.fixture(autouse=True)
def previews_in_tmp(settings, tmp_path):
    """Keep the files waiting between preview and confirm out of the developer's var/."""
    settings.VAR_DIR = tmp_path


def fill_template(template, *, bad=True):
    """Do what the clerk does in WPS: delete the example rows, type 20 items, materials and steps for two."""
    book = load_workbook(io.BytesIO(template))
    sheet = book["服务事项"]
    header = [c.value for c in sheet[1]]
    sheet.delete_rows(2)
    for n in range(1, 21):
        row = dict.fromkeys(header)
        row.update(
            {
                "事项编号": f"DL-{n:03d}",
                "事项名称": f"第{n}项便民服务",
                "群众常用说法": "办证、开证明",
                "事项类型": "公共服务",
                "办理方式": "本级办理",
                "办理科室": "社会事务办",
                "受理窗口": 1,
                "责任岗位": "民政岗",
                "承诺时限": 5,
                "承诺时限单位": "个工作日",
                "收费": "不收费",
                "到现场次数": 1,
                "帮代办": "是",
                "状态": "在办",
            }
        )
        if bad and n == 7:
            row["办理科室"] = "社会事物办"  # a typo: no such office
        if bad and n == 15:
            row["办理方式"] = "县级办理"  # not one of the three handling levels
        sheet.append([row[h] for h in header])
    materials = book["申请材料"]
    materials.delete_rows(2)
    for code in ("DL-001", "DL-002"):
        materials.append([code, None, 1, "居民身份证", "原件", 1, "纸质", None, "申请人自备", None, "必须"])
        materials.append([code, None, 2, "户口簿", "复印件", 1, "纸质", None, "申请人自备", None, "必须"])
    steps = book["办理步骤"]
    steps.delete_rows(2)
    for code in ("DL-001", "DL-002"):
        steps.append([code, None, 1, "受理", "窗口收取材料", "综合窗口", "便民服务中心", "当场"])
        steps.append([code, None, 2, "办结", "当场出具结果", "综合窗口", "便民服务中心", "当场"])
    stream = io.BytesIO()
    book.save(stream)
    return stream.getvalue()


def upload(client, data):
    return client.post(reverse(f"{ITEMS}import"), {"import_file": SimpleUploadedFile("东岭乡服务事项.xlsx", data)})


def marked(page):
    """Return [(row number, status)] as the preview table shows them for the 服务事项 sheet."""
    table = page.split("工作表「服务事项」（服务事项）")[1].split("</table>")[0]
    return [(int(n), s) for n, s in re.findall(r"<td>(\d+)</td>\s*<td class=\"status\">(\S+)</td>", table)]


@pytest.mark.django_db
def test_a_new_clerk_imports_twenty_items_from_the_template(client, township, other_township):
    service_hall(township)
    staff_account_ensure(username="xiaowang", township=township, password=PASSWORD)
    before = table_counts()

    # Signs in as a new user would, finds the items list and its template button.
    client.post(reverse("admin:login"), {"username": "xiaowang", "password": PASSWORD})
    changelist = client.get(reverse(f"{ITEMS}changelist"))
    assert "下载导入模板" in changelist.content.decode()
    template = client.get(reverse(f"{ITEMS}import_template")).content

    preview = upload(client, fill_template(template))

    page = preview.content.decode()
    rows = marked(page)
    assert len(rows) == 20
    assert [n for n, status in rows if status == "错误"] == [8, 16]  # the 7th and 15th item, under the header
    assert {status for n, status in rows if n not in (8, 16)} == {"新增"}
    assert "第8行「办理科室」：本乡镇没有名为「社会事物办」的办公室（站、中心）。" in page
    assert "第16行「办理方式」：「县级办理」不是可选的值，只能填：本级办理、受理后代办至县级部门、村级代办。" in page
    assert 'name="token"' not in page
    assert table_counts() == before

    fixed = upload(client, fill_template(template, bad=False))
    page = fixed.content.decode()
    assert {status for _n, status in marked(page)} == {"新增"}
    # Only two items come with materials: the other eighteen are marked 在办 but would go live saying nothing
    # about what to bring, so the preview says they will stay drafts, and why.
    notices = page.split('id="import-notices"')[1].split("</div>")[0]
    assert notices.count("仍为草稿，未发布：缺少申请材料（或勾选“无需提交材料”）") == 18
    assert "工作表「服务事项」第4行：“第3项便民服务”仍为草稿" in notices
    token = re.search(r'name="token" value="([^"]+)"', page).group(1)
    done = client.post(reverse(f"{ITEMS}process_import"), {"token": token}, follow=True)
    assert "“第3项便民服务”仍为草稿，未发布" in done.content.decode()

    items = ServiceItem.objects.filter(township=township, code__startswith="DL-0").order_by("code")
    assert items.count() == 20
    published = [item for item in items if item.code in ("DL-001", "DL-002")]
    assert all(item.status == ServiceItem.Status.IN_FORCE for item in published)
    assert {item.status for item in items if item not in published} == {ServiceItem.Status.DRAFT}
    for item in items:
        response = client.get(item.get_absolute_url())
        assert response.status_code == (200 if item in published else 404)
        if item in published:
            assert item.name in response.content.decode()
    first = client.get(items[0].get_absolute_url()).content.decode()
    assert "户口簿" in first and "当场出具结果" in first

    after = table_counts()
    moved = {label: after[label] - before[label] for label in after if after[label] != before[label]}
    log_entries = 20 + 4 + 4  # one per item, material and step added
    assert moved == {
        "services.ServiceItem": 20,
        "services.HistoricalServiceItem": 20,
        "services.Material": 4,
        "services.HistoricalMaterial": 4,
        "services.Step": 4,
        "services.HistoricalStep": 4,
        "admin.LogEntry": log_entries,
    }
    assert not ServiceItem.objects.filter(township=other_township).exists()
