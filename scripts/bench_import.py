#!/usr/bin/env python
"""Benchmark: preview, then import, a 1,000-row service-item workbook, as the admin does it.

    .venv/bin/python scripts/bench_import.py [--rows 1000]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal .venv/bin/python scripts/bench_import.py

Runs in a throwaway test database (SQLite in memory, or test_<name> on
PostgreSQL), builds a township with offices, windows and posts, writes an
xlsx with openpyxl, then times what a clerk waits for:

1. the preview (read + check every row, nothing written), and
2. the confirm (read + check again + write every row with its history, in one transaction),
3. and, for reference, re-importing the unchanged export (all rows 无变化).

The target for 1 + 2 is at most 5 s on the project's 2-core machine. Not a test:
timings vary with the machine, so nothing asserts on them.
"""

import argparse
import io
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")


def build_workbook(rows):
    from openpyxl import Workbook

    # A normal workbook, as Excel or WPS save one: shared strings and a dimension tag.
    book = Workbook()
    sheet = book.active
    sheet.title = "服务事项"
    sheet.append(["东岭乡便民服务事项目录（基准测试）"])
    header = [
        "事项编号",
        "事项名称",
        "群众常用说法",
        "事项类型",
        "办理方式",
        "办理科室",
        "受理窗口",
        "责任岗位",
        "受理条件",
        "法定时限",
        "承诺时限",
        "承诺时限单位",
        "收费",
        "到现场次数",
        "帮代办",
        "状态",
        "最近核对日期",
    ]
    sheet.append(header)
    for n in range(1, rows + 1):
        sheet.append(
            [
                f"B-{n:04d}",
                f"基准事项{n}",
                "办证、开证明、补贴",
                "公共服务",
                "本级办理",
                "社会事务办" if n % 2 else "便民服务中心",
                1 + n % 2,
                "民政岗",
                "本乡镇户籍居民。\n材料齐全。",
                20,
                5,
                "个工作日",
                "不收费",
                1,
                "是",
                "在办",
                "2026-11-01",
            ]
        )
    stream = io.BytesIO()
    book.save(stream)
    return stream.getvalue()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1000)
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection
    from django.test.utils import setup_test_environment

    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    # A name of its own: never the test_<name> database a test run may be using right now.
    connection.settings_dict.setdefault("TEST", {})["NAME"] = f"bench_import_{os.getpid()}"
    if connection.vendor == "sqlite":
        connection.settings_dict["TEST"]["NAME"] = None  # in memory
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        run(args.rows)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


def run(rows):
    from django.contrib.auth import get_user_model
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    from services.models import ServiceItem
    from spreadsheets.lists import import_lists_file, workbook_export
    from tests import builders

    township = builders.make_township(name="东岭乡", slug="bench")
    builders.make_service_hall(township=township, items=1)
    user = get_user_model().objects.create_superuser("bench", "bench@example.invalid", "bench-only")
    data = build_workbook(rows)
    print(f"数据库：{connection.vendor}；文件：{rows} 行服务事项，{len(data) / 1024:.0f} KB")

    def timed(label, **kwargs):
        reset_queries()
        with CaptureQueriesContext(connection) as queries:
            start = time.perf_counter()
            result = import_lists_file(data_for[label], "bench.xlsx", township=township, user=user, **kwargs)
            elapsed = time.perf_counter() - start
        assert not result.has_errors, result.error_messages()[:5]
        print(f"{label}：{elapsed:.2f} 秒，{len(queries)} 条 SQL；{result.summary()}")
        return elapsed

    data_for = {"预览（检查，不写入）": data, "确认导入（再检查并写入）": data}
    preview = timed("预览（检查，不写入）", dry_run=True)
    confirm = timed("确认导入（再检查并写入）", dry_run=False)
    print(f"预览 + 导入：{preview + confirm:.2f} 秒（目标 ≤ 5 秒）")
    assert ServiceItem.objects.filter(township=township).count() >= rows

    from spreadsheets.lists.services import ServiceItemResource

    data_for["原样导出再预览（全部无变化）"] = workbook_export(township, [ServiceItemResource])
    timed("原样导出再预览（全部无变化）", dry_run=True)


if __name__ == "__main__":
    main()
