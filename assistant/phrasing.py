"""Optional LLM phrasing: a chat model may put the deterministic answer into fluent prose.

It only rewrites; it never decides. Its text must keep the verdict sentence word for word, cite only
units the answer already cites, quote only verified text, and bring no number of its own. Anything
else — a failed check, an error, a timeout — returns the deterministic answer with a warning.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from .config import Settings
from .errors import ConfigError
from .references import TITLE_MARKS

if TYPE_CHECKING:
    from .answer import Answer

MAX_REWRITE = 1200
SYSTEM = (
    "你是包头市政务信息化项目政策助手的文字编辑。你会收到一个问题、一份已经核验过的确定性回答和它引用的条文。"
    "请用简洁、通顺的中文把回答的结论和理由写成一两段话，供公务员阅读。规则："
    "1. 第一句必须原样保留给定的“结论句”；"
    "2. 只能引用给定的条文，用【】标注，标签必须与给定标签完全一致；"
    "3. 用“”引用条文时必须逐字照抄原文；"
    "4. 不得出现回答中没有的数字、金额、比例、日期；不得自行计算；"
    "5. 不得添加给定条文以外的规定或建议；"
    "6. 只输出改写后的文字，不要标题，不要重复条文全文。"
)
_TAG = re.compile(r"【([^】]{1,60})】")
_QUOTED = re.compile(r"[“\"「『]([^”\"」』]{2,})[”\"」』]")
_DIGITS = re.compile(r"\d+(?:\.\d+)?")
_CN_NUMBER = re.compile(
    r"[零〇一二两三四五六七八九十百千万亿]{2,}|百分之[零〇一二两三四五六七八九十百]+|[一二两三四五六七八九十]+(?:年|个月|日|天|周|倍|成)"
)
# Words that carry a verdict: a rewrite may use one only where the answer already does, so it can
# neither flip "需要" into "不需要" nor add "长期有效".
_POLARITY = (
    "没有必要",
    "不必要",
    "免于",
    "无须",
    "不须",
    "可免",
    "应",
    "不需要",
    "无需",
    "不必",
    "不用",
    "不要求",
    "不适用",
    "不可以",
    "不能",
    "不得",
    "不予",
    "不属于",
    "无效",
    "失效",
    "已失效",
    "长期有效",
    "永久有效",
    "可以",
    "需要",
    "应当",
    "必须",
    "有效",
)


def check_rewrite(text: str, answer: Answer, question: str) -> list[str]:
    """What is wrong with a rewrite of `answer`, in words for the warning; empty when it may be shown."""
    problems: list[str] = []
    if not text.strip():
        return ["改写为空"]
    if len(text) > MAX_REWRITE:
        problems.append(f"改写过长（{len(text)} 字）")
    labels = {q.label for q in answer.citations}
    tags = _TAG.findall(text)
    unknown = [t for t in tags if t not in labels]
    if unknown:
        problems.append(f"引用了未核验的条文【{unknown[0]}】")
    if labels and not tags:
        problems.append("没有标注引用的条文")
    by_label = {q.label: q.text for q in answer.citations}
    for m in _QUOTED.finditer(text):
        tags = _TAG.findall(text, 0, m.start())
        source = [by_label[tags[-1]]] if tags and tags[-1] in by_label else list(by_label.values())
        if not any(m.group(1) in s for s in source):
            problems.append(f"引文“{m.group(1)[:30]}”不是所标条文的原文")
            break
    known = unicodedata.normalize("NFKC", answer.answer)
    plain = unicodedata.normalize("NFKC", _TAG.sub("", text))
    numbers = set(_DIGITS.findall(known))  # whole numbers: 20 is not in 2026 or 200
    new_numbers = [n for n in _DIGITS.findall(plain) if n not in numbers]
    new_numbers += [n for n in _CN_NUMBER.findall(plain) if n not in known]
    if new_numbers:
        problems.append(f"出现了回答中没有的数字“{new_numbers[0]}”")
    new_titles = [t for t in TITLE_MARKS.findall(text) if f"《{t}》" not in answer.answer]
    if new_titles:
        problems.append(f"提到了回答中没有的文件《{new_titles[0]}》")
    flipped = [w for w in _POLARITY if w in plain and w not in known]
    if flipped:
        problems.append(f"用了回答中没有的判断词“{flipped[0]}”")
    verdict = _verdict(answer)
    if verdict and not text.startswith(verdict):
        problems.append("改写没有以原结论句开头")
    return problems


def _verdict(answer: Answer) -> str | None:
    """The sentence a calculator answer's verdict is in; a rewrite must keep it word for word."""
    if answer.calculation is None:
        return None
    conclusion = answer.calculation.conclusion
    end = conclusion.find("。")
    return conclusion[: end + 1] if end >= 0 else conclusion


class Phraser:
    """Wraps a langchain chat model; `rephrase` never raises and never returns unchecked text."""

    def __init__(self, model: Any, name: str = "LLM") -> None:
        self.model = model
        self.name = name

    @classmethod
    def from_settings(cls, settings: Settings) -> Phraser:
        try:
            from langchain_openai import ChatOpenAI
        except ImportError as exc:
            raise ConfigError(
                "已设置 REGASSIST_LLM_BASE_URL，但未安装 langchain-openai：请运行 make install（或 pip install '.[llm]'）。"
            ) from exc

        model = ChatOpenAI(
            base_url=settings.llm_base_url,
            api_key=settings.llm_api_key or "EMPTY",
            model=settings.llm_model,
            timeout=settings.llm_timeout,
            max_retries=0,
            temperature=0,
        )
        return cls(model, settings.llm_model)

    def rephrase(self, answer: Answer) -> Answer:
        from langchain_core.messages import HumanMessage, SystemMessage

        verdict = _verdict(answer)
        units = "\n".join(f"【{q.label}】{q.text}" for q in answer.citations)
        prompt = f"问题：{answer.question}\n\n确定性回答：\n{answer.answer}\n\n可引用的条文：\n{units}\n\n" + (
            f"结论句（必须原样保留为第一句）：{verdict}\n" if verdict else ""
        )
        try:
            reply = self.model.invoke([SystemMessage(SYSTEM), HumanMessage(prompt)])
        except Exception as exc:  # any failure of the endpoint (network, timeout, bad reply) falls back
            return _fallback(answer, f"语言模型（{self.name}）不可用（{type(exc).__name__}），已使用确定性回答。")
        text = reply.content if isinstance(reply.content, str) else ""
        text = text.strip()
        problems = check_rewrite(text, answer, answer.question)
        if problems:
            reasons = "；".join(problems[:3])
            return _fallback(answer, f"语言模型改写未通过核验（{reasons}），已使用确定性回答。")
        rest = answer.answer
        if answer.calculation is not None and rest.startswith(answer.calculation.conclusion):
            rest = rest[len(answer.calculation.conclusion) :].lstrip()
        return replace(answer, answer=f"{text}\n\n{rest}")


def _fallback(answer: Answer, warning: str) -> Answer:
    return replace(answer, warnings=(*answer.warnings, warning))
