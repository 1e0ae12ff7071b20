"""Headers, cookies and dates as 等保 level 3 asks (issue 13, item 5): a Content-Security-Policy with no
inline script or style in any page, HSTS and Secure/HttpOnly/SameSite cookies over HTTPS, `Cache-Control:
no-store` on everything the application answers, and dates out of any record's range refused at their
field."""

import base64
import hashlib
import importlib
import re
from pathlib import Path

import pytest
from django.conf import settings as live_settings
from django.test import Client

import fazhan.settings as project_settings
from fazhan.api.services import apitoken_create
from fazhan.core.forms import DATE_MAX, DateField
from fazhan.inspection.models import InspectionRun
from fazhan.jobs.models import Job
from fazhan.notices.models import Notice
from tests.api.conftest import ApiClient
from tests.conftest import PASSWORD
from tests.notices.conftest import publish
from tests.procedure.conftest import pw, walk  # noqa: F401  (pw: the procedure world, a fixture)

FAZHAN = Path(project_settings.BASE_DIR) / "fazhan"
# Whole documents to print (the PDF's source): their stylesheet is inline, and they run no script.
PRINT_DOCUMENTS = {
    "notices/print.html",
    "notices/print_register.html",
    "archive/record_table_print.html",
    "inspection/report.html",
}


def _directives(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    return {d.split()[0]: d.split()[1:] for d in (p.strip() for p in policy.split(";")) if d}


# --- the Content-Security-Policy ----------------------------------------------------------------------------


def test_every_page_has_a_policy_without_inline_script_or_style(world, client_for):
    for path in ("/", "/people/", "/people/P0001/", "/plans/", "/orgs/", "/api/tokens/"):
        csp = _directives(client_for("lh_organizer").get(path))
        assert csp["script-src"] == ["'self'"], path
        assert csp["style-src"] == ["'self'"], path
        assert "'unsafe-inline'" not in csp["style-src-attr"]
        assert csp["object-src"] == ["'none'"]
        assert csp["frame-ancestors"] == ["'none'"]
        assert csp["form-action"] == ["'self'"]


def test_no_template_of_an_application_page_has_inline_script_or_an_unhashed_style():
    allowed = set(project_settings.CSP_STYLE_ATTRIBUTES)
    checked = 0
    for template in FAZHAN.glob("*/templates/**/*.html"):
        parts = template.parts
        name = "/".join(parts[parts.index("templates") + 1 :])
        if name in PRINT_DOCUMENTS:
            continue
        text = template.read_text(encoding="utf-8")
        checked += 1
        for script in re.findall(r"<script\b[^>]*>", text):
            assert "src=" in script or 'type="application/json"' in script, (name, script)
        assert not re.search(r"<style\b", text), name
        assert not re.search(r"\son[a-z]+=", text), name  # no event handler attributes
        for value in re.findall(r'\sstyle="([^"]*)"', text):
            assert value in allowed, (name, value)
    assert checked > 40  # every app's templates


def test_the_hashed_style_is_the_one_value_the_pages_use(world):
    value = "white-space: normal"
    digest = base64.b64encode(hashlib.sha256(value.encode()).digest()).decode()
    attr = live_settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]["style-src-attr"]
    assert attr == ["'unsafe-hashes'", f"'sha256-{digest}'"]


def test_the_print_page_of_a_notice_allows_its_inline_styles_and_no_script(pw, client_for):  # noqa: F811
    notice = publish(_activist(pw))
    response = client_for("sec1").get(f"/notices/{notice.pk}/print/?format=html")
    assert response.status_code == 200
    csp = _directives(response)
    assert csp["style-src"] == ["'unsafe-inline'"]
    assert csp["script-src"] == ["'none'"]
    assert "<script" not in response.content.decode()


def _activist(pw):  # noqa: F811
    walk(pw, "S06")
    pw.case.refresh_from_db()
    return pw


# --- transport and cookies ----------------------------------------------------------------------------------


def test_over_https_the_browser_is_told_to_keep_to_https(world):
    assert project_settings.FAZHAN_HTTPS  # DEBUG is off (tests, production)
    secure = Client().get("/accounts/login/", secure=True)
    assert secure["Strict-Transport-Security"] == "max-age=31536000"
    assert "Strict-Transport-Security" not in Client().get("/accounts/login/")  # never over plain HTTP


def test_the_session_and_csrf_cookies_are_secure_httponly_and_samesite(world):
    client = Client()
    client.get("/accounts/login/", secure=True)
    response = client.post(
        "/accounts/login/", {"username": "sec1", "password": PASSWORD}, secure=True, REMOTE_ADDR="10.0.0.9"
    )
    assert response.status_code == 302
    for name in ("sessionid", "csrftoken"):
        cookie = response.cookies[name] if name in response.cookies else client.cookies[name]
        assert cookie["secure"], name
        assert cookie["httponly"], name
        assert cookie["samesite"] == "Lax", name
    assert not response.cookies["sessionid"]["max-age"]  # it ends with the browser, and idle on the server


def test_fazhan_https_false_serves_a_plain_http_lan(monkeypatch):
    monkeypatch.setenv("FAZHAN_HTTPS", "false")
    try:
        reloaded = importlib.reload(project_settings)
        assert (reloaded.SESSION_COOKIE_SECURE, reloaded.CSRF_COOKIE_SECURE) == (False, False)
        assert reloaded.SECURE_HSTS_SECONDS == 0
    finally:
        monkeypatch.delenv("FAZHAN_HTTPS")
        importlib.reload(project_settings)


# --- no-store -----------------------------------------------------------------------------------------------


def test_pages_lists_exports_and_the_api_are_no_store(world, client_for):
    client = client_for("lh_organizer")
    answers = {
        path: client.get(path)
        for path in (
            "/people/",
            "/people/P0001/",
            "/todo/",
            "/todo/?format=xlsx",
            "/interchange/export/?format=jsonl",
            "/interchange/export/?format=xlsx",
        )
    }
    _token, raw = apitoken_create(actor=None, user=world.users["lh_organizer"])
    answers["api"] = ApiClient(raw).get("/api/v1/persons/P0001")
    answers["login"] = Client().get("/accounts/login/")
    for what, response in answers.items():
        assert response.status_code == 200, what
        assert "no-store" in response["Cache-Control"], what
        assert "private" in response["Cache-Control"], what


def test_static_files_stay_cacheable(world):
    response = Client().get("/static/fazhan/app.css")
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")
    assert "Content-Security-Policy" not in response


# --- dates out of range -------------------------------------------------------------------------------------


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01", "2101-01-01", "1899-12-31"])
def test_a_date_out_of_range_is_refused_at_its_field(day):
    field = DateField(label="日期")
    with pytest.raises(Exception, match="日期须在 1900-01-01 至 2100-12-31 之间"):
        field.clean(day)
    assert field.clean(DATE_MAX.isoformat()) == DATE_MAX
    assert field.widget.attrs["max"] == "2100-12-31"


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01"])
def test_an_inspection_as_of_an_overflowing_day_is_a_field_message_not_a_failed_job(world, client_for, day):
    page = client_for("lh_organizer").post("/inspection/", {"org": world.township.pk, "as_of": day})
    assert page.status_code == 200
    assert "日期须在 1900-01-01 至 2100-12-31 之间" in page.context["form"].errors["as_of"][0]
    assert not Job.objects.exists()
    assert not InspectionRun.objects.exists()


@pytest.mark.parametrize("field", ["starts_on", "ends_on"])
def test_a_notice_over_an_overflowing_period_is_400_at_its_field(pw, client_for, field):  # noqa: F811
    _activist(pw)
    data = {"cases": [pw.case.pk], "starts_on": "2021-06-01", "contact": "来电 0832-2222333"}
    data[field] = "9999-12-31"
    response = client_for("sec1").post("/notices/new/?org=SZQ-LH-01&kind=target", data)
    assert response.status_code == 400
    assert "日期须在" in response.context["form"].errors[field][0]
    assert not Notice.objects.exists()
