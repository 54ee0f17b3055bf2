from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from assistant.numerals import to_chinese, to_int


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("一", 1),
        ("十", 10),
        ("十九", 19),
        ("二十一", 21),
        ("一百零一", 101),
        ("一百一十", 110),
        ("21", 21),
        ("２１", 21),
        ("两百", 200),
        ("一百〇一", 101),
    ],
)
def test_to_int(text: str, value: int) -> None:
    assert to_int(text) == value


@pytest.mark.parametrize("text", ["", "  ", "abc", "二十x", "第八"])
def test_to_int_rejects(text: str) -> None:
    with pytest.raises(ValueError):
        to_int(text)


@pytest.mark.parametrize(
    ("value", "text"), [(1, "一"), (10, "十"), (21, "二十一"), (101, "一百零一"), (110, "一百一十")]
)
def test_to_chinese_uses_statute_forms(value: int, text: str) -> None:
    assert to_chinese(value) == text


@given(st.integers(min_value=1, max_value=9999))
def test_round_trip(n: int) -> None:
    assert to_int(to_chinese(n)) == n
