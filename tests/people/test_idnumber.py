"""id_number_parse against procedure.md (F)."""

import datetime

import pytest
from stdnum.cn import ric

from fazhan.people.idnumber import IdNumberError, id_number_from_legacy, id_number_parse
from tests.conftest import ID_1949_FEMALE_X, ID_1960_MALE, ID_1998_MALE


def with_check(body17: str) -> str:
    """Append the right check character to 17 characters, so only the tested defect is wrong."""
    return body17 + ric.calc_check_digit(body17 + "0")


@pytest.mark.parametrize(
    ("number", "birth", "gender"),
    [
        (ID_1949_FEMALE_X, datetime.date(1949, 12, 31), "F"),
        (ID_1998_MALE, datetime.date(1998, 3, 4), "M"),
        (ID_1960_MALE, datetime.date(1960, 5, 12), "M"),
    ],
)
def test_it_accepts_the_examples_of_procedure_f(number, birth, gender):
    parsed = id_number_parse(number)
    assert (parsed.number, parsed.birth_date, parsed.gender) == (number, birth, gender)


def test_stdnum_is_valid_refuses_a_real_number_so_it_is_not_the_acceptance_test():
    # 511002 was created in 1985: stdnum refuses its holders born before. We accept them (procedure.md F).
    assert not ric.is_valid(ID_1960_MALE)
    assert id_number_parse(ID_1960_MALE).number == ID_1960_MALE


@pytest.mark.parametrize("value", ["11010519491231002x", " 11010519491231002x ", "11010519491231002X\n"])
def test_it_normalizes_lowercase_x_and_surrounding_space(value):
    assert id_number_parse(value).number == ID_1949_FEMALE_X


@pytest.mark.parametrize("wrong", ["511002199803041210", "511002199803041216", "51100219980304121X"])
def test_it_refuses_a_wrong_check_character(wrong):
    with pytest.raises(IdNumberError, match="校验码"):
        id_number_parse(wrong)


def test_it_refuses_x_where_the_check_value_is_a_digit_and_a_digit_where_it_is_x():
    with pytest.raises(IdNumberError, match="校验码"):
        id_number_parse("110105194912310020")


@pytest.mark.parametrize(
    "value", ["", "5110021998", "51100219980304121", "5110021998030412150", "5110021998030412155555"]
)
def test_it_refuses_a_wrong_length(value):
    with pytest.raises(IdNumberError, match="18位"):
        id_number_parse(value)


def test_a_missing_value_counts_as_length_zero():
    with pytest.raises(IdNumberError, match="0位"):
        id_number_parse(None)  # type: ignore[arg-type]


@pytest.mark.parametrize("value", ["51100219980304A215", "5110021998O3041215", "X11002199803041215"])
def test_it_refuses_letters_among_the_first_seventeen(value):
    with pytest.raises(IdNumberError, match="前17位"):
        id_number_parse(value)


@pytest.mark.parametrize("prefix", ["99", "00", "10", "16", "24", "38", "47", "55", "66", "72", "83", "91"])
def test_it_refuses_an_unknown_province_prefix(prefix):
    with pytest.raises(IdNumberError, match="省级"):
        id_number_parse(with_check(prefix + "1002199803041" + "21"))


@pytest.mark.parametrize(
    "prefix", ["11", "15", "21", "23", "31", "37", "41", "46", "50", "54", "61", "65", "71", "81", "82"]
)
def test_it_accepts_every_known_province_prefix_and_any_county_code(prefix):
    number = with_check(prefix + "9999" + "19980304" + "121")
    assert id_number_parse(number).number == number


@pytest.mark.parametrize("date", ["19980230", "19990229", "19981301", "19980000", "19980431", "19980100"])
def test_it_refuses_an_impossible_birth_date(date):
    with pytest.raises(IdNumberError, match="真实日期"):
        id_number_parse(with_check("511002" + date + "121"))


def test_it_accepts_february_29_of_a_leap_year():
    assert id_number_parse(with_check("511002" + "20000229" + "121")).birth_date == datetime.date(2000, 2, 29)


def test_it_refuses_a_birth_date_in_the_future():
    today = datetime.date(2018, 3, 1)
    with pytest.raises(IdNumberError, match="未来"):
        id_number_parse(with_check("511002" + "20180302" + "121"), today=today)
    assert id_number_parse(with_check("511002" + "20180301" + "121"), today=today).birth_date == today


def test_it_refuses_a_birth_date_after_the_real_today():
    tomorrow = datetime.date.today() + datetime.timedelta(days=1)
    with pytest.raises(IdNumberError, match="未来"):
        id_number_parse(with_check(f"511002{tomorrow:%Y%m%d}121"))


def test_it_converts_a_legacy_15_digit_number():
    assert id_number_from_legacy("511002980304121") == ID_1998_MALE
    parsed = id_number_parse("511002980304121")
    assert (parsed.number, parsed.birth_date, parsed.gender) == (ID_1998_MALE, datetime.date(1998, 3, 4), "M")


def test_a_legacy_number_can_yield_an_x_check_character():
    assert id_number_parse("110105491231002").number == ID_1949_FEMALE_X


def test_it_refuses_a_legacy_number_with_an_impossible_date():
    with pytest.raises(IdNumberError, match="真实日期"):
        id_number_parse("511002980230121")


def test_a_15_character_value_that_is_not_all_digits_is_refused_by_length():
    with pytest.raises(IdNumberError, match="15位"):
        id_number_parse("51100298030412X")


@pytest.mark.parametrize(
    ("seq", "gender"), [("121", "M"), ("122", "F"), ("009", "M"), ("010", "F"), ("990", "F")]
)
def test_the_gender_comes_from_the_17th_digit(seq, gender):
    assert id_number_parse(with_check("511002" + "19980304" + seq)).gender == gender


@pytest.mark.parametrize("value", ["²11002199803041215", "51²002199803041215"])
def test_superscript_digits_are_refused_with_an_id_number_error(value):
    with pytest.raises(IdNumberError):
        id_number_parse(value)


FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


@pytest.mark.parametrize(
    "value",
    [
        ID_1949_FEMALE_X[:17].translate(FULLWIDTH) + "X",  # full-width digits, ASCII X
        "٥١١٠٠٢١٩٩٨٠٣٠٤١٢١5",  # Arabic-Indic digits for 51100219980304121, ASCII check 5
    ],
)
def test_non_ascii_digits_are_normalized_or_refused(value):
    try:
        parsed = id_number_parse(value)
    except IdNumberError:
        return
    assert parsed.number.isascii()
