"""Amounts, ratios, terms and dates as people write them."""

from __future__ import annotations

import warnings
from datetime import date
from decimal import Decimal
from fractions import Fraction

import cn2an
import pytest
from hypothesis import given
from hypothesis import strategies as st

from assistant.amounts import (
    DateSpan,
    add_years,
    format_amount,
    format_ratio,
    parse_amount,
    parse_date,
    parse_ratio,
    parse_year_range,
    parse_years,
    yuan_json,
)
from assistant.errors import AmountError, DateError, RequestError

WAN = Decimal(10_000)


@pytest.mark.parametrize(
    ("text", "yuan"),
    [
        ("230万", 230 * WAN),
        ("230万元", 230 * WAN),
        ("1.5亿", Decimal(150_000_000)),
        ("1.5亿元", Decimal(150_000_000)),
        ("2500000元", Decimal(2_500_000)),
        ("2,500,000元", Decimal(2_500_000)),
        ("两百万", 200 * WAN),
        ("三百五十万元", 350 * WAN),
        ("一千万", 1000 * WAN),
        ("1,000万", 1000 * WAN),
        ("２３０万", 230 * WAN),  # full-width digits
        ("１，０００万元", 1000 * WAN),  # full-width comma
        ("199.99万元", Decimal("1999900")),
        ("1亿2000万", Decimal(120_000_000)),
        ("200万5000元", Decimal(2_005_000)),  # the 万's four places filled: plain
        ("199万9千元", Decimal(1_999_000)),
        ("一亿二千万", Decimal(120_000_000)),
        ("一点五亿", Decimal(150_000_000)),
        ("2百万", 200 * WAN),
        ("人民币230万元", 230 * WAN),
        ("￥2,500,000", Decimal(2_500_000)),  # the sign says 元
        (" 230 万 元 ", 230 * WAN),
        ("230萬", 230 * WAN),
        ("200万元整", 200 * WAN),
        ("1234.56元", Decimal("1234.56")),
        ("贰佰万元", 200 * WAN),  # 大写
        ("壹仟万元整", 1000 * WAN),
        ("200万元人民币", 200 * WAN),
        ("2,500,000.50元", Decimal("2500000.50")),
        ("一万零一元", Decimal(10001)),
    ],
)
def test_amounts_in_every_form(text: str, yuan: Decimal) -> None:
    assert parse_amount(text) == yuan


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("-100万", "负数"),
        ("负100万", "负数"),
        ("0元", "为零"),
        ("0", "为零"),
        ("99999亿", "超过1000亿元"),
        ("0.001元", "精确到分以下"),
        ("abc", "无法识别"),
        ("二十万块零", "无法识别"),
        ("2,50,000元", "千位分隔符"),
        ("", "为空"),
        ("   ", "为空"),
        ("230", "没有单位"),  # 230元 or 230万元? guessing would decide the verdict
        ("一千二百三十四", "没有单位"),  # 百 and 千 are digits here, not units
        ("2千", "没有单位"),
        ("2,0000,000元", "千位分隔符"),
        ("1,0000万", "千位分隔符"),
        ("1,2345元", "千位分隔符"),
        ("200万3", "有歧义"),
        ("1亿2000", "有歧义"),
        ("约200万", "不是确数"),
        ("200多万", "不是确数"),
        ("200万左右", "不是确数"),
        ("NaN", "无法识别"),
        ("Infinity", "无法识别"),
        ("2e6元", "无法识别"),
        ("1.5.3万", "无法识别"),
        ("9" * 200, "太长"),
    ],
)
def test_bad_amounts_name_the_problem(text: str, problem: str) -> None:
    with pytest.raises(AmountError) as err:
        parse_amount(text, field="总投资")
    assert problem in str(err.value) and "总投资" in str(err.value)
    assert isinstance(err.value, RequestError)


def test_zero_allowed_where_an_input_may_be_nothing() -> None:
    assert parse_amount("0", allow_zero=True) == 0
    assert parse_amount("0元", allow_zero=True) == 0
    with pytest.raises(AmountError, match="金额不能为负数"):
        parse_amount("-1万", allow_zero=True)


@pytest.mark.parametrize(
    ("value", "expected"),
    [(1999999.99, Decimal("1999999.99")), (2_300_000, Decimal(2_300_000)), (Decimal("2300000.00"), Decimal(2_300_000))],
)
def test_numbers_from_the_python_api(value: object, expected: Decimal) -> None:
    assert parse_amount(value) == expected  # a float is read by its repr, not its binary expansion


@pytest.mark.parametrize("value", [float("nan"), Decimal("NaN"), Decimal("Infinity"), float("inf")])
def test_non_finite_numbers_are_refused(value: object) -> None:
    with pytest.raises(AmountError, match="不是有限的数"):
        parse_amount(value)


def test_cn2an_warnings_do_not_reach_users() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(DateError):
            parse_date("二零二五年六月一日百", as_of=AS_OF)
        with pytest.raises(AmountError):
            parse_amount("一二三万五")


def test_a_bare_number_with_a_declared_unit() -> None:
    assert parse_amount("230", default_unit="万元") == 230 * WAN
    assert parse_amount("230", default_unit="元") == Decimal(230)


# Unit invariance: the same amount written in 元, 万元 and 亿元 reads the same.
@given(st.integers(min_value=1, max_value=10**13))
def test_unit_invariance(fen: int) -> None:
    yuan = Decimal(fen) / 100
    forms = [f"{yuan:f}元", f"{yuan / WAN:f}万元", f"{yuan / 10**8:f}亿元", f"{yuan / WAN:f}万"]
    assert {parse_amount(form) for form in forms} == {yuan}


@given(st.integers(min_value=1, max_value=99_999_999), st.integers(min_value=1, max_value=9_999))
def test_chinese_numerals_round_trip_through_cn2an(n: int, wan: int) -> None:
    assert parse_amount(cn2an.an2cn(n) + "元") == n
    assert parse_amount(cn2an.an2cn(wan) + "万") == wan * WAN  # 三百五十万; nobody writes 一万万


@given(st.integers(min_value=1, max_value=10**13))
def test_format_amount_reads_back(fen: int) -> None:
    yuan = Decimal(fen) / 100
    assert parse_amount(format_amount(yuan)) == yuan


def test_format_amount_prefers_the_unit_people_use() -> None:
    assert format_amount(Decimal(2_300_000)) == "230万元"
    assert format_amount(Decimal(1_999_900)) == "199.99万元"
    assert format_amount(Decimal(150_000_000)) == "1.5亿元"
    assert format_amount(Decimal(5000)) == "5,000元"
    assert format_amount(Decimal("12345.67")) == "12,345.67元"
    assert yuan_json(Decimal(2_300_000)) == 2_300_000 and yuan_json(Decimal("0.5")) == 0.5


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("15%", Fraction(3, 20)),
        ("15％", Fraction(3, 20)),
        ("百分之十五", Fraction(3, 20)),
        ("百分之15", Fraction(3, 20)),
        ("12.5%", Fraction(1, 8)),
    ],
)
def test_ratios(text: str, value: Fraction) -> None:
    assert parse_ratio(text) == value


@pytest.mark.parametrize("text", ["15", "百分之", "150%", "-5%", "十五%%"])
def test_bad_ratios(text: str) -> None:
    with pytest.raises(AmountError):
        parse_ratio(text)


def test_format_ratio_is_exact_or_says_approximately() -> None:
    assert format_ratio(Fraction(3, 20)) == "15%"
    assert format_ratio(Fraction(1, 8)) == "12.5%"
    assert format_ratio(Fraction(1, 3)) == "约33.33%"


def test_terms() -> None:
    assert parse_years("两年") == 2 and parse_years("2年") == 2 and parse_years("一年") == 1
    assert parse_year_range("一至两年") == (1, 2) and parse_year_range("1-2年") == (1, 2)
    for bad in ("两月", "零年", "两至一年"):
        with pytest.raises(DateError):
            parse_years(bad) if "至" not in bad else parse_year_range(bad)


AS_OF = date(2026, 11, 26)


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("2025-06-01", date(2025, 6, 1), date(2025, 6, 1)),
        ("2025年6月1日", date(2025, 6, 1), date(2025, 6, 1)),
        ("2025年6月1号", date(2025, 6, 1), date(2025, 6, 1)),
        ("2025/6/1", date(2025, 6, 1), date(2025, 6, 1)),
        ("2026.11.30", date(2026, 11, 30), date(2026, 11, 30)),
        ("二〇二五年六月一日", date(2025, 6, 1), date(2025, 6, 1)),
        ("２０２５－０６－０１", date(2025, 6, 1), date(2025, 6, 1)),
        ("2027年3月", date(2027, 3, 1), date(2027, 3, 31)),  # the whole month
        ("2027-03", date(2027, 3, 1), date(2027, 3, 31)),
        ("2027年3月底", date(2027, 3, 31), date(2027, 3, 31)),
        ("2027年", date(2027, 1, 1), date(2027, 12, 31)),
        ("2027年底", date(2027, 12, 31), date(2027, 12, 31)),
        ("明年", date(2027, 1, 1), date(2027, 12, 31)),  # relative to the as-of date
        ("明年3月", date(2027, 3, 1), date(2027, 3, 31)),
        ("明年三月", date(2027, 3, 1), date(2027, 3, 31)),
        ("去年", date(2025, 1, 1), date(2025, 12, 31)),
        ("今天", AS_OF, AS_OF),
        ("明天", date(2026, 11, 27), date(2026, 11, 27)),
        ("下个月", date(2026, 12, 1), date(2026, 12, 31)),
        ("2024年2月", date(2024, 2, 1), date(2024, 2, 29)),
        # no year: this year's
        ("十二月", date(2026, 12, 1), date(2026, 12, 31)),
        ("12月1日", date(2026, 12, 1), date(2026, 12, 1)),
        ("年底", date(2026, 12, 31), date(2026, 12, 31)),
        # weeks and counted days from the as-of date (a Thursday)
        ("下周", date(2026, 11, 30), date(2026, 12, 6)),
        ("本周", date(2026, 11, 23), date(2026, 11, 29)),
        ("下周三", date(2026, 12, 2), date(2026, 12, 2)),
        ("下星期日", date(2026, 12, 6), date(2026, 12, 6)),
        ("这周末", date(2026, 11, 28), date(2026, 11, 29)),
        ("5天后", date(2026, 12, 1), date(2026, 12, 1)),
        ("一周后", date(2026, 12, 3), date(2026, 12, 3)),
        ("两个月后", date(2027, 1, 26), date(2027, 1, 26)),
        ("3年后", date(2029, 11, 26), date(2029, 11, 26)),
        ("大后天", date(2026, 11, 29), date(2026, 11, 29)),
        ("10天内", AS_OF, date(2026, 12, 6)),
        ("未来一周", AS_OF, date(2026, 12, 3)),
        ("三个月之内", AS_OF, date(2027, 2, 26)),
        # bounds: 之后 starts the next day, 起 on the day; 之前 ends the day before, from the as-of date
        ("2026年11月30日之后", date(2026, 12, 1), date(2100, 12, 31)),
        ("2026年11月以后", date(2026, 11, 1), date(2100, 12, 31)),  # 以后 includes the month itself
        ("2027年以后", date(2027, 1, 1), date(2100, 12, 31)),  # a year, not 2027 years from now
        ("2026年12月1日起", date(2026, 12, 1), date(2100, 12, 31)),
        ("2026年12月1日前", AS_OF, date(2026, 11, 30)),
        ("年底前", AS_OF, date(2026, 12, 31)),
        ("2025年3月1日为止", date(2025, 3, 1), date(2025, 3, 1)),
        # ranges
        ("2026年11月到2026年12月", date(2026, 11, 1), date(2026, 12, 31)),
        ("2025-01-01至2025-06-30", date(2025, 1, 1), date(2025, 6, 30)),
    ],
)
def test_dates(text: str, start: date, end: date) -> None:
    span = parse_date(text, as_of=AS_OF)
    assert (span.start, span.end) == (start, end)
    assert span.text == text.strip()


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("2025-02-30", "不是存在的日期"),
        ("3000年", "年份超出"),
        ("2026年12月到2026年11月", "结束早于开始"),
        ("截至明后年", "无法识别"),
        ("", "为空"),
        ("下下周", "无法识别"),
        ("2026年13月", "不是存在的日期"),
        ("2026年11月中", "无法识别"),  # not silently the whole month
        ("2" * 100, "太长"),
    ],
)
def test_bad_dates(text: str, problem: str) -> None:
    with pytest.raises(DateError, match=problem):
        parse_date(text, as_of=AS_OF)


def test_relative_dates_near_the_ends_of_the_calendar() -> None:
    with pytest.raises(DateError, match="参照日期的年份超出"):
        parse_date("昨天", as_of=date(1, 1, 1))
    with pytest.raises(DateError, match="年份超出"):
        parse_date("明年", as_of=date(2100, 6, 1))


def test_relative_dates_follow_the_as_of_date() -> None:
    assert parse_date("明年", as_of=date(2030, 1, 1)).start == date(2031, 1, 1)
    assert parse_date("下个月", as_of=date(2026, 12, 15)).start == date(2027, 1, 1)
    assert parse_date(date(2025, 1, 2), as_of=AS_OF) == DateSpan.day(date(2025, 1, 2))


def test_add_years_uses_the_corresponding_day_or_the_month_end() -> None:
    assert add_years(date(2024, 12, 1), 2) == date(2026, 12, 1)
    assert add_years(date(2024, 2, 29), 1) == date(2025, 2, 28)
    assert add_years(date(2024, 2, 29), 4) == date(2028, 2, 29)


def test_an_open_ended_span_is_described_as_a_start() -> None:
    assert parse_date("2026年11月30日之后", as_of=AS_OF).describe() == "2026-12-01 起"
    assert parse_date("2027年3月", as_of=AS_OF).describe() == "2027-03-01 至 2027-03-31"


@pytest.mark.parametrize("text", ["30万美元", "3000万日元", "230万港币", "50万欧元", "$300000", "230万USD"])
def test_foreign_currency_is_refused_not_read_as_yuan(text: str) -> None:
    with pytest.raises(AmountError, match="不是人民币金额"):
        parse_amount(text)
