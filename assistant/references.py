"""Parse and format references to units: 第二十一条第一款第（三）项, 第8条, 《政府采购法》第二条."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from .errors import ReferenceSyntaxError
from .numerals import CN_DIGITS, to_chinese, to_int

_N = rf"[0-9{CN_DIGITS}]+"
_REF = re.compile(
    rf"^(?P<doc>.*?)第?(?P<art>{_N})条(?:之(?P<suf>{_N}))?"
    rf"(?:第(?P<para>{_N})款)?"
    rf"(?:第?\(?(?P<item>{_N})\)?项)?"
    rf"(?:第(?P<sub>{_N})目)?$"
)

_BARE = re.compile(rf"^{_N}$")
MAX_NUMBER = 9999  # no statute comes near; bigger numbers are typing errors
TITLE_MARKS = re.compile(r"《([^》]{1,60})》")  # a title as written in 书名号


def number_error(written: str) -> str:
    """What to say about 第0条 or 第10000条."""
    return f"条文编号“{written.strip()}”无效：编号从 1 开始，且不超过 {MAX_NUMBER}。"


@dataclass(frozen=True)
class UnitRef:
    """Which unit of a document: article (with 之N suffix), paragraph (款), item (项), sub-item (目)."""

    article: int
    suffix: int | None = None
    paragraph: int | None = None
    item: int | None = None
    subitem: int | None = None
    document: str | None = None

    @property
    def article_key(self) -> str:
        return article_key(self.article, self.suffix)

    def label(self) -> str:
        return unit_label(self.article, self.suffix, self.paragraph, self.item, self.subitem)


def article_key(number: int, suffix: int | None = None) -> str:
    """The id segment of an article: '21', or '10-1' for 第十条之一."""
    return f"{number}-{suffix}" if suffix else str(number)


def unit_label(
    article: int,
    suffix: int | None = None,
    paragraph: int | None = None,
    item: int | None = None,
    subitem: int | None = None,
) -> str:
    """'第二十一条第一款第（三）项' — the way statutes cite their own units."""
    out = f"第{to_chinese(article)}条"
    if suffix:
        out += f"之{to_chinese(suffix)}"
    if paragraph is not None:
        out += f"第{to_chinese(paragraph)}款"
    if item is not None:
        out += f"第（{to_chinese(item)}）项"
    if subitem is not None:
        out += f"第{subitem}目"
    return out


def parse_ref(text: str) -> UnitRef:
    """Read a reference typed by a person; the document name, if any, is kept as written."""
    s = unicodedata.normalize("NFKC", text)
    s = re.sub(r"\s+", "", s)
    if not s:
        raise ReferenceSyntaxError("条文编号为空。请输入如“19”“第二十一条第二款”“第十条第（三）项”。")
    m = _REF.match(s + "条" if _BARE.match(s) else s)
    if not m:
        raise ReferenceSyntaxError(
            f"无法识别条文编号“{text.strip()}”。请输入如“19”“第二十一条第二款”“第十条第（三）项”。"
        )
    try:
        numbers = {k: (to_int(v) if v else None) for k, v in m.groupdict().items() if k != "doc"}
    except ValueError as exc:
        raise ReferenceSyntaxError(f"无法识别条文编号“{text.strip()}”中的数字。") from exc
    if any(v == 0 for v in numbers.values()):
        raise ReferenceSyntaxError(f"条文编号“{text.strip()}”含有 0，编号从 1 开始。")
    if any(v is not None and v > MAX_NUMBER for v in numbers.values()):
        raise ReferenceSyntaxError(f"条文编号“{text.strip()}”过大：编号不超过 {MAX_NUMBER}。")
    doc = m.group("doc").strip("《》<>\"'“”的之") or None
    return UnitRef(
        article=numbers["art"],
        suffix=numbers["suf"],
        paragraph=numbers["para"],
        item=numbers["item"],
        subitem=numbers["sub"],
        document=doc,
    )
