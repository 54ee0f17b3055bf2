"""Amounts, ratios, terms and dates as people write them in Chinese: 230万, 1.5亿, 两百万, 百分之十五,
2027年3月, 明年. Money is exact (Decimal 元, to the 分); numerals are read by cn2an.

Every failure is an AmountError or DateError whose message names the input and what is wrong with it.
"""

from __future__ import annotations

import calendar
import re
import unicodedata
import warnings
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any

import cn2an

from .errors import AmountError, DateError
from .numerals import to_int

CENT = Decimal("0.01")
# No 政务信息化 project comes near this; a bigger figure is a slip of unit or digits.
MAX_AMOUNT = Decimal("100000000000")  # 1000亿元
MAX_INPUT = 60  # characters: an amount or a date is short; anything longer is not one
_UNITS = {"": 1, "千": 10**3, "万": 10**4, "十万": 10**5, "百万": 10**6, "千万": 10**7, "亿": 10**8}
_CN = "零〇一二三四五六七八九十百千两点壹贰叁肆伍陆柒捌玖拾佰仟"
_AMOUNT = re.compile(rf"^(?P<num>\d+(?:\.\d+)?|[{_CN}]+)(?P<unit>千万|百万|十万|千|万|亿)?(?P<yuan>元)?$")
# Thousands separators only where every group has three digits: 2,500,000 but not 2,0000,000.
_THOUSANDS = re.compile(r"(?<![\d,.])\d{1,3}(?:,\d{3})+(?![\d,])")
_PREFIXES = ("人民币", "rmb", "¥", "￥")
_TRADITIONAL = str.maketrans("萬億兩貳參陸", "万亿两贰叁陆")
_APPROXIMATE = re.compile(rf"^(?:约|大约|近|将近|差不多)|[\d{_CN}](?:多|余|来)[万亿元千百]|(?:左右|上下)$")
_YUAN = ("块钱", "块", "圆")
# 200万3 means 200万3千 to some and 200万零3 to others: refused rather than guessed.
# 200万3 may mean 2,000,003 or 2,003,000; 200万5000元 fills the 万's four places and is plain.
_ELIDED = re.compile(r"万\d{1,3}(?:\.\d+)?$|亿\d{1,7}(?:\.\d+)?$")


def _normalize(text: str) -> str:
    """NFKC folds full-width digits, ，and ％; spaces go; 圆/块 mean 元; 萬/億 are 万/亿; a closing 整 or
    人民币 is dropped."""
    s = unicodedata.normalize("NFKC", text).strip().lower()
    s = re.sub(r"\s+", "", s).translate(_TRADITIONAL)
    for word in _YUAN:
        s = s.replace(word, "元")
    return s.removesuffix("人民币").removesuffix("整")


def _shown(raw: str) -> str:
    return raw if len(raw) <= MAX_INPUT else raw[:MAX_INPUT] + "…"


# Currencies that are not 人民币: an amount in one is refused, never read as 元 (extract.py keeps it with its amount).
FOREIGN = r"美元|美金|日元|日圆|港币|港元|欧元|英镑|韩元|卢布|澳元|加元|新台币|台币|usd|eur|jpy|hkd|gbp"
_FOREIGN = re.compile(FOREIGN + r"|\$")


def parse_amount(
    text: str | int | float | Decimal, *, field: str = "金额", default_unit: str | None = None, allow_zero: bool = False
) -> Decimal:
    """An amount in 元. A number without 元/万/亿 is refused unless `default_unit` ('元', '万元') says what it is:
    230 (or 一千二百) could be 元 or 万元, and guessing would decide the verdict. Zero needs no unit, and is
    refused unless `allow_zero` (an input such as 减少额 may be nothing)."""
    if isinstance(text, int | float | Decimal):
        return check_amount(text, field=field, allow_zero=allow_zero)
    raw = text
    s = _normalize(raw)
    if len(s) > MAX_INPUT:
        raise AmountError(f"{field}“{_shown(raw)}”太长，不是一个金额。")
    for prefix in _PREFIXES:  # ¥230 and 人民币230 say 元 already
        if s.startswith(prefix):
            s = s.removeprefix(prefix)
            default_unit = default_unit or "元"
    if not s:
        raise AmountError(f"{field}为空，请填写金额，如 230万 或 2300000元。")
    if s.startswith(("-", "负", "−")):
        raise AmountError(f"{field}“{raw}”{_negative(allow_zero)}")
    if _APPROXIMATE.search(s):
        raise AmountError(f"{field}“{raw}”不是确数：判断要用具体金额，请写如 230万。")
    if _FOREIGN.search(s):
        raise AmountError(f"{field}“{raw}”不是人民币金额：办法中的金额以人民币计，请换算成人民币（元）后再问。")
    s = s.lstrip("+")
    s = _THOUSANDS.sub(lambda m: m.group(0).replace(",", ""), s)
    if "," in s:
        raise AmountError(f"{field}“{raw}”的千位分隔符位置不对，请写成 2,500,000元 或 2500000元。")
    if not re.search(r"[元万亿]", s) and default_unit is not None:
        s += default_unit.removesuffix("元") + "元"
    if _ELIDED.search(s.removesuffix("元")):
        raise AmountError(f"{field}“{raw}”有歧义，请写完整，如 200.3万 或 2003000元。")
    value = _read_amount(s)
    if value is None:
        raise AmountError(f"无法识别{field}“{raw}”，请写成 230万、230万元、1.5亿 或 2500000元。")
    if value == 0:  # nothing needs no unit
        return check_amount(Decimal(0), raw, field=field, allow_zero=allow_zero)
    if not re.search(r"[元万亿]", s):
        raise AmountError(
            f"{field}“{raw}”没有单位：请写明是 {format_amount(value)} 还是 {format_amount(value * 10**4)}（如 230万 或 2300000元）。"
        )
    return check_amount(value, raw, field=field, allow_zero=allow_zero)


def check_amount(
    value: Decimal | int | float, raw: str | None = None, *, field: str = "金额", allow_zero: bool = False
) -> Decimal:
    """Refuse what no project budget can be: not a number, negative, zero (unless allowed), finer than 分,
    absurdly large. Floats are read by their shortest repr (1999999.99, not its binary expansion)."""
    try:
        value = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    except (InvalidOperation, ValueError, TypeError):
        raise AmountError(f"{field}“{raw or value}”不是数字。") from None
    if not value.is_finite():
        raise AmountError(f"{field}“{raw or value}”不是有限的数。")
    shown = raw if raw is not None else format_amount(value)
    if value < 0:
        raise AmountError(f"{field}“{shown}”{_negative(allow_zero)}")
    if value == 0 and not allow_zero:
        raise AmountError(f"{field}“{shown}”为零：金额必须大于零。")
    if value > MAX_AMOUNT:
        raise AmountError(f"{field}“{shown}”超过1000亿元，不像政务信息化项目的金额，请检查单位或位数。")
    if value != value.quantize(CENT):
        raise AmountError(f"{field}“{shown}”精确到分以下，金额最小单位为分（0.01元）。")
    return value


def _negative(allow_zero: bool) -> str:
    return "是负数：金额不能为负数。" if allow_zero else "是负数：金额必须大于零。"


def _read_amount(s: str) -> Decimal | None:
    m = _AMOUNT.match(s)
    if m:
        number = _number(m.group("num"))
        if number is None:
            return None
        return number * _UNITS[m.group("unit") or ""]
    # Mixed forms such as 1亿2000万 or 一亿二千万: cn2an's smart mode reads them whole.
    body = s.removesuffix("元")
    if not body or not re.fullmatch(rf"[\d.{_CN}万亿]+", body):
        return None
    try:
        value = _quiet(cn2an.cn2an, body, "smart")
    except (ValueError, KeyError, IndexError):
        return None
    return Decimal(str(value))


def _number(s: str) -> Decimal | None:
    if s[0].isdigit():
        try:
            return Decimal(s)
        except InvalidOperation:
            return None
    if re.fullmatch("[〇零一二三四五六七八九]+", s) and len(s) > 1:  # 二〇〇: digit by digit
        return Decimal("".join(str("〇一二三四五六七八九".index(c.replace("零", "〇"))) for c in s))
    if s[0] in "百千":  # 百万 is 一百万
        s = "一" + s
    try:
        value = _quiet(cn2an.cn2an, s.replace("两", "二").replace("〇", "零"), "strict")
    except (ValueError, KeyError, IndexError):
        return None
    return Decimal(str(value))


def _quiet(function: Any, *args: Any) -> Any:
    """cn2an warns (UserWarning) on input it then rejects; the rejection is reported, the warning is noise."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return function(*args)


def parse_ratio(text: str, *, field: str = "比例") -> Fraction:
    """15%, 15％, 百分之十五, 百分之15, 15.5% → an exact fraction of one."""
    raw = text
    s = _normalize(text)
    m = re.fullmatch(r"(\d+(?:\.\d+)?)%", s) or re.fullmatch(rf"百分之(\d+(?:\.\d+)?|[{_CN}]+)", s)
    number = _number(m.group(1)) if m else None
    if number is None:
        raise AmountError(f"无法识别{field}“{raw}”，请写成 15% 或 百分之十五。")
    if number < 0 or number > 100:
        raise AmountError(f"{field}“{raw}”应在0%到100%之间。")
    return Fraction(number) / 100


def parse_years(text: str, *, field: str = "期限") -> int:
    """两年, 2年, 一年 → whole years."""
    s = _normalize(text)
    m = re.fullmatch(rf"(\d+|[{_CN}]+)(?:个)?(?:年|周年)", s)
    number = _number(m.group(1)) if m else None
    if number is None or number != int(number) or number <= 0:
        raise DateError(f"无法识别{field}“{text}”，请写成 两年 或 2年。")
    return int(number)


def parse_year_range(text: str, *, field: str = "期间") -> tuple[int, int]:
    """一至两年, 1-2年, 1到2年 → (1, 2)."""
    s = _normalize(text)
    m = re.fullmatch(rf"(\d+|[{_CN}]+)(?:年)?(?:至|到|-|~|—)(\d+|[{_CN}]+)(?:个)?年", s)
    low = _number(m.group(1)) if m else None
    high = _number(m.group(2)) if m else None
    if low is None or high is None or low != int(low) or high != int(high) or not 0 < low <= high:
        raise DateError(f"无法识别{field}“{text}”，请写成 一至两年 或 1-2年。")
    return int(low), int(high)


# --- money and ratios for people ----------------------------------------------------------------


def format_amount(value: Decimal) -> str:
    """2300000 → 230万元, 1999900 → 199.99万元, 150000000 → 1.5亿元, 2500.5 → 2,500.50元."""
    value = Decimal(value)
    for unit, size in (("亿元", Decimal(10**8)), ("万元", Decimal(10**4))):
        scaled = value / size
        if abs(value) >= size and scaled == scaled.quantize(Decimal("0.0001")):
            return f"{_plain(scaled)}{unit}"
    if value == value.to_integral_value():
        return f"{int(value):,}元"
    return f"{value.quantize(CENT):,}元"


def _plain(value: Decimal) -> str:
    return format(value.normalize(), "f")


def format_ratio(value: Fraction) -> str:
    """Exact when it terminates within four decimals (15%, 12.5%), else 约 with two (约 3.33%)."""
    percent = value * 100
    for places in range(5):
        scaled = percent * 10**places
        if scaled.denominator == 1:
            return f"{_plain(Decimal(int(scaled)) / 10**places)}%"
    rounded = Decimal(percent.numerator) / Decimal(percent.denominator)
    return f"约{rounded.quantize(CENT)}%"


def yuan_json(value: Decimal) -> int | float:
    """Amounts in JSON: an integer of 元 where exact, else a float to the 分."""
    return int(value) if value == value.to_integral_value() else float(value.quantize(CENT))


# --- dates -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DateSpan:
    """A day, or a whole month or year when that is all the text says (2027年3月 is 03-01 to 03-31)."""

    start: date
    end: date
    text: str

    @property
    def is_day(self) -> bool:
        return self.start == self.end

    def describe(self) -> str:
        if self.is_day:
            return self.start.isoformat()
        if self.end.year == MAX_YEAR and (self.end.month, self.end.day) == (12, 31):  # "之后": open-ended
            return f"{self.start.isoformat()} 起"
        return f"{self.start.isoformat()} 至 {self.end.isoformat()}"

    @classmethod
    def day(cls, day: date) -> DateSpan:
        return cls(day, day, day.isoformat())


MIN_YEAR, MAX_YEAR = 1949, 2100
_RELATIVE_DAYS = {
    "今天": 0,
    "今日": 0,
    "明天": 1,
    "明日": 1,
    "后天": 2,
    "大后天": 3,
    "昨天": -1,
    "昨日": -1,
    "前天": -2,
}
_RELATIVE_YEARS = {"今年": 0, "本年": 0, "明年": 1, "下一年": 1, "后年": 2, "去年": -1, "上一年": -1, "前年": -2}
_RELATIVE_MONTHS = {"本月": 0, "这个月": 0, "下个月": 1, "下月": 1, "上个月": -1, "上月": -1}
_YMD = re.compile(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})[日号]?")
_YM = re.compile(r"(\d{4})[-/.年](\d{1,2})月?(初|底|末)?")
_Y = re.compile(r"(\d{4})年?(初|底|末)?")


def parse_date(text: str | date, *, as_of: date, field: str = "日期") -> DateSpan:
    """2025-06-01, 2025年6月1日, 二〇二五年六月一日, 2027年3月 (the month), 2027年 (the year), 明年 / 下个月 /
    今天 / 下周 / 5天后 / 12月 (relative to `as_of`), 明年3月; a bound (2026年11月30日之后 is from 12-01 on,
    2026年12月1日前 is from `as_of` to 11-30) or a range (2026年11月到2026年12月)."""
    if isinstance(text, date):
        return DateSpan.day(text)
    raw = text
    s = _normalize(text)
    if not s:
        raise DateError(f"{field}为空，请填写日期，如 2025-06-01 或 2027年3月。")
    if len(s) > MAX_INPUT:
        raise DateError(f"{field}“{_shown(raw)}”太长，不是一个日期。")
    check_year(as_of, "参照日期")
    try:
        span = _read_bounded(s, as_of)
        if span is None and re.search(r"[〇零一二两三四五六七八九十]", s):  # 二〇二五年六月 → 2025年6月
            span = _read_bounded(_quiet(cn2an.transform, s, "cn2an"), as_of)
    except (ValueError, OverflowError):
        raise DateError(f"{field}“{raw}”不是存在的日期（如 2月30日），请检查。") from None
    if span is None:
        raise DateError(f"无法识别{field}“{raw}”，请写成 2025-06-01、2025年6月1日、2027年3月 或 明年。")
    if span.end < span.start:
        raise DateError(f"{field}“{raw}”的结束早于开始，请检查。")
    check_year(span.start, f"{field}“{raw}”")
    check_year(span.end, f"{field}“{raw}”")
    return DateSpan(span.start, span.end, raw.strip())


def parse_day(text: str, *, as_of: date, field: str = "日期") -> date:
    """One day, for an as-of date: 2026-11-26, 2026年11月26日, 明天; a month or a year is refused."""
    span = parse_date(text, as_of=as_of, field=field)
    if not span.is_day:
        raise DateError(f"{field}“{text}”不是具体的某一天，请写成 YYYY-MM-DD，如 2025-06-01。")
    return span.start


def check_year(day: date, what: str) -> date:
    if not MIN_YEAR <= day.year <= MAX_YEAR:
        raise DateError(f"{what}的年份超出 {MIN_YEAR}–{MAX_YEAR}，请检查。")
    return day


_AFTER = re.compile(r"(.+?)(之后|以后|往后|后|起|开始)$")
_BEFORE = re.compile(r"(.+?)(之前|以前|前|为止|止)$")
_RANGE = re.compile(r"(.+?)(?:到|至|~|～)(.+)")
_LATER = re.compile(r"(\d{1,3}|[一二两三四五六七八九十]+)(天|日|周|个星期|星期|个月|年)(?:以后|之后|后)")
_WEEK = re.compile(r"(本|这|下|上)个?(?:周|星期)([一二三四五六日天末])?")
_WEEK_SHIFT = {"本": 0, "这": 0, "下": 1, "上": -1}
_FAR = date(MAX_YEAR, 12, 31)
# 未来一周, 10天内, 三个月之内: from the as-of date to the end of the period.
_WITHIN = re.compile(
    r"(?:未来|接下来|今后)(\d{1,3}|[一二两三四五六七八九十]+)个?(天|日|周|星期|月|年)(?:内|之内|以内)?"
    r"|(\d{1,3}|[一二两三四五六七八九十]+)个?(天|日|周|星期|月|年)(?:之内|以内|内)"
)


def _read_bounded(s: str, as_of: date) -> DateSpan | None:
    """A date, or a bound or range made of dates: X之后/后 starts the day after X, X起/以后 on X itself
    (以后, like 以上, reads as including X); X之前 ends the day before X (X为止 on X) and starts no later
    than `as_of`."""
    span = _read_date(s, as_of)
    if span is not None:
        return span
    if m := _RANGE.fullmatch(s):
        first, last = _read_date(m.group(1), as_of), _read_date(m.group(2), as_of)
        return DateSpan(first.start, last.end, s) if first and last else None
    if m := _AFTER.fullmatch(s):
        base = _read_date(m.group(1), as_of)
        if base is None:
            return None
        start = base.start if m.group(2) in ("起", "开始", "以后", "往后") else base.end + timedelta(days=1)
        return DateSpan(start, max(start, _FAR), s)
    if m := _BEFORE.fullmatch(s):
        base = _read_date(m.group(1), as_of)
        if base is None:
            return None
        inclusive = m.group(2) in ("为止", "止") or m.group(1).endswith(("底", "末"))
        end = base.end if inclusive else base.start - timedelta(days=1)
        return DateSpan(min(as_of, end), end, s)
    return None


def _read_date(s: str, as_of: date) -> DateSpan | None:
    if m := _WEEK.fullmatch(s):  # 下周 (Monday to Sunday), 下周三, 这周末 (Saturday and Sunday)
        monday = as_of - timedelta(days=as_of.weekday()) + timedelta(weeks=_WEEK_SHIFT[m.group(1)])
        day = m.group(2)
        if day is None:
            return DateSpan(monday, monday + timedelta(days=6), s)
        if day == "末":
            return DateSpan(monday + timedelta(days=5), monday + timedelta(days=6), s)
        one = monday + timedelta(days="一二三四五六日".index(day) if day != "天" else 6)
        return DateSpan(one, one, s)
    if m := _WITHIN.fullmatch(s):
        count, unit = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(4))
        end = _later(as_of, int(count) if count.isdigit() else to_int(count), unit)
        return DateSpan(as_of, end, s)
    if m := _LATER.fullmatch(s):
        day = _later(as_of, int(m.group(1)) if m.group(1).isdigit() else to_int(m.group(1)), m.group(2))
        return DateSpan(day, day, s)
    if re.fullmatch(r"\d{1,2}月.*|年[初底末]", s):  # 12月, 12月1日, 年底: this year's
        s = "今年" + s.removeprefix("年") if s.startswith("年") else "今年" + s
    if s in _RELATIVE_DAYS:
        day = as_of + timedelta(days=_RELATIVE_DAYS[s])
        return DateSpan(day, day, s)
    for word, shift in _RELATIVE_YEARS.items():
        if s.startswith(word):
            rest = s.removeprefix(word)
            year = as_of.year + shift
            if not rest:
                return _year(year)
            m = re.fullmatch(r"(\d{1,2})月(?:(\d{1,2})[日号])?", rest)
            if m:
                return _day(year, int(m.group(1)), int(m.group(2))) if m.group(2) else _month(year, int(m.group(1)))
            if rest in ("初", "底", "末", "年初", "年底", "年末"):
                return _year_part(year, rest[-1])
            return None
    if s in _RELATIVE_MONTHS:
        index = as_of.year * 12 + as_of.month - 1 + _RELATIVE_MONTHS[s]
        return _month(index // 12, index % 12 + 1)
    if m := _YMD.fullmatch(s):
        return _day(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    if m := _YM.fullmatch(s):
        year, month, part = int(m.group(1)), int(m.group(2)), m.group(3)
        span = _month(year, month)
        if part in ("底", "末"):
            return DateSpan(span.end, span.end, s)
        if part == "初":
            return DateSpan(span.start, span.start, s)
        return span
    if (m := _Y.fullmatch(s)) and ("年" in s or len(s) == 4):
        return _year_part(int(m.group(1)), m.group(2)) if m.group(2) else _year(int(m.group(1)))
    return None


def _later(as_of: date, n: int, unit: str) -> date:
    """The day n days, weeks, months or years after `as_of` (a month end stays within its month)."""
    if unit in ("天", "日"):
        return as_of + timedelta(days=n)
    if unit in ("周", "个星期", "星期"):
        return as_of + timedelta(weeks=n)
    if unit in ("个月", "月"):
        year, month = divmod(as_of.year * 12 + as_of.month - 1 + n, 12)
        return date(year, month + 1, min(as_of.day, calendar.monthrange(year, month + 1)[1]))
    return add_years(as_of, n)


def _day(year: int, month: int, day: int) -> DateSpan:
    d = date(year, month, day)
    return DateSpan(d, d, d.isoformat())


def _month(year: int, month: int) -> DateSpan:
    last = calendar.monthrange(year, month)[1]
    return DateSpan(date(year, month, 1), date(year, month, last), f"{year}-{month:02d}")


def _year(year: int) -> DateSpan:
    return DateSpan(date(year, 1, 1), date(year, 12, 31), str(year))


def _year_part(year: int, part: str) -> DateSpan:
    day = date(year, 12, 31) if part in ("底", "末") else date(year, 1, 1)
    return DateSpan(day, day, day.isoformat())


def add_years(day: date, years: int) -> date:
    """The corresponding day `years` later; 2月29日 with no counterpart falls on the month's last day."""
    year = day.year + years
    last = calendar.monthrange(year, day.month)[1]
    return date(year, day.month, min(day.day, last))
