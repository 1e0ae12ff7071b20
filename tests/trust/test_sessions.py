"""Sessions and logins as 等保 level 3 asks (issue 13, item 4): the second factor from the first login for
the roles that need it, the idle timeout, a lockout whose cool-off runs from the lockout, the password
policies (MLPS and ASVS) with MLPS's periodic change, and Argon2 hashing."""

import datetime
import re

import pytest
import time_machine
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone, translation

import fazhan.settings as project_settings
from fazhan.accounts.models import ADMIN_ROLES, Role, User
from fazhan.accounts.passwords import ERR_CLASSES, password_classes, password_generate
from fazhan.accounts.services import role_assign, user_create, user_password_change
from fazhan.auditlog.models import AuditEvent
from fazhan.settings import PASSWORD_POLICIES, password_validators
from tests.conftest import PASSWORD


def _login(client: Client, username: str, password: str = PASSWORD, ip: str = "10.0.0.1"):
    return client.post("/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=ip)


def _real(username: str, role: str, org) -> User:
    """A login as `fazhan adduser` makes one: not exempt from the second factor, unlike the world's."""
    user = user_create(actor=None, username=username, password=PASSWORD, is_admin=role in ADMIN_ROLES)
    role_assign(actor=None, user=user, role=role, org=org)
    return user


@pytest.fixture(autouse=True)
def in_chinese():
    """What the pages say: the services' refusals in the users' language."""
    with translation.override("zh-hans"):
        yield


def _later(**delta) -> datetime.datetime:
    return timezone.now() + datetime.timedelta(**delta)


# --- the second factor from the first login -----------------------------------------------------------------

# Sample values for every kind of URL parameter, so that each pattern of the project becomes a path.
SAMPLE = {"int": "1", "code": "SZQ-LH-01", "key": "P0001", "str": "x", "path": "x", "slug": "x"}


def _paths(patterns, prefix: str = "") -> list[str]:
    """Every URL of the project (admin and API included), its parameters filled with SAMPLE values."""
    found: list[str] = []
    for p in patterns:
        route = str(p.pattern)
        route = re.sub(r"<(?:(\w+):)?\w+>", lambda m: SAMPLE.get(m.group(1) or "str", "x"), route)
        route = route.lstrip("^").rstrip("$").replace("\\Z", "")
        if re.search(r"[()\[\]?*+\\]", route):  # a regular expression: its simplest instance
            route = re.sub(r"\(\?P<\w+>[^)]*\)", "1", route)
            route = re.sub(r"[()\[\]?*+^$\\]|\\[sSdw]", "", route)
        if isinstance(p, URLResolver):
            found += _paths(p.url_patterns, prefix + route)
        elif isinstance(p, URLPattern):
            found.append("/" + prefix + route)
    return sorted(set(found))


# and the public's pages (a notice's page, its opinion form), which use no staff session
OPEN_BEFORE_ENROLMENT = (
    "/accounts/2fa/",
    "/accounts/login/",
    "/accounts/logout/",
    "/healthz",
    "/static/",
    "/gs/",
)


@pytest.mark.parametrize(
    ("role", "where"),
    [(Role.DISTRICT_REVIEWER, "district"), (Role.TOWNSHIP_APPROVER, "township"), (Role.SYSADMIN, "district")],
)
def test_a_real_user_of_a_2fa_role_reaches_no_page_but_enrolment_before_enrolling(world, role, where):
    _real("newcomer", role, getattr(world, where))
    client = Client()
    assert _login(client, "newcomer")["Location"] == "/"
    paths = [p for p in _paths(get_resolver().url_patterns) if not p.startswith(OPEN_BEFORE_ENROLMENT)]
    assert len(paths) > 100  # the whole project, the admin and the API included
    for path in paths:
        for method in (client.get, client.post):
            response = method(path)
            assert (response.status_code, response.get("Location")) == (302, "/accounts/2fa/enrol/"), (
                method.__name__,
                path,
            )
    htmx = client.get("/people/", headers={"HX-Request": "true"})
    assert (htmx.status_code, htmx["HX-Redirect"]) == (204, "/accounts/2fa/enrol/")
    page = client.get("/accounts/2fa/enrol/").content.decode()
    assert "须启用两步验证" in page
    assert 'href="/people/"' not in page  # no menu of the pages closed to them


def test_the_demo_and_the_test_world_are_the_only_exempt_logins(world):
    assert all(u.second_factor_exempt for u in world.users.values())
    assert not _real("real", Role.DISTRICT_REVIEWER, world.district).second_factor_exempt
    event = AuditEvent.objects.filter(action="user.create", target_id=str(world.users["district"].pk)).get()
    assert event.data["second_factor_exempt"] is True  # the trail says which logins are exempt
    # No page, command or admin field sets it: the field is not editable and adduser has no such option.
    assert not User._meta.get_field("second_factor_exempt").editable
    with pytest.raises(CommandError):
        call_command("adduser", "x", "--role", "district_reviewer", "--org", "SZQ", "--second-factor-exempt")


# --- the idle timeout ---------------------------------------------------------------------------------------


def test_a_session_ends_after_thirty_minutes_without_a_request(world, settings):
    assert project_settings.SESSION_COOKIE_AGE == 30 * 60
    assert project_settings.SESSION_EXPIRE_AT_BROWSER_CLOSE
    settings.SESSION_COOKIE_AGE = 30 * 60
    client = Client()
    _login(client, "sec1")
    with time_machine.travel(_later(minutes=2)):
        assert client.get("/todo/").status_code == 200
    with time_machine.travel(_later(minutes=2 + 29)):  # 29 minutes after the last request: still on
        assert client.get("/todo/").status_code == 200
    with time_machine.travel(_later(minutes=2 + 29 + 31)):
        response = client.get("/todo/")
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/?next=/todo/")
        login_page = client.get(response["Location"]).content.decode()
        assert "长时间未操作，已自动退出" in login_page


def test_requests_within_the_minute_do_not_write_the_session_again(
    world, settings, django_assert_max_num_queries
):
    client = Client()
    _login(client, "sec1")
    client.get("/healthz")
    client.get("/todo/")  # the first request after the login marks the session as seen
    from django.contrib.sessions.models import Session

    expiry = Session.objects.get().expire_date
    with time_machine.travel(_later(seconds=20)):
        client.get("/todo/")
    assert Session.objects.get().expire_date == expiry
    with time_machine.travel(_later(seconds=90)):
        client.get("/todo/")
    assert Session.objects.get().expire_date > expiry


# --- the lockout's cool-off ---------------------------------------------------------------------------------


def test_the_cool_off_runs_from_the_lockout_not_from_each_attempt(world, settings):
    assert project_settings.AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT is False
    settings.AXES_FAILURE_LIMIT = 3
    client = Client()
    for _ in range(3):
        _login(client, "sec1", "wrong-password")
    assert _login(client, "sec1").status_code == 429
    # Attempts during the lockout are refused and do not push its end further away.
    for minutes in (10, 20, 29):
        with time_machine.travel(_later(minutes=minutes)):
            assert _login(client, "sec1", "wrong-password").status_code == 429
    with time_machine.travel(_later(minutes=31)):  # 30 minutes after the lockout, 2 after the last attempt
        assert _login(client, "sec1").status_code == 302


def test_a_lockout_still_ends_only_after_its_cool_off(world, settings):
    settings.AXES_FAILURE_LIMIT = 3
    for _ in range(3):
        _login(Client(), "sec1", "wrong-password")
    with time_machine.travel(_later(minutes=29)):
        assert _login(Client(), "sec1").status_code == 429
    with time_machine.travel(_later(minutes=31)):
        assert _login(Client(), "sec1").status_code == 302


# --- password policies --------------------------------------------------------------------------------------


@pytest.fixture
def policy(settings):
    """policy("mlps") → the validators and the period of that policy, in force for the test."""

    def use(name: str):
        values = PASSWORD_POLICIES[name]
        settings.AUTH_PASSWORD_VALIDATORS = password_validators(
            min_length=values["min_length"], min_classes=values["min_classes"]
        )
        settings.FAZHAN_PASSWORD_MAX_AGE_DAYS = values["max_age_days"]

    return use


def test_the_mlps_policy_is_the_default_and_its_values_are_the_assessors(world):
    assert project_settings.FAZHAN_PASSWORD_POLICY == "mlps"
    assert (
        project_settings.FAZHAN_PASSWORD_MIN_LENGTH,
        project_settings.FAZHAN_PASSWORD_MIN_CLASSES,
        project_settings.FAZHAN_PASSWORD_MAX_AGE_DAYS,
    ) == (8, 3, 90)


@pytest.mark.parametrize(
    ("password", "why"),
    [
        ("Ab1!xyz", "至少须 8 个字符"),  # too short
        ("abcdefgh12", "至少 3 类"),  # two classes
        ("ABCDEFGH!!", "至少 3 类"),
        ("Password1", "太常见"),  # three classes, but a common one
        ("12345678901", "只包含数字"),
    ],
)
def test_the_mlps_policy_refuses_at_the_password_field_and_creates_nothing(world, policy, password, why):
    policy("mlps")
    with pytest.raises(ValidationError) as refused:
        user_create(actor=None, username="newuser", password=password)
    assert any(why in m for m in refused.value.message_dict["password"]), refused.value.message_dict
    assert not User.objects.filter(username="newuser").exists()


def test_the_mlps_policy_takes_three_classes_of_eight_characters(world, policy):
    policy("mlps")
    assert password_classes("Gq7#") == 4
    user_create(actor=None, username="ok8", password="gaoqiao7!")
    user_create(actor=None, username="ok8b", password="GAOQIAO7c")


@pytest.mark.parametrize(
    ("password", "why"),
    [("Gaoqiao7!ab", "至少须 12 个字符"), ("1qaz2wsx3edc", "太常见"), ("111222tianya", "太常见")],
)
def test_the_asvs_policy_asks_twelve_characters_and_none_of_the_breached_list(world, policy, password, why):
    policy("asvs")
    with pytest.raises(ValidationError) as refused:
        user_create(actor=None, username="newuser", password=password)
    assert any(why in m for m in refused.value.message_dict["password"]), refused.value.message_dict


def test_the_asvs_policy_forces_no_classes_and_no_change(world, policy):
    policy("asvs")
    user = user_create(actor=None, username="asvs", password="gaoqiao village road")
    User.objects.filter(pk=user.pk).update(password_changed_at=timezone.now() - datetime.timedelta(days=900))
    client = Client()
    _login(client, "asvs", "gaoqiao village road")
    assert client.get("/").status_code == 200


def test_a_wrong_policy_name_or_a_lower_length_stops_the_settings(monkeypatch):
    import importlib

    from django.core.exceptions import ImproperlyConfigured

    for env in (
        {"FAZHAN_PASSWORD_POLICY": "weak"},
        {"FAZHAN_PASSWORD_POLICY": "asvs", "FAZHAN_PASSWORD_MIN_LENGTH": "8"},
    ):
        with monkeypatch.context() as m:
            for k, v in env.items():
                m.setenv(k, v)
            with pytest.raises(ImproperlyConfigured):
                importlib.reload(project_settings)
    importlib.reload(project_settings)


def test_an_expired_password_opens_no_page_but_the_change(world, policy, settings):
    policy("mlps")
    settings.SESSION_COOKIE_AGE = 365 * 24 * 3600
    client = Client()
    _login(client, "sec1")
    assert client.get("/todo/").status_code == 200
    with time_machine.travel(_later(days=91)):
        response = client.get("/todo/")
        assert (response.status_code, response["Location"]) == (302, "/accounts/password/?next=%2Ftodo%2F")
        assert client.post("/people/", {}).status_code == 302
        page = client.get(response["Location"]).content.decode()
        assert "您的密码已使用超过 90 天" in page
        weak = client.post(
            "/accounts/password/",
            {"old_password": PASSWORD, "new_password1": "short", "new_password2": "short"},
        )
        assert weak.context["form"].errors["new_password2"]
        new = "Gaoqiao-2027-road"
        changed = client.post(
            "/accounts/password/",
            {"old_password": PASSWORD, "new_password1": new, "new_password2": new, "next": "/todo/"},
        )
        assert (changed.status_code, changed["Location"]) == (302, "/todo/")
        assert client.get("/todo/").status_code == 200  # still logged in, the new period begun
    assert AuditEvent.objects.filter(action="password.change", target_id=str(world.users["sec1"].pk)).exists()
    assert Client().login(username="sec1", password=new)


def test_the_password_change_service_refuses_what_the_policy_refuses(world, policy):
    policy("mlps")
    user = world.users["sec1"]
    with pytest.raises(ValidationError) as refused:
        user_password_change(actor=user, user=user, password="sec1sec1")
    assert "password" in refused.value.message_dict
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_adduser_generates_a_password_the_policy_accepts_and_refuses_a_weak_one(world, policy, capsys):
    policy("mlps")
    for _ in range(20):
        assert password_classes(password_generate()) >= 3
    with pytest.raises(CommandError, match="password"):
        call_command(
            "adduser",
            "weak",
            "--role",
            "branch_secretary",
            "--org",
            "SZQ-LH-01",
            "--by",
            "secadmin",
            "--password",
            "abc",
        )
    assert not User.objects.filter(username="weak").exists()
    assert ERR_CLASSES  # the message named in the refusal above when the classes are short


# --- Argon2 -------------------------------------------------------------------------------------------------


def test_argon2_hashes_and_an_older_hash_is_upgraded_at_login(world, settings):
    settings.PASSWORD_HASHERS = project_settings.PASSWORD_HASHERS
    assert settings.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    user = world.users["sec1"]
    User.objects.filter(pk=user.pk).update(password=make_password(PASSWORD, hasher="pbkdf2_sha256"))
    assert _login(Client(), "sec1").status_code == 302
    user.refresh_from_db()
    assert user.password.startswith("argon2$argon2id$")
    made = user_create(actor=None, username="fresh", password=PASSWORD)
    assert made.password.startswith("argon2$argon2id$")
