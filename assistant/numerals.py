"""Chinese ↔ Arabic numerals as used in article numbers (第二十一条 ↔ 21)."""

from __future__ import annotations

import unicodedata

import cn2an

# Characters that may form the number inside 第…条/款/项/章.
CN_DIGITS = "零〇一二三四五六七八九十百千两"


def to_int(numeral: str) -> int:
    """Read '二十一', '21' or full-width '２１' as 21; raise ValueError otherwise."""
    s = unicodedata.normalize("NFKC", numeral).strip()
    if not s:
        raise ValueError("empty numeral")
    if s.isdigit():
        return int(s)
    if any(ch not in CN_DIGITS for ch in s):
        raise ValueError(f"not a numeral: {numeral!r}")
    s = s.replace("两", "二").replace("〇", "零")
    try:
        value = cn2an.cn2an(s, "strict")
    except ValueError as exc:
        raise ValueError(f"not a numeral: {numeral!r}") from exc
    return int(value)


def to_chinese(n: int) -> str:
    """21 → '二十一', 10 → '十', 110 → '一百一十' (the forms statutes use)."""
    if n < 0:
        raise ValueError("article numbers are positive")
    return cn2an.an2cn(n)
