"""The applicants' own pages (no staff login; their own cookie) and the branch's pages (scoped)."""

import dataclasses
import re

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from fazhan.applicants.models import Applicant, InviteCode, Submission
from fazhan.applicants.services import code_issue, submission_submit
from fazhan.applicants.session import COOKIE
from fazhan.procedure import definition
from tests.applicants.conftest import MINOR_ID, PIN, QIAN_ID, TEXT, png, register

APPLY = "/gs/apply/"


def form(**overrides):
    data = {
        "name": "钱七",
        "id_number": QIAN_ID,
        "phone": "13800005678",
        "ethnicity": "汉族",
        "education": "高中",
        "occupation": "农牧渔民",
        "pin": PIN,
        "pin_again": PIN,
        "website": "",
    }
    data.update(overrides)
    return data


def photo(content=None, name="page.png"):
    return SimpleUploadedFile(name, content if content is not None else png(), content_type="image/png")


def test_an_applicant_registers_from_the_qr_address_and_submits(world, issued):
    phone = Client()
    page = phone.get(f"{APPLY}c/{issued[1]}/")
    assert page.status_code == 200
    assert "中共罗汉镇高桥村支部委员会" in page.content.decode()
    sent = phone.post(f"{APPLY}c/{issued[1]}/", form())
    assert sent.status_code == 302
    assert sent["Location"] == f"{APPLY}me/"
    assert sent.cookies[COOKIE]["path"] == APPLY
    assert sent.cookies[COOKIE]["httponly"]
    me = phone.get(f"{APPLY}me/")
    assert "钱七的入党申请" in me.content.decode()
    assert 'id="submit-form"' in me.content.decode()
    done = phone.post(f"{APPLY}me/", {"text": TEXT, "photo": photo()})
    assert done.status_code == 302
    page = phone.get(done["Location"]).content.decode()
    assert "待支部受理" in page
    assert 'id="submit-form"' not in page
    assert Submission.objects.get().applicant.name == "钱七"


def test_a_typed_code_leads_to_the_registration_and_a_wrong_one_says_so(world, issued):
    phone = Client()
    typed = phone.post(APPLY, {"code": f"{issued[1][:4]}-{issued[1][4:]}"})
    assert typed.status_code == 302
    assert typed["Location"] == f"{APPLY}c/{issued[1]}/"
    wrong = phone.post(APPLY, {"code": "ZZZZ-ZZZZ"})
    assert wrong.status_code == 400
    assert "登记码不正确" in wrong.content.decode()
    assert phone.get(f"{APPLY}c/ZZZZZZZZ/").status_code == 400


def test_bad_registration_shows_the_field_error_and_registers_nothing(world, issued):
    page = Client().post(f"{APPLY}c/{issued[1]}/", form(id_number="12345"))
    assert page.status_code == 400
    assert "id_number" in page.context["form"].errors
    assert not Applicant.objects.exists()
    assert InviteCode.objects.get().used_at is None


def test_a_bad_photo_is_a_field_error(world, issued):
    phone = Client()
    phone.post(f"{APPLY}c/{issued[1]}/", form())
    page = phone.post(f"{APPLY}me/", {"text": TEXT, "photo": photo(b"GIF89a not really", "page.png")})
    assert page.status_code == 400
    assert "JPG 或 PNG" in " ".join(page.context["form"].errors["photo"])
    assert not Submission.objects.exists()


def test_a_staff_login_is_nobody_on_the_applicants_pages(world, client_for, issued):
    register(issued[1])
    staff = client_for("sec1")
    page = staff.get(f"{APPLY}me/")
    assert page.status_code == 302
    assert page["Location"] == f"{APPLY}sign-in/"


def test_an_applicants_cookie_opens_no_intranet_page(world, issued):
    phone = Client()
    phone.post(f"{APPLY}c/{issued[1]}/", form())
    assert phone.get("/applicants/").status_code == 302  # to the staff login
    assert phone.get("/people/").status_code == 302


def test_each_applicant_sees_only_their_own_record(world, issued):
    first, second = Client(), Client()
    first.post(f"{APPLY}c/{issued[1]}/", form())
    other = code_issue(actor=world.users["sec1"], org=world.branch1)[1]
    second.post(f"{APPLY}c/{other}/", form(name="孙八", id_number=MINOR_ID))
    mine = first.get(f"{APPLY}me/").content.decode()
    theirs = second.get(f"{APPLY}me/").content.decode()
    assert "钱七" in mine
    assert "孙八" not in mine
    assert "孙八" in theirs
    assert "钱七" not in theirs
    forged = Client()
    forged.cookies[COOKIE] = re.sub(r"^.", "x", first.cookies[COOKIE].value)
    assert forged.get(f"{APPLY}me/").status_code == 302


def test_signing_out_ends_the_cookie_and_signing_in_brings_it_back(world, issued):
    phone = Client()
    phone.post(f"{APPLY}c/{issued[1]}/", form())
    kept = phone.cookies[COOKIE].value
    phone.post(f"{APPLY}sign-out/")
    replay = Client()
    replay.cookies[COOKIE] = kept
    assert replay.get(f"{APPLY}me/").status_code == 302
    wrong = phone.post(f"{APPLY}sign-in/", {"id_number": QIAN_ID, "pin": "999999"})
    assert wrong.status_code == 400
    assert "身份证号或密码不正确" in wrong.content.decode()
    back = phone.post(f"{APPLY}sign-in/", {"id_number": QIAN_ID, "pin": PIN})
    assert back.status_code == 302
    assert phone.get(f"{APPLY}me/").status_code == 200


# --- the branch's pages -----------------------------------------------------------------------------------


def waiting(world, issued, **overrides):
    applicant = register(issued[1], **overrides)
    return submission_submit(applicant=applicant, text=TEXT, photo=png())


def test_the_branch_issues_a_code_with_its_qr(world, client_for):
    page = client_for("sec1").post("/applicants/codes/", {"org": world.branch1.code})
    body = page.content.decode()
    invite = InviteCode.objects.get()
    code = re.search(r'id="issued-code"[^>]*>([A-Z0-9]{4}-[A-Z0-9]{4})<', body).group(1)
    assert code.endswith(invite.hint)
    assert "<svg" in body
    assert f"/gs/apply/c/{code.replace('-', '')}/" in body
    assert (
        client_for("lh_organizer").post("/applicants/codes/", {"org": world.branch1.code}).status_code == 403
    )
    assert InviteCode.objects.count() == 1


def test_the_branch_list_masks_the_id_number_and_another_branch_sees_nothing(world, client_for, issued):
    submission = waiting(world, issued)
    page = client_for("sec1").get("/applicants/").content.decode()
    assert "钱七" in page
    assert "5110**********" in page
    assert QIAN_ID not in page
    other = client_for("sec2")
    assert "钱七" not in other.get("/applicants/").content.decode()
    assert other.get(f"/applicants/{submission.pk}/").status_code == 404
    assert other.get(f"/applicants/{submission.pk}/photo.jpg").status_code == 404
    assert other.post(f"/applicants/{submission.pk}/accept/").status_code == 404
    photo_reply = client_for("sec1").get(f"/applicants/{submission.pk}/photo.jpg")
    assert photo_reply["Content-Type"] == "image/jpeg"
    assert photo_reply.content[:2] == b"\xff\xd8"


def test_the_branch_accepts_from_the_page(world, client_for, issued):
    submission = waiting(world, issued)
    sec1 = client_for("sec1")
    todo = sec1.get("/todo/").content.decode()
    assert 'data-kind="applicant_submission"' in todo
    assert "网上提交的入党申请，待支部受理" in todo
    assert sec1.post(f"/applicants/{submission.pk}/accept/").status_code == 302
    page = sec1.get(f"/applicants/{submission.pk}/").content.decode()
    assert "已于 2026年12月3日 受理" in page
    assert 'id="accept-form"' not in page
    assert 'data-kind="applicant_submission"' not in sec1.get("/todo/").content.decode()


def test_the_pages_name_the_step_as_the_definition_does(world, client_for, issued, monkeypatch):
    """The step an acceptance records is named and numbered by the procedure's definition, not the page: a
    renamed step reads its new name on the list, the form and the accepted submission."""
    step = definition.STEPS_BY_CODE[definition.Anchor.APPLICATION]
    renamed = dataclasses.replace(step, name="提出入党申请（试改名）", number=9)
    monkeypatch.setitem(definition.STEPS_BY_CODE, definition.Anchor.APPLICATION, renamed)
    submission = waiting(world, issued)
    sec1 = client_for("sec1")
    listing = sec1.get("/applicants/").content.decode()
    assert "“提出入党申请（试改名）”（第9步）" in listing
    assert "递交入党申请书" not in listing
    form_page = sec1.get(f"/applicants/{submission.pk}/").content.decode()
    assert "登记为“提出入党申请（试改名）”（第9步）" in form_page
    assert "第1步" not in form_page
    assert sec1.post(f"/applicants/{submission.pk}/accept/").status_code == 302
    accepted = sec1.get(f"/applicants/{submission.pk}/").content.decode()
    assert "受理，登记为“提出入党申请（试改名）”。" in accepted


def test_a_refused_acceptance_shows_the_rule(world, client_for, issued):
    submission = waiting(world, issued, id_number=MINOR_ID, name="孙八")
    page = client_for("sec1").post(f"/applicants/{submission.pk}/accept/")
    assert page.status_code == 400
    assert "ELIG-AGE" in page.content.decode()
    assert Submission.objects.get().state == "submitted"


def test_returning_needs_a_reason(world, client_for, issued):
    submission = waiting(world, issued)
    sec1 = client_for("sec1")
    empty = sec1.post(f"/applicants/{submission.pk}/return/", {"reason": " "})
    assert empty.status_code == 400
    assert "请写明退回原因" in empty.content.decode()
    assert sec1.post(f"/applicants/{submission.pk}/return/", {"reason": "照片不清楚"}).status_code == 302
    assert Submission.objects.get().return_reason == "照片不清楚"


# --- bad input: a field error or a harmless page, never a 500 nor a change -------------------------------


def test_empty_posts_on_every_form_are_no_500_and_change_nothing(world, client_for, issued):
    submission = waiting(world, issued)
    phone = Client()
    phone.post(f"{APPLY}sign-in/", {"id_number": QIAN_ID, "pin": PIN})
    other = code_issue(actor=world.users["sec1"], org=world.branch1)[1]
    for url in (APPLY, f"{APPLY}c/{other}/", f"{APPLY}sign-in/"):
        assert Client().post(url, {}).status_code == 400, url
    assert phone.post(f"{APPLY}me/", {}).status_code == 400
    sec1 = client_for("sec1")
    assert sec1.post(f"/applicants/{submission.pk}/return/", {}).status_code == 400
    assert sec1.post("/applicants/codes/", {}).status_code == 400
    assert Applicant.objects.count() == 1
    assert Submission.objects.get().state == "submitted"
    assert InviteCode.objects.count() == 2


def test_nul_bytes_and_junk_are_field_errors(world, issued):
    assert Client().get(f"{APPLY}c/%00/").status_code == 400
    assert Client().get(f"{APPLY}c/{'A' * 500}/").status_code == 400
    page = Client().post(f"{APPLY}c/{issued[1]}/", form(name="钱\x00七", pin="24\x006810"))
    assert page.status_code == 400
    assert {"name", "pin"} <= set(page.context["form"].errors)
    junk = Client().post(f"{APPLY}sign-in/", {"id_number": "' OR 1=1 --", "pin": "\x00"})
    assert junk.status_code == 400
    assert not Applicant.objects.exists()
