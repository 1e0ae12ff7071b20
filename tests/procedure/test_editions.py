"""Editions of the 细则 as data (procedure.md G): every article the definition holds is cited in Chinese, in
the edition in force on the step's date; the 2026 revision holds no text yet, so the 2014 articles apply to
every date until its text is entered."""

import datetime
from dataclasses import replace

import pytest

from fazhan.procedure import editions
from fazhan.procedure.definition import RULES, STEPS
from fazhan.procedure.editions import EDITIONS_BY_ID, citation, edition_on

D = datetime.date


@pytest.mark.parametrize(
    ("article", "cited"),
    [
        ("Art.24", "《细则》（2014）第二十四条"),
        ("Art.5–6", "《细则》（2014）第五至六条"),
        ("Art.15,19", "《细则》（2014）第十五条、第十九条"),
        ("Art.23,25–26", "《细则》（2014）第二十三条、第二十五至二十六条"),
        ("Art.10", "《细则》（2014）第十条"),
        ("Art.41", "《细则》（2014）第四十一条"),
        ("Art.13 [P]", "《细则》（2014）第十三条（地方实践）"),
        ("党章 Art.1", "《中国共产党章程》第一条"),
        ("通知三", "2018年发展党员工作通知第三部分"),
    ],
)
def test_an_article_is_cited_in_chinese(article, cited):
    assert citation(article, D(2019, 3, 1)) == cited


def test_every_article_of_the_definition_is_cited_without_an_internal_code_on_any_date():
    articles = {r.article for r in RULES} | {s.article for s in STEPS}
    for day in (D(2010, 1, 1), D(2018, 6, 1), D(2026, 5, 17), D(2026, 5, 18), D(2030, 1, 1)):
        for article in articles:
            text = citation(article, day)
            assert text, article
            assert "Art." not in text, (article, text)
            assert "[P]" not in text, (article, text)


def test_the_2026_revision_has_no_text_yet_so_the_2014_articles_apply_to_every_date():
    assert EDITIONS_BY_ID["2026"].in_force_from == D(2026, 5, 18)
    assert not EDITIONS_BY_ID["2026"].has_text
    assert edition_on(D(2026, 6, 1)).id == "2014"
    assert edition_on(D(2000, 1, 1)).id == "2014"
    assert citation("Art.24", D(2026, 6, 1)) == "《细则》（2014）第二十四条"


def test_once_the_revisions_text_is_entered_steps_from_its_date_cite_it(monkeypatch):
    entered = replace(EDITIONS_BY_ID["2026"], has_text=True, renumbered={24: 27})
    monkeypatch.setattr(editions, "EDITIONS", (EDITIONS_BY_ID["2014"], entered))
    assert citation("Art.24", D(2026, 5, 17)) == "《细则》（2014）第二十四条"
    assert citation("Art.24", D(2026, 5, 18)) == "《细则》（2026）第二十七条"
    assert citation("Art.5–6", D(2026, 7, 1)) == "《细则》（2026）第五至六条"
