import datetime as dt

import pytest

from ganxun.core.idcard import InvalidIdNumber, check_char, make_id_number, parse_id_number


def test_it_accepts_a_valid_number_and_reads_birth_and_gender():
    number = make_id_number("330102", dt.date(1975, 3, 1), 12, "F")
    parsed = parse_id_number(number)
    assert parsed.number == number
    assert parsed.birth_date == dt.date(1975, 3, 1)
    assert parsed.gender == "F"
    assert int(number[16]) % 2 == 0


def test_it_knows_the_published_example():
    # The standard's worked example: 11010519491231002X.
    parsed = parse_id_number("11010519491231002x")
    assert parsed.number == "11010519491231002X"
    assert parsed.gender == "F"
    assert parsed.birth_date == dt.date(1949, 12, 31)


def test_it_rejects_a_wrong_check_character():
    number = make_id_number("330102", dt.date(1980, 1, 1), 5, "M")
    wrong = number[:17] + ("0" if number[17] != "0" else "1")
    with pytest.raises(InvalidIdNumber, match="校验位"):
        parse_id_number(wrong)


@pytest.mark.parametrize(
    "raw, reason",
    [
        ("", "为空"),
        ("33010219800101", "18位"),
        ("3301021980010100AA", "数字"),
        ("990102198001010011", "省级"),
        ("330102198002300011", "出生日期无效"),
    ],
)
def test_it_explains_what_is_wrong(raw, reason):
    with pytest.raises(InvalidIdNumber, match=reason):
        parse_id_number(raw)


def test_it_rejects_a_birth_date_in_the_future():
    body = "33010220991231001"
    with pytest.raises(InvalidIdNumber, match="不合理"):
        parse_id_number(body + check_char(body))


def test_it_tolerates_full_width_digits_spaces_and_numbers_from_spreadsheets():
    number = make_id_number("330102", dt.date(1980, 8, 8), 7, "M")
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in number)
    assert parse_id_number(f"  {full_width} ").number == number
    assert parse_id_number(f"{number[:6]} {number[6:]}").number == number
    if number[17] != "X":
        assert parse_id_number(int(number)).number == number


def test_it_explains_truncation_when_a_number_cell_lost_digits():
    number = "330102198008080076"
    damaged = float(number)  # an 18-digit number does not survive a float
    if str(int(damaged)) != number:
        with pytest.raises(InvalidIdNumber, match="文本格式"):
            parse_id_number(damaged)


def test_it_upgrades_a_15_digit_number():
    parsed = parse_id_number("330102800808007")
    assert parsed.number.startswith("33010219800808007")
    assert len(parsed.number) == 18
    assert parsed.birth_date == dt.date(1980, 8, 8)
