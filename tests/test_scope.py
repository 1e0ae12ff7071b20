"""Every scoped page 404s outside the user's subtree; roles decide what is shown in clear."""

import pytest
from django.contrib import admin
from django.test import Client

from fazhan.auditlog.models import AuditEvent
from fazhan.people.models import Person
from tests.conftest import ID_1960_MALE, ID_1998_MALE

MASKED_P1 = "5110**********1215"


def person_pages(pid: str) -> list[str]:
    return [f"/people/{pid}/", f"/people/{pid}/edit/"]


OUTSIDE = [
    (
        "sec1",
        ["P0002", "P0003", "P0004"],
        ["SZQ-LH-02", "SZQ-LH", "SZQ-LH-03", "SZQ-LH-03-1", "SZQ-YX-01", "SZQ"],
    ),
    ("org1", ["P0002", "P0003", "P0004"], ["SZQ-LH-02", "SZQ-YX"]),
    ("sec2", ["P0001", "M0001", "P0003", "P0004"], ["SZQ-LH-01", "SZQ-LH"]),
    ("yx_organizer", ["P0001", "P0002", "P0003", "M0001"], ["SZQ-LH", "SZQ-LH-01", "SZQ-LH-03-1", "SZQ"]),
    ("lh_organizer", ["P0004"], ["SZQ-YX", "SZQ-YX-01", "SZQ"]),
    ("lh_approver", ["P0004"], ["SZQ-YX", "SZQ-YX-01"]),
    ("inspector_lh", ["P0004"], ["SZQ-YX", "SZQ-YX-01", "SZQ"]),
    ("admin", ["P0001", "P0002", "P0003", "P0004", "M0001"], ["SZQ", "SZQ-LH", "SZQ-LH-01", "SZQ-YX"]),
]


@pytest.mark.parametrize(
    ("username", "url"),
    [
        (username, url)
        for username, pids, codes in OUTSIDE
        for url in [u for pid in pids for u in person_pages(pid)] + [f"/orgs/{c}/" for c in codes]
    ],
)
def test_a_page_outside_the_users_subtree_is_404(client_for, username, url):
    assert client_for(username).get(url).status_code == 404


@pytest.mark.parametrize("url", ["/people/P0002/edit/", "/people/P0004/edit/"])
def test_a_post_outside_the_users_subtree_is_404_and_changes_nothing(world, client_for, url):
    response = client_for("sec1").post(url, {"name": "改名", "id_number": ID_1998_MALE})
    assert response.status_code == 404
    assert not Person.objects.filter(name="改名").exists()


@pytest.mark.parametrize("url", ["/people/NOBODY/", "/people/NOBODY/edit/", "/orgs/NOWHERE/"])
def test_an_unknown_key_is_404(client_for, url):
    assert client_for("district").get(url).status_code == 404


@pytest.mark.parametrize(
    "url",
    [
        *[f"/orgs/{c}/" for c in ["SZQ-LH", "SZQ-LH-01", "SZQ-LH-02", "SZQ-LH-03", "SZQ-LH-03-1"]],
        *[u for pid in ["P0001", "P0002", "P0003", "M0001"] for u in person_pages(pid)],
    ],
)
def test_the_township_organizer_sees_the_whole_township_subtree(client_for, url):
    assert client_for("lh_organizer").get(url).status_code == 200


@pytest.mark.parametrize(
    "url", ["/orgs/SZQ/", "/orgs/SZQ-YX-01/", *person_pages("P0004"), *person_pages("P0001")]
)
def test_the_district_reviewer_sees_everything_but_edits_nothing(client_for, url):
    expected = 403 if url.endswith("/edit/") else 200
    assert client_for("district").get(url).status_code == expected


def test_the_org_tree_shows_only_the_users_subtree(client_for):
    response = client_for("sec1").get("/orgs/")
    assert response.status_code == 200
    assert [org.code for org, _level, _sec in response.context["rows"]] == ["SZQ-LH-01"]
    assert "双河村" not in response.content.decode()


def test_the_org_tree_of_the_township_organizer_reaches_through_the_general_branch(client_for):
    response = client_for("lh_organizer").get("/orgs/")
    codes = [org.code for org, _level, _sec in response.context["rows"]]
    assert codes == ["SZQ-LH", "SZQ-LH-01", "SZQ-LH-02", "SZQ-LH-03", "SZQ-LH-03-1"]


def list_pids(response) -> set[str]:
    return {row["person"].pid for row in response.context["rows"]}


def test_the_person_list_of_a_branch_secretary_holds_only_the_branch(client_for):
    response = client_for("sec1").get("/people/")
    assert response.status_code == 200
    assert list_pids(response) == {"P0001", "M0001"}
    content = response.content.decode()
    for outsider in ("李四", "王五", "赵六"):
        assert outsider not in content


def test_a_search_cannot_reach_outside_the_subtree(client_for):
    assert list_pids(client_for("sec1").get("/people/", {"q": "李四"})) == set()
    assert list_pids(client_for("sec1").get("/people/", {"org": "SZQ-LH-02"})) == set()


def test_the_administrator_sees_no_people(client_for):
    response = client_for("admin").get("/people/")
    assert response.status_code == 200
    assert list_pids(response) == set()
    assert "张三" not in response.content.decode()


def test_the_administrator_sees_no_orgs_in_the_tree(client_for):
    assert client_for("admin").get("/orgs/").context["rows"] == []


def test_the_administrator_may_not_register_a_person(world, client_for):
    response = client_for("admin").post(
        "/people/new/", {"name": "钱七", "id_number": "511002200008085110", "org": world.branch1.pk}
    )
    assert response.status_code == 403


def test_the_administrator_is_sent_from_home_to_the_admin(client_for):
    response = client_for("admin").get("/")
    assert response.status_code == 302
    assert response["Location"] == "/admin/"


def test_the_administrator_can_open_the_admin(client_for):
    assert client_for("admin").get("/admin/").status_code == 200


def test_the_admin_registers_no_case_content(db):
    registered = {model._meta.app_label for model in admin.site._registry}
    assert Person not in admin.site._registry
    assert not registered & {"people", "procedure"}


@pytest.mark.parametrize(
    "username",
    ["sec1", "org1", "sec2", "lh_organizer", "lh_approver", "district", "inspector_lh", "yx_organizer"],
)
def test_a_non_administrator_is_kept_out_of_the_admin(client_for, username):
    response = client_for(username).get("/admin/")
    assert response.status_code in (302, 403)
    if response.status_code == 302:
        assert response["Location"].startswith("/admin/login/")


def test_staff_status_without_the_sysadmin_role_does_not_open_the_admin(world, client_for):
    world.users["lh_organizer"].is_staff = True
    world.users["lh_organizer"].save()
    response = client_for("lh_organizer").get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


@pytest.mark.parametrize("url", ["/people/new/", "/people/P0001/edit/", "/people/P0003/edit/"])
@pytest.mark.parametrize("username", ["inspector_lh", "lh_approver"])
def test_a_read_only_role_is_forbidden_to_edit(client_for, username, url):
    assert client_for(username).get(url).status_code == 403


def test_an_inspector_posting_a_new_person_is_forbidden_and_nothing_is_created(world, client_for):
    before = Person.objects.count()
    response = client_for("inspector_lh").post("/people/new/", {"name": "钱七", "org": world.branch1.pk})
    assert response.status_code == 403
    assert Person.objects.count() == before


def test_an_inspector_reads_a_person_inside_the_scope(client_for):
    response = client_for("inspector_lh").get("/people/P0003/")
    assert response.status_code == 200
    assert not response.context["can_edit"]


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/people/",
        "/people/P0001/",
        "/people/P0001/edit/",
        "/people/new/",
        "/orgs/",
        "/orgs/SZQ/",
        "/admin/",
    ],
)
def test_an_anonymous_user_is_sent_to_the_login_page(world, url):
    response = Client().get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


def test_an_anonymous_user_can_open_the_login_page_and_the_health_check(db):
    assert Client().get("/accounts/login/").status_code == 200
    assert Client().get("/healthz").status_code == 200


def test_a_user_without_any_role_sees_the_no_scope_page(world):
    from fazhan.accounts.services import user_create
    from tests.conftest import PASSWORD

    user_create(actor=None, username="nobody", password=PASSWORD)
    client = Client()
    assert client.login(username="nobody", password=PASSWORD)
    assert "core/no_scope.html" in [t.name for t in client.get("/").templates]
    assert client.get("/people/P0001/").status_code == 404


@pytest.mark.parametrize(
    "username", ["sec1", "org1", "lh_organizer", "lh_approver", "district", "inspector_lh"]
)
@pytest.mark.parametrize("htmx", [False, True])
def test_the_list_masks_id_numbers_and_phones_for_every_role(client_for, username, htmx):
    headers = {"HX-Request": "true"} if htmx else {}
    content = client_for(username).get("/people/", headers=headers).content.decode()
    assert MASKED_P1 in content
    assert "138****1234" in content
    for clear in (ID_1998_MALE, ID_1960_MALE, "13800001234"):
        assert clear not in content


def personal_data_events(user) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action="person.personal_data_viewed", actor=user))


def test_the_detail_shows_the_id_number_in_clear_to_the_township_organizer_and_logs_it(world, client_for):
    content = client_for("lh_organizer").get("/people/P0001/").content.decode()
    assert f'id="id-number">{ID_1998_MALE}<' in content
    [event] = personal_data_events(world.users["lh_organizer"])
    assert (event.target_id, event.data) == (str(world.p1.pk), {"fields": ["id_number", "phone"]})
    assert event.org_path == world.branch1.path


def test_the_detail_masks_the_id_number_for_the_branch_secretary_but_shows_the_phone(world, client_for):
    content = client_for("sec1").get("/people/P0001/").content.decode()
    assert f'id="id-number">{MASKED_P1}<' in content
    assert ID_1998_MALE not in content
    assert "13800001234" in content
    [event] = personal_data_events(world.users["sec1"])
    assert event.data == {"fields": ["phone"]}


def test_the_detail_masks_everything_for_an_inspector_and_logs_nothing(world, client_for):
    content = client_for("inspector_lh").get("/people/P0001/").content.decode()
    assert MASKED_P1 in content
    assert "138****1234" in content
    assert ID_1998_MALE not in content
    assert "13800001234" not in content
    assert personal_data_events(world.users["inspector_lh"]) == []


def test_the_edit_page_does_not_reveal_the_id_number_to_the_branch_secretary(client_for):
    response = client_for("sec1").get("/people/P0001/edit/")
    assert response.status_code == 200
    assert ID_1998_MALE not in response.content.decode()


def test_the_edit_page_logs_the_display_of_the_id_number(world, client_for):
    response = client_for("lh_organizer").get("/people/P0001/edit/")
    assert ID_1998_MALE in response.content.decode()
    assert personal_data_events(world.users["lh_organizer"]) != []
