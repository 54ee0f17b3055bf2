"""What is refused before any retrieval: unusable input, manipulation, other topics.

The patterns are data (corpus/guard.toml), matched after the tokenizer's normalisation (NFKC, 繁→简,
lower case), so a 繁体 or full-width injection attempt is caught like any other.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .config import explain
from .errors import ConfigError, InvalidQuestion

MAX_QUESTION = 2000
MAX_MEMO = 20000  # a memo or draft answer handed to the checker
# Bidirectional overrides reorder what a reader sees against what is stored: no question needs them.
_BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


@dataclass(frozen=True)
class _Wording:
    """How the messages about one kind of input name it."""

    what: str  # 问题 / 文本
    kind: str  # what it is not, when binary: 不是文本问题
    verb: str  # 请输入要查询的内容
    not_text: str
    shorter: str
    limit: int


_QUESTION = _Wording(
    "问题", "文本问题", "查询", "问题必须是文本。", "请控制在 {limit} 字以内，或拆成几个问题分别提问。", MAX_QUESTION
)
_MEMO = _Wording("文本", "文本", "核对", "要核对的内容必须是文本。", "请控制在 {limit} 字以内，或分段核对。", MAX_MEMO)


def check_question(question: object) -> str:
    """The question, stripped; InvalidQuestion (with a message for the asker) when it is unusable."""
    return _check_text(question, _QUESTION)


def check_memo(memo: object) -> str:
    """A memo for the checker, stripped; InvalidQuestion when it is unusable (empty, binary, too long)."""
    return _check_text(memo, _MEMO)


def _check_text(text: object, words: _Wording) -> str:
    if isinstance(text, bytes | bytearray):
        raise InvalidQuestion(f"输入是二进制数据，不是{words.kind}；请输入中文或英文文字。")
    if not isinstance(text, str):
        raise InvalidQuestion(words.not_text)
    stripped = text.strip()
    if not stripped:
        raise InvalidQuestion(f"{words.what}为空，请输入要{words.verb}的内容。")
    if len(stripped) > words.limit:
        raise InvalidQuestion(f"{words.what}过长（{len(stripped)} 字），" + words.shorter.format(limit=words.limit))
    controls = sum(
        1 for ch in stripped if (unicodedata.category(ch) in ("Cc", "Cs", "Co") and ch not in "\t\n\r") or ch in _BIDI
    )
    if controls or "\ufffd" in stripped:
        raise InvalidQuestion(f"输入含有控制字符或无法解码的内容（可能是二进制文件），不是{words.kind}；请输入文字。")
    return stripped


class _GuardFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    refusal: str
    injection_refusal: str
    injection: list[str]
    off_topic: list[str]
    other_places: str
    anchors: str
    weak_anchors: str
    weak_floor: float = Field(ge=0, le=1)


@dataclass(frozen=True)
class Guard:
    refusal: str  # with {documents}
    injection_refusal: str
    injection: tuple[re.Pattern[str], ...]
    off_topics: tuple[re.Pattern[str], ...]
    other_places: re.Pattern[str]
    anchors: re.Pattern[str]
    weak_anchors: re.Pattern[str]
    weak_floor: float

    @classmethod
    def load(cls, path: Path) -> Guard:
        try:
            spec = _GuardFile.model_validate(tomllib.loads(path.read_text(encoding="utf-8")))
        except OSError as exc:
            raise ConfigError(f"无法读取拒答规则文件 {path}：{exc.strerror or exc}") from exc
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"拒答规则文件 {path} 不是有效的 TOML：{exc}") from exc
        except ValidationError as exc:
            problems = "；".join(f"{'.'.join(map(str, e['loc']))}：{explain(e)}" for e in exc.errors())
            raise ConfigError(f"拒答规则文件 {path} 无效：{problems}") from exc

        def compile_(pattern: str, where: str) -> re.Pattern[str]:
            try:
                return re.compile(pattern)
            except re.error as exc:
                raise ConfigError(f"拒答规则文件 {path} 的 {where} 不是有效的正则表达式：{exc}") from exc

        return cls(
            refusal=spec.refusal,
            injection_refusal=spec.injection_refusal,
            injection=tuple(compile_(p, f"injection[{i}]") for i, p in enumerate(spec.injection)),
            off_topics=tuple(compile_(p, f"off_topic[{i}]") for i, p in enumerate(spec.off_topic)),
            other_places=compile_(spec.other_places, "other_places"),
            anchors=compile_(spec.anchors, "anchors"),
            weak_anchors=compile_(spec.weak_anchors, "weak_anchors"),
            weak_floor=spec.weak_floor,
        )

    def manipulation(self, normalized: str) -> str | None:
        """The text of a manipulation attempt found in a (normalised) question, if any."""
        return _first(self.injection, normalized)

    def off_topic(self, normalized: str) -> str | None:
        """Another topic the question is about (weather, taxes, an exam), however close its words."""
        return _first(self.off_topics, normalized)

    def other_place(self, normalized: str) -> str | None:
        """Another place's regulation the question names (北京市…办法)."""
        return _first((self.other_places,), normalized)

    def in_domain(self, normalized: str, relevance: float) -> bool:
        """Whether an open question the retriever is unsure about still uses this domain's words."""
        if self.anchors.search(normalized):
            return True
        return relevance >= self.weak_floor and self.weak_anchors.search(normalized) is not None


def _first(patterns: tuple[re.Pattern[str], ...], text: str) -> str | None:
    for pattern in patterns:
        m = pattern.search(text)
        if m:
            return m.group(0)
    return None
