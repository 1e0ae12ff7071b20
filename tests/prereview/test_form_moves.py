"""The numbered form's life is a declared table of moves (prereview.services.FORM_MOVES), checked by the one
function that changes a form's status: each move in the trail with the status it left, a used, voided,
lost or returned form never moving again, and the step that names a form marking it used through the hook
prereview registers with the step service."""

import pytest
from django.core.exceptions import ValidationError

from fazhan.auditlog.models import AuditEvent
from fazhan.prereview.models import FormStatus, NumberedForm
from fazhan.prereview.services import FORM_ACTORS, FORM_MOVES, form_return, form_void
from tests.prereview.test_register import receive
from tests.procedure.conftest import walk

FINAL = {FormStatus.USED, FormStatus.VOIDED, FormStatus.LOST, FormStatus.RETURNED}


def test_the_table_names_every_status_and_the_final_ones_have_no_move():
    assert set(FORM_MOVES) == {"", *FormStatus.values}
    for status, moves in FORM_MOVES.items():
        assert set(moves) <= set(FORM_ACTORS)
        assert set(moves.values()) <= set(FormStatus.values)
        assert (status in FINAL) == (moves == {})


def test_the_step_naming_the_form_marks_it_used_in_the_trail(pw):
    receive(pw, 1, 5)
    walk(pw, "S14")
    form = NumberedForm.objects.get(person=pw.p1)
    assert form.status == FormStatus.USED
    moves = AuditEvent.objects.filter(
        target_type="prereview.numberedform", target_id=str(form.pk), action__startswith="form."
    ).order_by("pk")
    assert [(e.action, e.data["was"], e.data["status"]) for e in moves] == [
        ("form.issue", "in_stock", "issued"),
        ("form.use", "issued", "used"),
    ]


def test_a_used_form_is_neither_voided_nor_returned(pw):
    walk(pw, "S14")
    form = NumberedForm.objects.get(person=pw.p1)
    district = pw.users["district"]
    with pytest.raises(ValidationError) as voided:
        form_void(actor=district, form=form, reason="填错")
    assert "status" in voided.value.message_dict
    with pytest.raises(ValidationError) as returned:
        form_return(actor=district, form=form, reason="收回")
    assert "status" in returned.value.message_dict
    assert NumberedForm.objects.get(pk=form.pk).status == FormStatus.USED
    assert not AuditEvent.objects.filter(action__in=["form.void", "form.return"]).exists()


def test_the_register_offers_a_return_only_where_the_table_allows_one(pw, client_for):
    receive(pw, 1, 3)
    walk(pw, "S14")  # SZQ2021-0001 used by 张三
    page = client_for("district").get("/forms/").content.decode()
    used_row = page.split('data-form="SZQ2021-0001"')[1].split("</tr>")[0]
    stock_row = page.split('data-form="SZQ2021-0002"')[1].split("</tr>")[0]
    assert "收回原因" not in used_row
    assert "收回原因" in stock_row
    lh = client_for("lh_organizer").get("/forms/").content.decode()
    assert "收回原因" not in lh
