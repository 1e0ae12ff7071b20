"""The hash-chained trail: `fazhan verifytrail` finds a row edited or removed behind the services' back,
and the trail page shows each reader what their role allows."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from fazhan.auditlog.models import AuditEvent
from fazhan.auditlog.selectors import trail_verify
from fazhan.auditlog.services import audit_record
from tests.auditlog.raw import raw_sql


def _verify() -> tuple[int, str]:
    out = io.StringIO()
    try:
        call_command("verifytrail", stdout=out, chunk_size=3)
    except CommandError as error:
        return error.returncode, str(error)
    return 0, out.getvalue()


def _raw(sql: str, params: list) -> None:
    raw_sql(sql, params)  # as an insider holding the database: past the trail's trigger on PostgreSQL


def test_an_intact_trail_passes_with_its_count(world):
    count = AuditEvent.objects.count()
    assert count > 20
    code, text = _verify()
    assert code == 0
    assert f"{count} events" in text


def test_a_row_edited_behind_the_services_back_is_found_at_its_id(world):
    victim = AuditEvent.objects.filter(action="person.create").order_by("id")[1]
    _raw("UPDATE auditlog_auditevent SET data = %s WHERE id = %s", ['{"pid": "P9999"}', victim.pk])
    code, text = _verify()
    assert code == 1
    assert f"#{victim.pk}:" in text
    assert trail_verify().broken.event_id == victim.pk


def test_a_back_dated_row_breaks_the_chain(world):
    victim = AuditEvent.objects.filter(action="role.grant").order_by("id")[2]
    earlier = victim.at - datetime.timedelta(days=30)
    _raw("UPDATE auditlog_auditevent SET at = %s WHERE id = %s", [earlier, victim.pk])
    check = trail_verify(chunk_size=2)
    assert not check.ok
    assert check.broken.event_id == victim.pk


def test_a_row_deleted_behind_the_services_back_is_found_at_the_next_id(world):
    ids = list(AuditEvent.objects.order_by("id").values_list("id", flat=True))
    victim = ids[5]
    _raw("DELETE FROM auditlog_auditevent WHERE id = %s", [victim])
    code, text = _verify()
    assert code == 1
    assert f"#{ids[6]}:" in text
    assert f"#{ids[4]}" in text  # the last intact event before the gap


def test_events_written_after_a_check_keep_the_chain_intact(world):
    audit_record(actor=world.users["admin"], action="user.note", data={"when": datetime.date(2026, 1, 2)})
    assert trail_verify().ok


def test_district_reviewer_sees_the_subtree_including_personal_data_views(world, client_for):
    client_for("lh_organizer").get(f"/people/{world.p1.pid}/")  # shows the ID number in clear: logged
    assert AuditEvent.objects.filter(action="person.personal_data_viewed").exists()
    page = client_for("district").get("/trail/").content.decode()
    assert 'data-action="person.personal_data_viewed"' in page
    assert 'data-action="person.create"' in page


def test_inspector_sees_only_their_township(world, client_for):
    yx_event = AuditEvent.objects.get(action="person.create", target_id=str(world.p_yx.pk))
    lh_event = AuditEvent.objects.get(action="person.create", target_id=str(world.p1.pk))
    page = client_for("inspector_lh").get("/trail/?action=person.").content.decode()
    assert f'data-event="{lh_event.pk}"' in page
    assert f'data-event="{yx_event.pk}"' not in page


def test_filters_by_action_actor_target_and_date(world, client_for):
    client = client_for("district")
    page = client.get("/trail/", {"action": "org.create"}).content.decode()
    assert 'data-action="org.create"' in page
    assert 'data-action="person.create"' not in page
    target = f"people.person:{world.p2.pk}"
    page = client.get("/trail/", {"target": target}).content.decode()
    assert page.count("data-event=") == 1
    client_for("lh_organizer").get(f"/people/{world.p1.pid}/")
    page = client.get("/trail/", {"actor": "lh_organizer"}).content.decode()
    assert page.count("data-event=") >= 1
    assert 'data-action="person.create"' not in page
    tomorrow = (datetime.date.today() + datetime.timedelta(days=2)).isoformat()
    page = client.get("/trail/", {"date_from": tomorrow}).content.decode()
    assert "data-event=" not in page


def test_a_bad_filter_names_the_field_and_is_no_500(world, client_for):
    response = client_for("district").get("/trail/", {"date_from": "2026-13-40", "action": "a\x00b"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "data-event=" not in body
    assert "errorlist" in body


def test_the_system_administrator_reads_no_trail_and_the_audit_administrator_all_of_it(world, client_for):
    assert client_for("admin").get("/trail/").status_code == 403
    page = client_for("auditor").get("/trail/").content.decode()
    assert 'data-action="user.create"' in page
    assert 'data-action="role.grant"' in page
    assert 'data-action="org.create"' in page


@pytest.mark.parametrize("username", ["sec1", "lh_organizer", "lh_approver"])
def test_case_roles_without_oversight_may_not_read_the_trail(world, client_for, username):
    assert client_for(username).get("/trail/").status_code == 403


def test_the_trail_pages(world, client_for):
    for i in range(60):
        audit_record(actor=None, action="org.note", org=world.township, data={"i": i})
    client = client_for("district")
    first = client.get("/trail/", {"action": "org.note"}).content.decode()
    assert first.count("data-event=") == 50
    second = client.get("/trail/", {"action": "org.note", "page": 2}).content.decode()
    assert second.count("data-event=") == 10


def test_events_cut_off_the_end_since_a_backup_are_found_against_it(
    transactional_db, world, tmp_path, settings
):
    # transactional: the backup reads the database as another reader would (SQLite waits on an open write)
    from fazhan.backup.services import backup_write

    settings.MEDIA_ROOT = tmp_path / "media"
    backup = tmp_path / "backup.tar"
    audit_record(actor=world.users["admin"], action="user.note", data={"n": 0})  # seals no record
    backup_write(backup)
    audit_record(actor=world.users["admin"], action="user.note", data={"n": 1})
    out = io.StringIO()
    call_command("verifytrail", "--against", str(backup), stdout=out)
    assert "and 1 since" in out.getvalue()

    last_two = list(AuditEvent.objects.order_by("-id").values_list("id", flat=True)[:2])
    _raw("DELETE FROM auditlog_auditevent WHERE id IN (%s, %s)", last_two)
    # The chain that is left is intact and seals every record: what names the cut is the checkpoint the
    # backup signed (issue 13), and the backup itself.
    assert trail_verify().ok
    code, text = _verify()
    assert code == 1
    assert f"-backup.json: the event it signed, #{last_two[1]}, is not in the trail" in text
    settings.FAZHAN_CHECKPOINT_DIR = tmp_path / "no-checkpoints"
    with pytest.raises(CommandError, match="lacks the last event of the backup") as refused:
        call_command("verifytrail", "--against", str(backup), stdout=io.StringIO())
    assert refused.value.returncode == 1


def test_verifytrail_against_a_file_that_is_no_backup_names_the_option(world, tmp_path):
    junk = tmp_path / "junk.tar"
    junk.write_bytes(b"not a tar")
    with pytest.raises(CommandError, match=r"--against: .* is not a Fazhan backup"):
        call_command("verifytrail", "--against", str(junk), stdout=io.StringIO())


def test_an_event_cut_off_the_end_that_last_sealed_a_record_is_found_without_a_backup(world):
    last = AuditEvent.objects.order_by("-id").first()
    assert (last.action, last.target_id) == ("person.create", str(world.m1.pk))
    _raw("DELETE FROM auditlog_auditevent WHERE id = %s", [last.pk])
    code, text = _verify()
    assert code == 1
    assert f"people.person #{world.m1.pk} (pid M0001): the trail holds no digest for it" in text


@pytest.mark.parametrize("query", [{"date_to": "9999-12-31"}, {"date_from": "0001-01-01"}])
def test_a_date_filter_that_would_overflow_is_a_field_message_not_a_server_error(world, client_for, query):
    response = client_for("district").get("/trail/", query)
    assert response.status_code == 200
    assert "日期须在 1900-01-01 至 2100-12-31 之间" in response.content.decode()


def test_verifytrail_against_a_backup_whose_manifest_was_changed_refuses_it(
    transactional_db, world, tmp_path, settings
):
    import json
    import tarfile

    from fazhan.backup.services import backup_write

    settings.MEDIA_ROOT = tmp_path / "media"
    backup = tmp_path / "backup.tar"
    backup_write(backup)
    changed = tmp_path / "changed.tar"
    with tarfile.open(backup) as src, tarfile.open(changed, "w") as dst:
        for member in src.getmembers():
            data = src.extractfile(member).read()
            if member.name == "manifest.json":
                manifest = json.loads(data)
                manifest["trail"]["at_least_head"] = ""  # "the backup held no event"
                data = json.dumps(manifest).encode()
                member.size = len(data)
            dst.addfile(member, io.BytesIO(data))
    with pytest.raises(
        CommandError, match="--against: Refused: the backup's manifest its signature does not"
    ):
        call_command("verifytrail", "--against", str(changed), stdout=io.StringIO())
