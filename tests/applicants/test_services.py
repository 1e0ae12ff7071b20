"""The services of self-service applications, each way: codes, registration, sign-in, submission, and the
branch's accepting (S01 through the step service, so the rules apply) or returning."""

import datetime

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from fazhan.applicants.models import Applicant, InviteCode, Submission, SubmissionState
from fazhan.applicants.selectors import applicant_own_record, submission_list_for_user
from fazhan.applicants.services import (
    applicant_sign_in,
    code_issue,
    submission_accept,
    submission_return,
    submission_submit,
)
from fazhan.auditlog.models import AuditEvent
from fazhan.people.models import Person
from fazhan.people.services import person_create
from fazhan.procedure.models import Case, StepRecord
from fazhan.procedure.services import StepRefused
from tests.applicants.conftest import ADDRESS, MINOR_ID, NOW, PIN, QIAN_ID, TEXT, TODAY, png, register
from tests.conftest import person_data


def messages(exc: ValidationError) -> dict:
    return exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}


def submitted(world, issued, **overrides):
    applicant = register(issued[1], **overrides)
    return submission_submit(applicant=applicant, text=TEXT, photo=png())


# --- codes ------------------------------------------------------------------------------------------------


def test_a_branch_secretary_issues_a_code_kept_only_as_its_digest(world, issued):
    invite, clear = issued
    assert len(clear) == 8
    assert invite.org == world.branch1
    assert invite.hint == clear[-4:]
    assert invite.expires_at == NOW + datetime.timedelta(days=14)
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM applicants_invitecode")
        row = " ".join(str(v) for v in cursor.fetchone())
    assert clear not in row
    event = AuditEvent.objects.get(action="applicant.code_issue")
    assert (event.actor, event.org_path) == (world.users["sec1"], world.branch1.path)


def test_only_the_branch_issues_codes_and_only_for_a_branch(world):
    with pytest.raises(PermissionDenied):
        code_issue(actor=world.users["sec2"], org=world.branch1)
    with pytest.raises(PermissionDenied):
        code_issue(actor=world.users["lh_organizer"], org=world.branch1)
    with pytest.raises(ValidationError) as refused:
        code_issue(actor=world.users["lh_organizer"], org=world.township)
    assert "不是党支部" in messages(refused.value)["org"][0]
    assert not InviteCode.objects.exists()


def test_a_code_registers_one_applicant_once(world, issued):
    applicant = register(issued[1].lower())  # typed in small letters, still the code
    assert (applicant.org, applicant.name) == (world.branch1, "钱七")
    assert (applicant.birth_date, applicant.gender) == (datetime.date(2000, 8, 8), "M")
    with pytest.raises(ValidationError) as again:
        register(issued[1], id_number=MINOR_ID, name="孙八")
    assert "已经使用过" in messages(again.value)["code"][0]
    assert Applicant.objects.count() == 1


def test_a_code_expires_after_its_days(world, issued):
    with (
        time_machine.travel(NOW + datetime.timedelta(days=14), tick=False),
        pytest.raises(ValidationError) as expired,
    ):
        register(issued[1])
    assert messages(expired.value)["code"] == ["这个登记码已于 2026年12月17日 过期，请向党支部重新领取。"]
    with time_machine.travel(NOW + datetime.timedelta(days=13, hours=23), tick=False):
        assert register(issued[1]).name == "钱七"


def test_wrong_codes_spend_the_addresses_tries_of_the_hour(world, issued):
    for _n in range(10):
        with pytest.raises(ValidationError, match="登记码不正确"):
            register("ABCD-EFGH")
    with pytest.raises(ValidationError, match="一小时后再试"):
        register(issued[1])
    assert register(issued[1], address="198.51.100.1").name == "钱七"  # another address has its own


def test_registration_keeps_the_id_number_encrypted(world, issued):
    applicant = register(issued[1])
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number, birth_date FROM applicants_applicant WHERE id = %s", [applicant.pk])
        stored_id, stored_birth = cursor.fetchone()
    assert QIAN_ID not in stored_id
    assert "2000-08-08" not in stored_birth
    assert stored_id.startswith("sm4gcm:")
    assert Applicant.objects.get(pk=applicant.pk).id_number == QIAN_ID
    event = AuditEvent.objects.get(action="applicant.register")
    assert QIAN_ID not in str(event.data)
    assert "钱七" not in str(event.data)


@pytest.mark.parametrize(
    ("overrides", "field", "text"),
    [
        ({"id_number": QIAN_ID[:-1] + ("0" if QIAN_ID[-1] != "0" else "1")}, "id_number", "校验码"),
        ({"name": "  "}, "name", "请填写姓名"),
        ({"phone": "0832123"}, "phone", "11 位手机号码"),
        ({"education": "小学"}, "education", "请选择学历"),
        ({"pin": "12345", "pin_again": "12345"}, "pin", "6 位数字"),
        ({"pin_again": "135790"}, "pin_again", "不一致"),
    ],
)
def test_bad_registration_names_the_field_and_keeps_the_code(world, issued, overrides, field, text):
    with pytest.raises(ValidationError) as refused:
        register(issued[1], **overrides)
    assert text in " ".join(messages(refused.value)[field])
    assert not Applicant.objects.exists()
    assert InviteCode.objects.get().used_at is None


def test_the_honeypot_refuses_a_robot(world, issued):
    with pytest.raises(ValidationError, match="未被受理"):
        register(issued[1], honeypot="http://spam.example")
    assert not Applicant.objects.exists()


# --- sign-in ----------------------------------------------------------------------------------------------


def test_the_applicant_signs_in_with_id_number_and_pin(world, issued):
    applicant = register(issued[1])
    assert applicant_sign_in(id_number=QIAN_ID.lower(), pin=PIN, address=ADDRESS) == applicant
    with pytest.raises(ValidationError, match="身份证号或密码不正确"):
        applicant_sign_in(id_number=QIAN_ID, pin="000000", address=ADDRESS)
    with pytest.raises(ValidationError, match="身份证号或密码不正确"):
        applicant_sign_in(id_number=MINOR_ID, pin=PIN, address=ADDRESS)


def test_five_wrong_pins_lock_the_record_for_half_an_hour(world, issued):
    register(issued[1])
    for _n in range(5):
        with pytest.raises(ValidationError, match="不正确"):
            applicant_sign_in(id_number=QIAN_ID, pin="111111", address=f"192.0.2.{_n}")
    with pytest.raises(ValidationError, match="30 分钟后再试"):
        applicant_sign_in(id_number=QIAN_ID, pin=PIN, address="192.0.2.99")
    assert AuditEvent.objects.filter(action="applicant.locked").count() == 1
    with time_machine.travel(NOW + datetime.timedelta(minutes=31), tick=False):
        assert applicant_sign_in(id_number=QIAN_ID, pin=PIN, address="192.0.2.99").name == "钱七"


# --- submission -------------------------------------------------------------------------------------------


def test_a_submission_keeps_the_photo_re_encoded(world, issued):
    submission = submitted(world, issued)
    assert submission.state == SubmissionState.SUBMITTED
    assert bytes(Submission.objects.get().photo)[:3] == b"\xff\xd8\xff"  # JPEG, whatever was sent
    assert AuditEvent.objects.filter(action="applicant.submit").count() == 1


@pytest.mark.parametrize(
    ("text", "photo", "field", "message"),
    [
        pytest.param(TEXT, b"%PDF-1.4 not a picture", "photo", "JPG 或 PNG", id="pdf"),
        pytest.param(TEXT, b"\x89PNG\r\n\x1a\n" + b"\0" * 64, "photo", "JPG 或 PNG", id="broken-png"),
        pytest.param(TEXT, b"\xff" * (8 * 1024 * 1024 + 1), "photo", "8 MB", id="too-large"),
        pytest.param(TEXT, b"", "photo", "请上传", id="no-photo"),
        pytest.param("我要入党", None, "text", "不少于 20 字", id="short-text"),
    ],
)
def test_a_bad_submission_names_its_field(world, issued, text, photo, field, message):
    applicant = register(issued[1])
    with pytest.raises(ValidationError) as refused:
        submission_submit(applicant=applicant, text=text, photo=png() if photo is None else photo)
    assert message in " ".join(messages(refused.value)[field])
    assert not Submission.objects.exists()


def test_one_submission_waits_at_a_time(world, issued):
    submission = submitted(world, issued)
    with pytest.raises(ValidationError, match="正在等待党支部受理"):
        submission_submit(applicant=submission.applicant, text=TEXT, photo=png())


# --- the branch decides -----------------------------------------------------------------------------------


def test_accepting_creates_the_person_and_records_s01_today(world, issued):
    submission = submitted(world, issued)
    record = submission_accept(actor=world.users["org1"], submission=submission)
    person = Person.objects.get(name="钱七")
    assert (person.org, person.phone, person.education, person.birth_date) == (
        world.branch1,
        "13800005678",
        "高中",
        datetime.date(2000, 8, 8),
    )
    assert (record.step, record.date, record.case.person, record.recorded_by) == (
        "S01",
        TODAY,
        person,
        world.users["org1"],
    )
    submission.refresh_from_db()
    assert (submission.state, submission.step_record, submission.applicant.person) == (
        "accepted",
        record,
        person,
    )
    actions = list(AuditEvent.objects.order_by("id").values_list("action", flat=True))
    assert actions[-4:] == ["person.create", "case.open", "step.record", "applicant.accept"]


def test_accepting_an_applicant_under_18_is_refused_by_elig_age_and_writes_nothing(world, issued):
    submission = submitted(world, issued, id_number=MINOR_ID, name="孙八")
    with pytest.raises(StepRefused) as refused:
        submission_accept(actor=world.users["sec1"], submission=submission)
    assert [f.rule for f in refused.value.findings] == ["ELIG-AGE"]
    assert "未满18周岁（17周岁）" in " ".join(refused.value.messages)
    assert not Person.objects.filter(name="孙八").exists()
    assert not Case.objects.exists()
    assert Submission.objects.get().state == SubmissionState.SUBMITTED


def test_only_the_applicants_branch_decides(world, issued):
    submission = submitted(world, issued)
    for username in ("sec2", "lh_organizer"):
        with pytest.raises(PermissionDenied):
            submission_accept(actor=world.users[username], submission=submission)
        with pytest.raises(PermissionDenied):
            submission_return(actor=world.users[username], submission=submission, reason="照片不清楚")
    assert Submission.objects.get().state == SubmissionState.SUBMITTED
    assert not StepRecord.objects.exists()


def test_a_returned_submission_tells_why_and_may_be_sent_again(world, issued):
    submission = submitted(world, issued)
    with pytest.raises(ValidationError) as empty:
        submission_return(actor=world.users["sec1"], submission=submission, reason="  ")
    assert "退回原因" in messages(empty.value)["reason"][0]
    submission_return(actor=world.users["sec1"], submission=submission, reason="签名页照片看不清，请重拍。")
    with pytest.raises(ValidationError, match="已经办理（已退回）"):
        submission_accept(actor=world.users["sec1"], submission=submission)
    record = applicant_own_record(submission.applicant, today=TODAY)
    assert record.current.return_reason == "签名页照片看不清，请重拍。"
    assert record.may_submit
    again = submission_submit(applicant=submission.applicant, text=TEXT, photo=png())
    assert again.state == SubmissionState.SUBMITTED


def test_a_person_the_branch_knows_is_taken_not_doubled(world, issued):
    known = person_create(
        actor=None, pid="P0100", id_number=QIAN_ID, data=person_data(world.branch1, name="钱七")
    )
    submission = submitted(world, issued)
    record = submission_accept(actor=world.users["sec1"], submission=submission)
    assert record.case.person == known
    assert Person.objects.filter(name="钱七").count() == 1


def test_a_person_of_another_branch_is_refused(world, issued):
    person_create(actor=None, pid="P0100", id_number=QIAN_ID, data=person_data(world.branch2, name="钱七"))
    submission = submitted(world, issued)
    with pytest.raises(ValidationError, match="已登记在其他党组织（中共罗汉镇双河村支部委员会）"):
        submission_accept(actor=world.users["sec1"], submission=submission)
    assert not Case.objects.exists()


def test_the_applicant_sees_their_steps_and_the_next_with_its_dates(world, issued):
    submission = submitted(world, issued)
    assert applicant_own_record(submission.applicant, today=TODAY).done == []
    submission_accept(actor=world.users["sec1"], submission=submission)
    record = applicant_own_record(Applicant.objects.get(), today=TODAY)
    assert [(s.name, s.date) for s in record.done] == [("递交入党申请书", TODAY)]
    # APP-TALK: the talk within a month of the application
    assert [(s.name, s.allowed_from, s.due_by) for s in record.ahead] == [
        ("党组织派人谈话", TODAY, datetime.date(2027, 1, 3))
    ]
    assert not record.may_submit


def test_the_list_is_scoped_to_the_users_subtrees(world, issued):
    submitted(world, issued)
    assert submission_list_for_user(world.users["sec1"]).count() == 1
    assert submission_list_for_user(world.users["lh_organizer"]).count() == 1
    assert submission_list_for_user(world.users["sec2"]).count() == 0
    assert submission_list_for_user(world.users["yx_organizer"]).count() == 0
