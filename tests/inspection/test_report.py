"""The self-inspection report: a PDF rendered to PNG with pdftoppm shows the findings table; the DOCX holds
the same tables; the chart is drawn on the server."""

import datetime
import io
import subprocess

import pytest
from django.core.management import CommandError, call_command
from docx import Document
from PIL import Image

from fazhan.inspection.services import inspection_run
from fazhan.jobs.models import Job
from fazhan.procedure.services import case_record_step
from tests.procedure.conftest import day, legal_details


def a_run(w, client):
    case_record_step(actor=None, case=w.case, step="S01", date=day(0), details={})
    case_record_step(actor=None, case=w.case, step="S02", date=day(50), details=legal_details("S02", 0, w))
    return inspection_run(actor=w.users["lh_organizer"], org=w.township, as_of=datetime.date.today())


def test_the_report_pdf_rendered_to_png_shows_the_findings_table(pw, client_for, tmp_path):
    client = client_for("lh_organizer")
    run = a_run(pw, client)
    response = client.get(f"/inspection/runs/{run.pk}/report/")
    assert response["Content-Type"] == "application/pdf"
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(response.content)
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "四、问题清单" in text
    table = text.split("四、问题清单")[1]
    assert "APP-TALK" in table
    assert "张三" in table
    subprocess.run(["pdftoppm", "-png", "-r", "50", str(pdf), str(tmp_path / "page")], check=True)
    pages = sorted(tmp_path.glob("page*.png"))
    assert pages
    image = Image.open(pages[0]).convert("L")
    dark = sum(image.histogram()[:128])
    assert dark > 0.01 * image.width * image.height  # text, tables and the chart, not a blank page


def test_the_report_chart_is_an_svg_bar_per_rule_and_the_docx_holds_the_tables(pw, client_for):
    client = client_for("lh_organizer")
    run = a_run(pw, client)
    html = client.get(f"/inspection/runs/{run.pk}/report/?format=html").content.decode()
    assert "<svg" in html
    assert html.count("<rect") >= 2  # APP-TALK and VIO-BACKDATE at least
    response = client.get(f"/inspection/runs/{run.pk}/report/?format=docx")
    doc = Document(io.BytesIO(response.content))
    cells = {c.text for t in doc.tables for row in t.rows for c in row.cells}
    assert "APP-TALK" in cells
    assert "中共罗汉镇高桥村支部委员会" in cells


def test_the_report_of_a_run_outside_the_users_subtree_is_404(pw, client_for):
    run = a_run(pw, client_for("lh_organizer"))
    assert client_for("yx_organizer").get(f"/inspection/runs/{run.pk}/report/").status_code == 404


def test_the_run_page_refuses_a_report_with_no_period_or_an_unknown_format_at_its_field(pw, client_for):
    client = client_for("lh_organizer")
    run = a_run(pw, client)
    response = client.post(f"/inspection/runs/{run.pk}/", {"since": "2018-02-30", "format": "pdf"})
    assert response.status_code == 400
    page = response.content.decode()
    form = page.split('id="report-form"')[1].split("</form>")[0]
    assert "输入一个有效的日期。" in form
    response = client.post(f"/inspection/runs/{run.pk}/", {"since": "2018-01-01", "format": "xls"})
    assert response.status_code == 400
    assert "xls" in response.content.decode().split('id="report-form"')[1].split("</form>")[0]
    assert not Job.objects.exists()
    assert (
        client_for("yx_organizer").post(f"/inspection/runs/{run.pk}/", {"format": "pdf"}).status_code == 404
    )


def test_fazhan_report_writes_a_saved_runs_report_as_pdf_or_docx(pw, client_for, tmp_path):
    run = a_run(pw, client_for("lh_organizer"))
    err = io.StringIO()
    call_command("report", str(run.pk), "--out", str(tmp_path / "r.pdf"), stderr=err)
    assert (tmp_path / "r.pdf").read_bytes().startswith(b"%PDF-")
    assert f"{run.found} findings" in err.getvalue()
    text = subprocess.run(
        ["pdftotext", str(tmp_path / "r.pdf"), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "APP-TALK" in text
    call_command("report", str(run.pk), "--out", str(tmp_path / "r.docx"), stderr=io.StringIO())
    cells = {c.text for t in Document(str(tmp_path / "r.docx")).tables for row in t.rows for c in row.cells}
    assert "APP-TALK" in cells
    with pytest.raises(CommandError, match="run"):
        call_command("report", "999999", "--out", str(tmp_path / "x.pdf"))
    with pytest.raises(CommandError, match="--since"):
        call_command("report", str(run.pk), "--out", str(tmp_path / "x.pdf"), "--since", "2018-13-01")
    assert not (tmp_path / "x.pdf").exists()


def test_the_reports_first_day_is_2017_01_01_unless_chosen_on_the_page_and_the_command(
    pw, client_for, tmp_path
):
    """procedure.md G: the notice's self-inspection covers the work since 2017-01-01 — the run page's form
    starts there, and `fazhan report` without --since prints that period (in print: 2017年1月1日)."""
    client = client_for("lh_organizer")
    run = a_run(pw, client)
    form = client.get(f"/inspection/runs/{run.pk}/").content.decode().split('id="report-form"')[1]
    assert 'value="2017-01-01"' in form.split("</form>")[0]
    call_command("report", str(run.pk), "--out", str(tmp_path / "r.docx"), stderr=io.StringIO())
    paragraphs = [p.text for p in Document(str(tmp_path / "r.docx")).paragraphs]
    assert f"自查期间：2017年1月1日 至 {run.as_of.year}年{run.as_of.month}月{run.as_of.day}日" in paragraphs
    call_command(
        "report",
        str(run.pk),
        "--out",
        str(tmp_path / "s.docx"),
        "--since",
        "2020-03-02",
        stderr=io.StringIO(),
    )
    assert any(
        p.startswith("自查期间：2020年3月2日")
        for p in (x.text for x in Document(str(tmp_path / "s.docx")).paragraphs)
    )
