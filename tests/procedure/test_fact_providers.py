"""The procedure imports no wing: the wings hand the facts loader what they add (procedure.selectors)."""

import pytest

from fazhan.archive.selectors import review_facts_by_person
from fazhan.notices.selectors import feedback_facts_by_person, feedback_facts_in_subtree
from fazhan.prereview.selectors import form_facts_by_person
from fazhan.procedure.selectors import FACT_PROVIDERS, FactProvider, fact_provider_register
from fazhan.training.selectors import staff_facts_of_named


def test_the_wings_provide_the_forms_the_archive_reviews_the_notice_reports_and_the_trainings():
    assert set(FACT_PROVIDERS) == {
        "forms",
        "archive_reviews",
        "notice_feedback",
        "floating_records",
        "staff_training",
    }
    assert FACT_PROVIDERS["forms"].by_person is form_facts_by_person
    assert FACT_PROVIDERS["forms"].named == "form"
    assert FACT_PROVIDERS["archive_reviews"].by_person is review_facts_by_person
    assert FACT_PROVIDERS["notice_feedback"].by_person is feedback_facts_by_person
    assert FACT_PROVIDERS["notice_feedback"].in_subtree is feedback_facts_in_subtree
    assert FACT_PROVIDERS["staff_training"].of_named is staff_facts_of_named
    assert FACT_PROVIDERS["staff_training"].named == "pid"


def test_a_register_the_facts_do_not_have_is_refused():
    provider = FactProvider(lambda person, named: [], lambda ids, as_of: {})
    with pytest.raises(ValueError, match="plans"):
        fact_provider_register("plans", provider)
    assert "plans" not in FACT_PROVIDERS
