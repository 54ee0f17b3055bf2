from __future__ import annotations

import pytest

from assistant.errors import ReferenceSyntaxError
from assistant.references import UnitRef, parse_ref, unit_label


@pytest.mark.parametrize(
    ("text", "ref"),
    [
        ("19", UnitRef(19)),
        ("二十一", UnitRef(21)),
        ("第8条", UnitRef(8)),
        ("第二十一条第二款", UnitRef(21, paragraph=2)),
        ("第十条第（三）项", UnitRef(10, item=3)),
        ("第十条第(三)项", UnitRef(10, item=3)),
        ("第 十 条 第 三 项", UnitRef(10, item=3)),
        ("第二十一条第一款第（三）项第2目", UnitRef(21, None, 1, 3, 2)),
        ("第十条之一", UnitRef(10, suffix=1)),
        ("办法第19条", UnitRef(19, document="办法")),
        ("《政府采购法》第二条", UnitRef(2, document="政府采购法")),
        ("包府办发〔2024〕106号第十九条", UnitRef(19, document="包府办发〔2024〕106号")),
        ("１９", UnitRef(19)),
    ],
)
def test_parse_ref(text: str, ref: UnitRef) -> None:
    assert parse_ref(text) == ref


@pytest.mark.parametrize(
    ("text", "fragment"),
    [("", "为空"), ("   ", "为空"), ("abc", "无法识别"), ("第零条", "从 1 开始"), ("第十款", "无法识别")],
)
def test_parse_ref_errors_are_chinese_and_specific(text: str, fragment: str) -> None:
    with pytest.raises(ReferenceSyntaxError) as err:
        parse_ref(text)
    assert fragment in str(err.value)


def test_labels() -> None:
    assert unit_label(21, paragraph=1, item=3) == "第二十一条第一款第（三）项"
    assert unit_label(10, suffix=1) == "第十条之一"
    assert UnitRef(19).label() == "第十九条"
    assert UnitRef(10, suffix=2).article_key == "10-2"
