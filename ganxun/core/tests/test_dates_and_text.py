import datetime as dt

import pytest

from ganxun.core.dates import InvalidDate, parse_loose_date
from ganxun.core.masking import mask_id_number, mask_phone
from ganxun.core.text import clean, clean_name, clean_phone, is_valid_phone


@pytest.mark.parametrize(
    "raw, expected, has_day",
    [
        ("1975-03-01", dt.date(1975, 3, 1), True),
        ("1975/3/1", dt.date(1975, 3, 1), True),
        ("1975.3.1", dt.date(1975, 3, 1), True),
        ("1975年3月1日", dt.date(1975, 3, 1), True),
        ("1975 年 3 月", dt.date(1975, 3, 1), False),
        ("1975.03", dt.date(1975, 3, 1), False),
        ("１９７５．０３", dt.date(1975, 3, 1), False),
        ("197503", dt.date(1975, 3, 1), False),
        ("19750301", dt.date(1975, 3, 1), True),
        (1975.03, dt.date(1975, 3, 1), False),
        (1975.1, dt.date(1975, 10, 1), False),  # "1975.10" typed into a number cell
        (27454, dt.date(1975, 3, 1), True),  # Excel serial (epoch 1899-12-30)
        (dt.datetime(1975, 3, 1, 0, 0), dt.date(1975, 3, 1), True),
        ("1975-03-01 00:00:00", dt.date(1975, 3, 1), True),
    ],
)
def test_it_reads_the_dates_cadre_records_hold(raw, expected, has_day):
    parsed = parse_loose_date(raw)
    assert parsed.date == expected
    assert parsed.has_day is has_day


def test_it_returns_none_for_empty_and_explains_nonsense():
    assert parse_loose_date("") is None
    assert parse_loose_date(None) is None
    assert parse_loose_date("  ") is None
    with pytest.raises(InvalidDate, match="无法识别"):
        parse_loose_date("三月")
    with pytest.raises(InvalidDate, match="不存在"):
        parse_loose_date("1975-02-30")


def test_month_precision_agrees_with_any_day_of_that_month():
    assert parse_loose_date("1975.03").agrees_with(dt.date(1975, 3, 17))
    assert not parse_loose_date("1975.03").agrees_with(dt.date(1975, 4, 1))
    assert not parse_loose_date("1975-03-02").agrees_with(dt.date(1975, 3, 1))


def test_it_cleans_full_width_and_stray_spaces():
    assert clean("　ＡＢＣ１２３　 ") == "ABC123"
    assert clean("东城区  发展\u00a0和改革局") == "东城区 发展 和改革局"
    assert clean_name(" 张 三 ") == "张三"
    assert clean_name("阿依古丽・买买提") == "阿依古丽·买买提"
    assert clean_name("John  Smith") == "John Smith"


def test_it_cleans_and_checks_phones():
    assert clean_phone(13800138000.0) == "13800138000"
    assert clean_phone("+86 138 0013 8000") == "13800138000"
    assert is_valid_phone("13800138000")
    assert is_valid_phone("0571-87654321")
    assert not is_valid_phone("12345")


def test_masks_hide_the_middle():
    assert mask_id_number("11010519491231002X") == "110***********002X"
    assert mask_phone("13800138000") == "138****8000"
    assert mask_id_number("") == "" and mask_phone("") == ""
