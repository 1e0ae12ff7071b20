"""The 党内统计 tables (procedure.md E): per org and year, admissions by gender, 少数民族, age bands,
education, occupation, front line and focus groups, and the conversions (按期, after an extension, extended,
cancelled) — every number from the rules' counting, so the totals equal PLAN-QUOTA's counts on a generated
township; a workbook laid out like the official tables; a page with pickers inside the user's subtree and
`fazhan stats`."""

import datetime
import io
from urllib.parse import quote

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from fazhan.auditlog.models import AuditEvent
from fazhan.inspection.loader import tree_load
from fazhan.organizations.models import Org
from fazhan.plans.models import Plan
from fazhan.plans.stats import stats_build, stats_xlsx
from fazhan.procedure.models import StepRecord
from fazhan.procedure.rules.counting import by_org_year, conversions
from fazhan.procedure.rules.notice2018 import approvals_by_org_year
from tests.plans.test_counts import district  # noqa: F401  (the generated township with invalidations)
from tests.procedure.conftest import walk

SHEETS = ["发展党员情况（一）", "发展党员情况（二）", "预备党员转正情况"]


def _sum(table, labels):
    index = [table.headers.index(label) + 1 for label in labels]
    return sum(int(table.rows[0][i]) for i in index)


def test_the_tables_totals_equal_plan_quotas_and_the_conversions_counts_for_every_org_and_year(district):  # noqa: F811
    synth, invalidated = district
    tree = tree_load(root=None, as_of=synth.as_of).tree
    admitted = approvals_by_org_year(tree)
    paths = {code: org.path for code, org in tree.orgs.items()}
    converted = by_org_year(conversions(tree.cases), paths)
    years = sorted({year for _code, year in admitted} | {year for _code, year in converted})
    assert converted, "the generated township has conversions"
    compared = conversions_compared = 0
    for org in Org.objects.order_by("path"):
        for year in years:
            stats = stats_build(org, year, today=synth.as_of)
            first, second, third = stats.tables
            n = len(admitted.get((org.code, year), []))
            assert stats.total(0) == n == stats.total(1), (org.code, year)
            assert stats.total(2) == len(converted.get((org.code, year), [])), (org.code, year)
            # each breakdown adds up to the total
            assert _sum(first, ["大学本科", "大学专科", "中专", "高中", "初中及以下", "研究生"]) == n
            bands = [h for g, h in zip(first.groups, first.headers, strict=True) if g == "年龄段"]
            assert _sum(first, bands) == n
            jobs = [h for g, h in zip(second.groups, second.headers, strict=True) if g == "职业"]
            assert _sum(second, jobs) == n
            assert _sum(third, ["小计", "延长预备期", "取消预备党员资格"]) == stats.total(2)
            # the org's row is the sum of the rows of the orgs directly below it
            if len(first.rows) > 1:
                assert sum(int(r[1]) for r in first.rows[1:]) <= n
            compared += n
            conversions_compared += stats.total(2)
    assert compared > 0
    assert conversions_compared > 0
    gone = {c.person.pid for c in invalidated}
    assert not any(a.facts.person_pid in gone for rows in admitted.values() for a in rows)


def test_an_admission_and_its_conversion_count_in_their_categories(pw):
    walk(pw)  # 张三: admitted in December 2021, converted on time later
    approval = StepRecord.objects.get(case=pw.case, step="S17").date
    conversion = StepRecord.objects.get(case=pw.case, step="S24").date
    today = conversion + datetime.timedelta(days=30)
    stats = stats_build(pw.township, approval.year, today=today)
    first, second, _third = stats.tables
    assert first.rows[0][0] == f"{pw.township.name}（合计）"
    row = dict(zip(["党组织", *first.headers], first.rows[0], strict=True))
    assert row["发展党员总数"] == 1
    assert row["女"] == 0
    assert row["少数民族"] == 0
    assert row["35岁及以下"] == 1
    assert row["大学专科"] == 1
    assert row["其中大专及以上"] == 1
    assert row["25岁及以下"] == 1  # born 1998-03-04, approved at 23
    assert dict(zip(["党组织", *second.headers], second.rows[0], strict=True))["农牧渔民"] == 1
    by_name = {r[0]: r for r in first.rows}
    assert by_name[pw.branch1.name][1] == 1
    assert by_name[pw.branch2.name][1] == 0
    converted = stats_build(pw.township, conversion.year, today=today).tables[2]
    row = dict(zip(["党组织", *converted.headers], converted.rows[0], strict=True))
    assert (row["办理转正等手续人数"], row["按期转正"], row["延长预备期"]) == (1, 1, 0)
    assert stats_build(pw.township2, approval.year, today=today).total(0) == 0


def test_the_workbook_is_laid_out_like_the_official_tables(pw):
    walk(pw, "S17")
    year = StepRecord.objects.get(case=pw.case, step="S17").date.year
    stats = stats_build(pw.township, year, today=datetime.date(year + 1, 1, 5))
    assert stats.filename == f"{year}年{pw.township.name}发展党员情况统计表.xlsx"
    book = load_workbook(io.BytesIO(stats_xlsx(stats)))
    assert book.sheetnames == SHEETS
    sheet = book["发展党员情况（一）"]
    assert sheet["A1"].value == f"{year}年发展党员情况（一）"
    assert "A1" in {str(r).split(":")[0] for r in sheet.merged_cells.ranges}
    assert sheet["A3"].value == "党组织"
    assert sheet["C3"].value == "性别"
    assert sheet["C4"].value == "女"
    assert sheet.freeze_panes == "B5"
    assert sheet.page_setup.orientation == "landscape"
    assert str(sheet.page_setup.paperSize) == str(sheet.PAPERSIZE_A4)
    assert sheet.print_title_rows == "$3:$4"
    assert sheet["A5"].value == f"{pw.township.name}（合计）"
    assert sheet["B5"].value == 1


def test_the_page_shows_the_users_subtree_only_and_downloads_the_workbook(pw, client_for):
    walk(pw, "S17")
    year = StepRecord.objects.get(case=pw.case, step="S17").date.year
    client = client_for("lh_organizer")
    page = client.get(f"/plans/stats/?org={pw.township.code}&year={year}")
    assert page.status_code == 200
    html = page.content.decode()
    assert f"{year}年发展党员情况（一）" in html
    assert pw.township.name in html
    assert pw.township2.name not in html  # the picker offers the user's subtree only
    download = client.get(f"/plans/stats/?org={pw.township.code}&year={year}&format=xlsx")
    assert download.status_code == 200
    assert quote(f"{year}年{pw.township.name}发展党员情况统计表.xlsx") in download["Content-Disposition"]
    assert load_workbook(io.BytesIO(download.content)).sheetnames == SHEETS
    assert AuditEvent.objects.filter(action="plans.stats_download").count() == 1
    # another township's org is not found; a branch role keeps no statistics; a bad year is not found
    assert (
        client_for("yx_organizer").get(f"/plans/stats/?org={pw.township.code}&year={year}").status_code == 404
    )
    assert client_for("sec1").get(f"/plans/stats/?org={pw.branch1.code}&year={year}").status_code == 403
    assert client.get(f"/plans/stats/?org={pw.township.code}&year=1800").status_code == 404
    assert client.get(f"/plans/stats/?org={pw.township.code}&year=abc").status_code == 200
    assert (
        f'href="/plans/stats/?org={pw.township.code}&year={year}"'
        in client.get(f"/plans/{pw.township.code}/{year}/").content.decode()
    )


def test_fazhan_stats_writes_the_workbook_and_refuses_a_bad_org_year_or_file(pw, tmp_path):
    walk(pw, "S17")
    year = StepRecord.objects.get(case=pw.case, step="S17").date.year
    Plan.objects.create(org=pw.district, year=year, quota=3, groups={})
    out = io.StringIO()
    call_command(
        "stats", "--org", pw.district.code, "--year", str(year), "--out", str(tmp_path / "s.xlsx"), stdout=out
    )
    assert "1 admissions, 0 conversion decisions" in out.getvalue()
    assert load_workbook(tmp_path / "s.xlsx")["发展党员情况（一）"]["B5"].value == 1
    with pytest.raises(CommandError, match="--org"):
        call_command("stats", "--org", "NOPE", "--year", str(year), "--out", str(tmp_path / "x.xlsx"))
    with pytest.raises(CommandError, match="--year"):
        call_command("stats", "--org", pw.district.code, "--year", "20x1", "--out", str(tmp_path / "x.xlsx"))
    with pytest.raises(CommandError, match="--out"):
        call_command(
            "stats", "--org", pw.district.code, "--year", str(year), "--out", str(tmp_path / "x.csv")
        )
    assert not (tmp_path / "x.xlsx").exists()
    assert not (tmp_path / "x.csv").exists()
