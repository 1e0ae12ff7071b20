"""`fazhan floating` through the same services and selectors as the pages: a write names its user and is
refused as the page refuses it; the lists and the report read what that user may see."""

import openpyxl
import pytest
from django.core.management import CommandError, call_command

from fazhan.floating.models import FloatingRecord
from tests.interchange.conftest import run


def test_out_list_and_close_from_the_console(fo):
    status, out = run(
        "floating",
        "out",
        "--pid",
        "P0001",
        "--place",
        "广东省东莞市长安镇",
        "--since",
        "2025-03-01",
        "--to-org",
        "SZQ-LH-LD",
        "--contact",
        "13800001234",
        "--user",
        "sec1",
    )
    assert status == 0
    record = FloatingRecord.objects.get()
    assert out.startswith(f"已登记 #{record.pk} P0001 张三 流出 广东省东莞市长安镇 自 2025年3月1日")
    assert "居住地：中共罗汉镇驻东莞流动党员支部委员会" in out
    assert "P0001" in run("floating", "list", "--user", "lh_organizer")[1]
    assert run("floating", "list", "--user", "sec2")[1] == ""  # 双河村 sees none of 高桥村's
    run("floating", "close", "--id", str(record.pk), "--until", "2025-09-01", "--user", "sec1")
    record.refresh_from_db()
    assert str(record.until) == "2025-09-01"
    assert run("floating", "list", "--user", "sec1")[1] == ""
    assert "至 2025年9月1日" in run("floating", "list", "--user", "sec1", "--all")[1]


def test_the_console_is_refused_what_the_page_is_refused(fo):
    with pytest.raises(CommandError, match="流出人员的对方党组织须为本区的流动党员党组织"):
        call_command(
            "floating",
            "out",
            "--pid",
            "P0001",
            "--place",
            "广东",
            "--since",
            "2025-03-01",
            "--to-org",
            "SZQ-LH-02",
            "--user",
            "sec1",
        )
    with pytest.raises(CommandError, match="--user: 只有所在党支部书记"):
        call_command(
            "floating", "out", "--pid", "P0001", "--place", "广东", "--since", "2025-03-01", "--user", "sec2"
        )
    with pytest.raises(CommandError, match="--since: 2025-13-01 不是日期"):
        call_command(
            "floating", "out", "--pid", "P0001", "--place", "广东", "--since", "2025-13-01", "--user", "sec1"
        )
    assert not FloatingRecord.objects.exists()


def test_the_migrant_report_from_the_console_and_its_workbook(fo, tmp_path):
    run(
        "floating",
        "in",
        "--pid",
        "P0002",
        "--place",
        "贵州省遵义市",
        "--since",
        "2025-03-01",
        "--org-name",
        "中共遵义市汇川区高坪街道双龙村支部委员会",
        "--migrant",
        "--user",
        "sec2",
    )
    path = tmp_path / "migrants.xlsx"
    _status, out = run(
        "floating", "migrants", "--user", "lh_organizer", "--day", "2025-06-01", "--xlsx", str(path)
    )
    assert "中共罗汉镇双河村支部委员会\t1\t0\t0\t0\t0\t0\t0" in out
    sheet = openpyxl.load_workbook(path).active
    assert ["合计", 1, 0, 0, 0, 0, 0, 0] in [list(r) for r in sheet.iter_rows(values_only=True)]
    assert "双河村" not in run("floating", "migrants", "--user", "yx_organizer", "--day", "2025-06-01")[1]
