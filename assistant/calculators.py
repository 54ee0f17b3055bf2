"""Deterministic calculators over the rule data: each returns a verdict, the ordered steps that reach
it (quoting the clauses verbatim), and the units it cites. No language model does arithmetic here.

Amounts are Decimal 元 and ratios exact Fractions, so a boundary (exactly 200万元, exactly 15%) is
decided exactly. `Calculators.create()` loads and binds the rules once; every method is then pure.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any, Literal, NoReturn

from .amounts import (
    DateSpan,
    add_years,
    check_amount,
    format_amount,
    format_ratio,
    parse_amount,
    parse_date,
    yuan_json,
)
from .config import Settings
from .corpus import Corpus, normalize_name
from .errors import AmountError, RequestError, RuleError
from .numerals import to_chinese, to_int
from .rules import KIND_FACTS, Funding, Quote, RuleBook, load_rules
from .structure import EXPIRED, IN_FORCE, NOT_YET, UNKNOWN, DocumentMeta


@dataclass(frozen=True)
class Step:
    """One line of a trace; when it quotes the regulation, `quote` holds the verbatim slice."""

    text: str
    quote: Quote | None = None

    def render(self) -> str:
        if self.quote is None:
            return self.text
        lead = f"{self.text}：" if self.text else ""
        return f"{lead}{self.quote.tag}“{self.quote.text}”"


@dataclass(frozen=True)
class Calculation:
    rule: str  # supervision, adjustment, validity, approval_route, negative_list, self_evaluation
    title: str
    as_of: date
    conclusion: str  # the verdict first, as the answer states it
    inputs: Mapping[str, Any]
    outcome: Mapping[str, Any]
    steps: tuple[Step, ...]
    assumptions: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    citations: tuple[Quote, ...] = field(default=())

    @property
    def trace(self) -> list[str]:
        return [step.render() for step in self.steps]

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "title": self.title,
            "as_of": self.as_of.isoformat(),
            "conclusion": self.conclusion,
            "inputs": dict(self.inputs),
            "outcome": dict(self.outcome),
            "trace": self.trace,
            "assumptions": list(self.assumptions),
            "warnings": list(self.warnings),
            "citations": [q.citation() for q in self.citations],
        }

    def render(self) -> str:
        lines = [self.conclusion, "", "计算过程："]
        lines += [f"{i}. {text}" for i, text in enumerate(self.trace, 1)]
        if self.assumptions:
            lines += ["", "假设（未提供，按此计算）："] + [f"- {a}" for a in self.assumptions]
        if self.warnings:
            lines += ["", "注意："] + [f"- {w}" for w in self.warnings]
        sources = [f"- {q.tag}{q.text}" for q in self.citations] or [
            "- 文件清单（documents.toml）记录的日期，无条文引用"
        ]
        lines += ["", "依据：", *sources]
        return "\n".join(lines)


# --- inputs ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AdjustmentInput:
    """第二十一条. `increase` includes the new content (None: the new content is the whole increase).
    Preconditions left None (`within_estimate`, `goal_unchanged`, `situation`) are stated as assumptions;
    `situation` 0 means none of the three applies."""

    total: Decimal
    increase: Decimal | None = None
    decrease: Decimal = Decimal(0)
    new_content: Decimal | None = None  # None: 0, stated as an assumption when an increase is given
    savings: Decimal = Decimal(0)
    # None: shown from the amounts when the decrease covers the increase, else an assumption
    within_estimate: bool | None = None
    goal_unchanged: bool | None = None
    situation: int | None = None


@dataclass(frozen=True)
class RouteInput:
    funding: tuple[str, ...]  # funding keys (or labels/aliases) from the rule data
    in_library: bool | None = None
    in_plan: bool | None = None
    classified: bool = False
    built_before_approval: bool | None = None  # construction began before approval
    civil_works: bool | None = None


ProjectKind = Literal["new", "upgrade", "other"]
KINDS: Mapping[str, ProjectKind] = {
    "new": "new",
    "新建": "new",
    "upgrade": "upgrade",
    "升级改造": "upgrade",
    "升级": "upgrade",
    "改造": "upgrade",
    "other": "other",
    "其他": "other",
}


# Inputs of each calculator as interfaces hold them (text from a form, an option, an eval item), with
# the names error messages use for them.
INPUTS: Mapping[str, Mapping[str, str]] = {
    "supervision": {"total": "总投资"},
    "adjustment": {
        "total": "批复概算总投资",
        "increase": "增加的投资",
        "decrease": "减少的投资",
        "new_content": "新增建设内容投资",
        "savings": "招标采购结余",
        "within_estimate": "投资规模未超出概算批复",
        "goal_unchanged": "建设目标不变",
        "situation": "情形",
    },
    "validity": {"document": "文件名称", "date": "查询日期"},
    "approval_route": {
        "funding": "资金来源",
        "in_library": "已纳入项目库",
        "in_plan": "已纳入年度计划",
        "classified": "涉密",
        "built_before_approval": "审批前已开工",
        "civil_works": "涉及新建土建工程或高耗能项目",
    },
    "negative_list": {"kind": "项目类型", "facts": "项目情况"},
    "self_evaluation": {"accepted": "验收日期", "live": "投入运行日期"},
}


def parse_situation(value: int | str) -> int:
    """Which situation of 第二十一条第一款: 1, 一, (一), 第一项; 0, none, 无 for none of them."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    s = unicodedata.normalize("NFKC", str(value)).strip().lower()
    if s in ("none", "无", "都不符合", "不符合", "0"):
        return 0
    try:
        return to_int(s.removeprefix("第").removesuffix("项").strip("()"))
    except ValueError:
        raise RequestError(f"情形“{value}”无效，请写 1、2、3（第一款第几项）或 none（都不符合）。") from None


# --- the calculators --------------------------------------------------------------------------------


class Calculators:
    """The six calculators over one bound rule book; `create()` does the loading."""

    def __init__(self, rules: RuleBook, corpus: Corpus, books: Mapping[str, RuleBook] | None = None) -> None:
        self.rules = rules
        self.corpus = corpus
        self.books = dict(books or {rules.supervision.doc_id: rules})  # by the 办法 version they bind

    @classmethod
    def create(cls, settings: Settings, corpus: Corpus) -> Calculators:
        """The primary's rule data (rules.toml), and each other version's (its manifest `rules` file)."""
        primary = load_rules(settings, corpus)
        books = {primary.supervision.doc_id: primary}
        for entry in corpus.entries:
            if entry.rules and entry.id not in books:
                book = load_rules(settings, corpus, settings.corpus_dir / entry.rules)
                bound = {book.supervision.doc_id, book.adjustment.doc_id, book.approval_route.doc_id}
                bound |= {book.negative_list.doc_id, book.self_evaluation.doc_id}
                if bound != {entry.id}:
                    raise RuleError(
                        f"{entry.rules} 是 {entry.id} 的规则数据，但其中的规则绑定在 {'、'.join(sorted(bound))}。"
                    )
                books[entry.id] = book
        validity = {doc: rule for book in books.values() for doc, rule in book.validity.items()}
        books = {doc: replace(book, validity=validity) for doc, book in books.items()}
        return cls(books[primary.supervision.doc_id], corpus, books)

    def book_on(self, day: date) -> RuleBook | None:
        """The rule data of the 办法 version in force on a day; None when that version has none."""
        return self.books.get(self.corpus.primary_on(day))

    def on(self, day: date) -> Calculators:
        """The calculators as they apply on a day: the rule data of the version then in force."""
        book = self.book_on(day)
        if book is None:
            meta = self.corpus.meta(self.corpus.primary_on(day))
            raise RequestError(f"按 {day} 适用的是{meta.cite_with_number()}，尚未录入其规则数据，无法计算。")
        return self if book is self.rules else Calculators(book, self.corpus, self.books)

    def run(
        self, rule: str, inputs: Mapping[str, Any], *, as_of: date, names: Mapping[str, str] | None = None
    ) -> Calculation:
        """The one entry for inputs held as text (amounts like 230万, dates like 2027年3月): parse, then
        calculate. `names` renames inputs in error messages (the CLI says --total rather than 总投资)."""
        if rule not in INPUTS:
            raise RequestError(f"没有计算器“{rule}”。可选：{'、'.join(INPUTS)}。")
        if rule != "validity" and (applied := self.on(as_of)) is not self:
            return applied.run(rule, inputs, as_of=as_of, names=names)
        calculation = self._run(rule, inputs, as_of=as_of, names=names)
        line = self.corpus.version_line(self.corpus.primary_on(as_of), as_of) if rule != "validity" else None
        return replace(calculation, warnings=(line, *calculation.warnings)) if line else calculation

    def _run(
        self, rule: str, inputs: Mapping[str, Any], *, as_of: date, names: Mapping[str, str] | None = None
    ) -> Calculation:
        known = INPUTS[rule]
        extra = sorted(set(inputs) - set(known))
        if extra:
            raise RequestError(f"计算器 {rule} 不认识输入：{'、'.join(extra)}。可用：{'、'.join(known)}。")
        field = {key: (names or {}).get(key, label) for key, label in known.items()}
        given = {key: value for key, value in inputs.items() if value is not None}

        def missing(key: str) -> NoReturn:
            raise RequestError(f"缺少{field[key]}。")

        def amount(key: str, *, optional: bool = True) -> Decimal | None:
            """An optional amount (减少额) may be zero; a required one (总投资) may not."""
            if key not in given:
                return None if optional else missing(key)
            return parse_amount(given[key], field=field[key], allow_zero=optional)

        def day(key: str, *, optional: bool = True) -> DateSpan | None:
            if key not in given:
                return None if optional else missing(key)
            return parse_date(given[key], as_of=as_of, field=field[key])

        def flag(key: str) -> bool | None:
            value = given.get(key)
            if value is not None and not isinstance(value, bool):
                raise RequestError(f"{field[key]}应为 是/否（true/false），而不是“{value}”。")
            return value

        if rule == "supervision":
            return self.supervision(amount("total", optional=False), as_of=as_of)  # type: ignore[arg-type]
        if rule == "adjustment":
            adjustment = AdjustmentInput(
                total=amount("total", optional=False),  # type: ignore[arg-type]
                increase=amount("increase"),
                decrease=amount("decrease") or Decimal(0),
                new_content=amount("new_content"),
                savings=amount("savings") or Decimal(0),
                within_estimate=flag("within_estimate"),
                goal_unchanged=flag("goal_unchanged"),
                situation=None if "situation" not in given else parse_situation(given["situation"]),
            )
            return self.adjustment(adjustment, as_of=as_of)
        if rule == "validity":
            document = given.get("document")
            if document is not None and not str(document).strip():
                raise RequestError(f"{field['document']}为空：请写文件名称、简称或文号，或不填（默认：办法）。")
            return self.validity(document, day("date"), as_of=as_of)
        if rule == "approval_route":
            funding = given.get("funding", ())
            route = RouteInput(
                funding=(funding,) if isinstance(funding, str) else tuple(funding),
                in_library=flag("in_library"),
                in_plan=flag("in_plan"),
                classified=bool(flag("classified")),
                built_before_approval=flag("built_before_approval"),
                civil_works=flag("civil_works"),
            )
            return self.approval_route(route, as_of=as_of)
        if rule == "negative_list":
            return self.negative_list(given.get("kind"), given.get("facts", {}), as_of=as_of)
        return self.self_evaluation(day("accepted", optional=False), day("live"), as_of=as_of)  # type: ignore[arg-type]

    # 1. 第十九条
    def supervision(self, total: Decimal, *, as_of: date) -> Calculation:
        rule = self.rules.supervision
        total = check_amount(total, field="总投资")
        threshold = rule.threshold
        required = threshold.holds(total)
        shown = format_amount(total)
        steps = [
            Step("规则", rule.clause),
            Step(f"总投资：{shown}"),
            Step(
                f"门槛：{threshold.raw}，“{threshold.bound}”{'含' if threshold.inclusive else '不含'}本数",
                threshold.quote,
            ),
            Step(
                f"比较：{shown} {threshold.symbol if required else _negate(threshold.op)} {threshold.raw}"
                f" → {'达到' if required else '未达到'}门槛"
            ),
        ]
        standard = f"“{threshold.quote.text}”"
        if required:
            steps.append(Step("要求", rule.consequence))
            conclusion = (
                f"需要。总投资{shown}，属于{standard}的项目，应“{rule.consequence.text}”（{rule.clause.label}）。"
            )
        else:
            conclusion = (
                f"不要求。总投资{shown}，不属于{standard}的项目，{rule.clause.label}“{rule.consequence.text}”的规定"
                "不适用；是否实行监理，可按项目实际和有关规定确定。"
            )
        outcome = {
            "supervision_required": required,
            "total_yuan": yuan_json(total),
            "threshold_yuan": yuan_json(threshold.value),
            "in_principle": rule.in_principle,  # the clause says 原则上: exceptions are possible
        }
        return self._finish(
            "supervision", rule.title, rule.doc_id, as_of, conclusion, {"total_yuan": yuan_json(total)}, outcome, steps
        )

    # 2. 第二十一条
    def adjustment(self, given: AdjustmentInput, *, as_of: date) -> Calculation:
        rule = self.rules.adjustment
        total = check_amount(given.total, field="批复概算总投资")
        decrease = check_amount(given.decrease, field="减少的投资", allow_zero=True)
        new = check_amount(given.new_content or 0, field="新增建设内容投资", allow_zero=True)
        savings = check_amount(given.savings, field="招标采购结余", allow_zero=True)
        assumptions: list[str] = []
        if given.new_content is None and given.increase:
            assumptions.append(
                f"未填写新增建设内容投资，按 0 计；增加额中如有新增建设内容，须另按总投资{rule.new_ratio_max.raw}"
                f"和{rule.new_cap.raw}的上限核对。"
            )
        if given.increase is None:
            increase = new
            if new:
                assumptions.append(f"增加的投资按新增建设内容投资 {format_amount(new)} 计。")
        else:
            increase = check_amount(given.increase, field="增加的投资", allow_zero=True)
        if new > increase:
            raise AmountError(
                f"新增建设内容投资（{format_amount(new)}）大于增加的投资（{format_amount(increase)}）："
                "新增内容的投资计入增加额，请核对。"
            )
        for name, amount in (("减少的投资", decrease), ("招标采购结余", savings)):
            if amount > total:
                raise AmountError(
                    f"{name}（{format_amount(amount)}）大于批复概算总投资（{format_amount(total)}），请核对。"
                )
        if increase == 0 and decrease == 0:
            raise AmountError(
                "请填写增加或减少建设内容的投资（至少一项大于零）；招标采购形成的资金结余不计入调整范围。"
            )
        listed = f"{rule.conditions.unit_label}所列情形"
        if given.situation is not None and not 0 <= given.situation <= len(rule.situations):
            raise RequestError(f"情形应为 1 到 {len(rule.situations)}（{listed}），或 0 表示都不符合。")

        steps: list[Step] = [
            Step("条件", rule.conditions),
            Step("建设内容调整的含义", rule.content),
            Step("资金调整的含义", rule.definition),
        ]
        preconditions: list[str] = []  # assumed preconditions the verdict rests on
        checks: dict[str, dict[str, Any]] = {}
        failures: list[str] = []

        if savings:
            steps.append(
                Step(f"招标采购形成的资金结余 {format_amount(savings)} 不计入增加额和减少额", rule.savings_excluded)
            )

        excess = increase - decrease
        # The sum of the changes, not a new total: a net increase is met from within the estimate.
        arithmetic = (
            f"增加 {format_amount(increase)} − 减少 {format_amount(decrease)} = 净增 {format_amount(excess)}"
            if excess > 0
            else f"增加 {format_amount(increase)} − 减少 {format_amount(decrease)} = {format_amount(excess)}，未净增"
        )
        within = given.within_estimate
        if within is None and excess <= 0:
            within = True
            steps.append(
                Step(
                    f"{arithmetic} → 总投资不超过批复概算 {format_amount(total)}，未超出概算批复", rule.within_estimate
                )
            )
        elif within is None:
            within = True
            preconditions.append(
                f"投资规模未超出概算批复：增加额比减少额多 {format_amount(excess)}，须由概算内资金（如预备费）解决，"
                f"调整后总投资不超过批复概算 {format_amount(total)}。"
            )
            steps.append(
                Step(
                    f"投资规模未超出概算批复：假设是（{arithmetic}，须在批复概算 {format_amount(total)} 内"
                    "（如预备费）解决，总投资不变）",
                    rule.within_estimate,
                )
            )
        else:
            steps.append(Step(f"投资规模未超出概算批复：{'是' if within else '否'}（按所填）", rule.within_estimate))
            if within and excess > 0:
                steps.append(Step(f"核对：{arithmetic}，须在批复概算 {format_amount(total)} 内（如预备费）解决"))
        checks["within_estimate"] = {
            "ok": within,
            "net_change_yuan": yuan_json(excess),  # increase − decrease; > 0 must be met within the estimate
            "assumed": given.within_estimate is None and excess > 0,
        }
        if not within:
            failures.append("投资规模超出概算批复")

        goal = given.goal_unchanged
        if goal is None:
            preconditions.append("建设目标不变。")
        steps.append(Step(f"建设目标不变：{_yes_no(goal, '假设是')}", rule.goal_unchanged))
        checks["goal_unchanged"] = {"ok": goal if goal is not None else True, "assumed": goal is None}
        if goal is False:
            failures.append("建设目标改变")

        situation = given.situation
        if situation is None:
            preconditions.append(f"符合{listed}之一：" + "；".join(q.text.rstrip(";。") for q in rule.situations))
            steps.append(Step(f"符合{listed}之一：假设是"))
        elif situation == 0:
            steps.append(Step(f"符合{listed}之一：否"))
            failures.append(f"不符合{listed}中的任何一种")
        else:
            steps.append(Step(f"符合{listed}：第（{to_chinese(situation)}）项", rule.situations[situation - 1]))
        checks["situation"] = {"ok": situation != 0, "item": situation or None, "assumed": situation is None}

        larger = max(increase, decrease)
        ratio = Fraction(larger) / Fraction(total)
        ratio_ok = rule.ratio_max.holds(ratio)
        steps.append(
            Step(
                f"调整比例 = 增加 {format_amount(increase)} 与减少 {format_amount(decrease)} 中较大者 "
                f"{format_amount(larger)} ÷ 批复概算 {format_amount(total)} = {format_ratio(ratio)}"
                f" {rule.ratio_max.symbol if ratio_ok else _negate(rule.ratio_max.op)} {rule.ratio_max.raw}"
                f" → {'符合' if ratio_ok else '不符合'}",
                rule.ratio_max.quote,
            )
        )
        checks["adjustment_ratio"] = {
            "ok": ratio_ok,
            "increase_yuan": yuan_json(increase),
            "decrease_yuan": yuan_json(decrease),
            "larger_yuan": yuan_json(larger),
            "ratio": float(ratio),
            "ratio_text": format_ratio(ratio),
            "limit": float(rule.ratio_max.value),
        }
        if not ratio_ok:
            failures.append(f"调整比例{format_ratio(ratio)}超过{rule.ratio_max.raw}")

        share_cap = total * Decimal(rule.new_ratio_max.value.numerator) / Decimal(rule.new_ratio_max.value.denominator)
        share_ok = rule.new_ratio_max.holds(Fraction(new) / Fraction(total))
        cap_ok = rule.new_cap.holds(new)
        by_share = share_cap <= rule.new_cap.value
        binding, limit = (share_cap, rule.new_ratio_max) if by_share else (rule.new_cap.value, rule.new_cap)
        which = f"总投资{rule.new_ratio_max.raw}" if by_share else f"上限{rule.new_cap.raw}"
        new_ok = share_ok and cap_ok
        steps.append(
            Step(
                f"新增建设内容上限：总投资 {format_amount(total)} × {rule.new_ratio_max.raw} = {format_amount(share_cap)}",
                rule.new_ratio_max.quote,
            )
        )
        steps.append(
            Step(
                f"新增建设内容上限：{rule.new_cap.raw}；两者同时适用，较严者为 {format_amount(binding)}（{which}）",
                rule.new_cap.quote,
            )
        )
        steps.append(
            Step(
                f"新增建设内容 {format_amount(new)} {limit.symbol if new_ok else _negate(limit.op)} {format_amount(binding)}"
                f" → {'符合' if new_ok else '不符合'}"
            )
        )
        checks["new_content_ratio"] = {
            "ok": share_ok,
            "new_content_yuan": yuan_json(new),
            "limit_yuan": yuan_json(share_cap),
            "limit": float(rule.new_ratio_max.value),
        }
        checks["new_content_cap"] = {
            "ok": cap_ok,
            "new_content_yuan": yuan_json(new),
            "limit_yuan": yuan_json(rule.new_cap.value),
        }
        if not share_ok:
            failures.append(
                f"新增建设内容{format_amount(new)}超过总投资{rule.new_ratio_max.raw}（{format_amount(share_cap)}）"
            )
        if not cap_ok:
            failures.append(f"新增建设内容{format_amount(new)}超过{rule.new_cap.raw}")

        allowed = not failures
        authority = rule.authority.text
        if allowed:
            steps.append(Step("结论", rule.permission))
            hedge = "（前提条件按下列假设成立）" if preconditions else ""
            within_limits = f"调整比例{format_ratio(ratio)}" + (f"、新增建设内容{format_amount(new)}均" if new else "")
            conclusion = (
                f"可以自行调整。{within_limits}在限额内{hedge}，"
                f"可以由项目建设单位调整，同时向{authority}备案（{rule.permission.label}）。"
            )
        else:
            steps.append(Step("结论", rule.otherwise))
            conclusion = (
                f"不能自行调整。{'；'.join(failures)}，应当按照有关规定履行相应手续（{rule.otherwise.label}）。"
            )
        inputs = {
            "total_yuan": yuan_json(total),
            "increase_yuan": yuan_json(increase),
            "decrease_yuan": yuan_json(decrease),
            "new_content_yuan": yuan_json(new),
            "savings_yuan": yuan_json(savings),
            "within_estimate": given.within_estimate,
            "goal_unchanged": given.goal_unchanged,
            "situation": given.situation,
        }
        outcome = {
            "self_adjust_allowed": allowed,
            "filing_required": allowed,
            "filing_authority": authority if allowed else None,
            "checks": checks,
            "failures": failures,
        }
        return self._finish(
            "adjustment",
            rule.title,
            rule.doc_id,
            as_of,
            conclusion,
            inputs,
            outcome,
            steps,
            [*preconditions, *assumptions],
        )

    # 3. 第二十九条, and every document's dates in the manifest
    def validity(self, document: str | None = None, when: DateSpan | None = None, *, as_of: date) -> Calculation:
        span = when or DateSpan.day(as_of)
        meta = self.corpus.resolve(document, span.start)
        rule = self.rules.validity.get(meta.id)
        steps: list[Step] = []
        if rule is not None:
            steps.append(Step("规则", rule.clause))
            steps.append(Step(f"施行日期：{rule.effective.value}", rule.effective.quote))
            steps.append(
                Step(
                    f"有效期：{rule.term.raw}，自施行之日起算，至 {rule.expiry} 届满（期满之日为施行日的"
                    f"{rule.term.raw}后对应日的前一日）",
                    rule.term.quote,
                )
            )
        else:
            steps.append(
                Step(
                    f"{meta.cite_title()}的日期据文件清单：施行 {meta.effective_date or '未记录'}，"
                    f"失效 {meta.expiry_date or '未规定'}；记录的状态：{meta.status or UNKNOWN}"
                )
            )
        first, last = meta.status_on(span.start), meta.status_on(span.end)
        asked = span.describe()
        if first == last:
            status = first
            in_force = True if status == IN_FORCE else (None if status == UNKNOWN else False)
            steps.append(Step(f"查询日期：{asked} → {status}"))
        else:
            status = PARTIAL
            in_force = None
            steps.append(Step(f"查询期间：{asked}，起点 {first}、终点 {last} → 期间内效力发生变化"))
        name = meta.cite_title()
        today = span.is_day and span.start == as_of
        if meta.expiry_date:
            until = f"有效期至 {meta.expiry_date}"
        elif meta.effective_date:
            until = f"自 {meta.effective_date} 起施行，未规定有效期"
        else:
            until = f"记录的状态为{status}，未记录施行日期"
        if in_force and today and meta.expiry_date:
            remaining = (meta.expiry_date - as_of).days
            left = "今天是有效期最后一天" if remaining == 0 else f"还有 {remaining} 天届满"
            conclusion = f"有效。按 {asked}，{name}现行有效，有效期至 {meta.expiry_date}（{left}）。"
        elif in_force and today:
            conclusion = f"有效。按 {asked}，{name}现行有效（{until}）。"
        elif in_force:
            during = asked if span.is_day else f"{asked} 期间"
            conclusion = f"有效。{during}，{name}在有效期内（{until}）。"
        elif status == EXPIRED and span.start > as_of:  # a day still ahead: it will have expired by then
            conclusion = (
                f"已失效。{name}有效期至 {meta.expiry_date}，自 {meta.expiry_date + timedelta(days=1)} 起失效，"
                f"所问的 {asked} 届时已不在有效期内；如届时已发布修订或延续的文件，以新文件为准。"
            )
        elif status == EXPIRED:
            conclusion = (
                f"已失效。{name}有效期至 {meta.expiry_date}，{asked} 已超出有效期；"
                "如已发布修订或延续的文件，以新文件为准。"
            )
        elif status == NOT_YET:
            conclusion = f"尚未施行。{name}自 {meta.effective_date} 起施行，{asked} 尚未生效。"
        elif status == PARTIAL:
            conclusion = _partial(name, span, meta)
        elif status == UNKNOWN:
            conclusion = f"无法判断。未记录{name}的施行与失效日期。"
        else:
            conclusion = f"按 {asked}，{name}的状态为：{status}。"
        outcome = {
            "in_force": in_force,
            "status": status,
            "document_id": meta.id,
            "effective_date": _iso(meta.effective_date),
            "expiry_date": _iso(meta.expiry_date),
            "date_from": span.start.isoformat(),
            "date_to": span.end.isoformat(),
            "document_status": meta.status_on(as_of),
        }
        if in_force and today and meta.expiry_date:
            outcome["days_remaining"] = (meta.expiry_date - as_of).days
        inputs = {"document": meta.id, "date": span.text or asked}
        title = f"效力（{meta.short_name}）"
        citations = self._citations(steps)
        return Calculation("validity", title, as_of, conclusion, inputs, outcome, tuple(steps), citations=citations)

    # 4. 第二、五、七、八、十一、十二、十三条
    def approval_route(self, given: RouteInput, *, as_of: date) -> Calculation:
        rule = self.rules.approval_route
        sources = list(dict.fromkeys(self._funding(name) for name in given.funding))
        if not sources:
            raise RequestError("请说明资金来源：" + "、".join(f.label for f in rule.funding) + "。")
        steps: list[Step] = []
        assumptions: list[str] = []
        violations: list[str] = []
        missing: list[str] = []
        stages: list[str] = []
        steps.append(Step(f"资金来源：{'、'.join(f.label for f in sources)}"))
        if given.classified:
            steps.append(Step("涉密项目", rule.classified))
            conclusion = f"不适用本办法。“{rule.classified.text}”（{rule.classified.label}）"
            route: str | None = "not_applicable"
        elif all(f.route == "filing" for f in sources):
            steps += [Step(f"{f.label}属于备案制渠道", f.quote) for f in sources]
            steps.append(Step("结论", rule.filing))
            steps.append(Step("未履行备案程序的责任", rule.accountability))
            route = "filing"
            conclusion = (
                f"实行备案制管理。资金来源为{'、'.join(f.label for f in sources)}，属于{rule.filing.unit_label}所列渠道："
                f"“{rule.filing.text}”（{rule.filing.label}）"
            )
            if given.built_before_approval:
                steps.append(
                    Step(
                        f"已开工：{rule.no_build_before_approval.unit_label}“不得未批先建”针对审批项目，备案制项目不适用"
                    )
                )
        else:
            approval_sources = [f for f in sources if f.route == "approval"]
            steps += [Step(f"{f.label}属于本办法的审批管理范围", f.quote) for f in approval_sources]
            if len(approval_sources) < len(sources):
                assumptions.append(f"资金来源中含{'、'.join(f.label for f in approval_sources)}，按审批管理。")
            route, conclusion = self._approval_branch(given, steps, assumptions, missing, stages)
        forbidden = route is None or route in _APPROVAL_ROUTES
        if given.built_before_approval and forbidden:
            violations.append(f"未经审批已开工建设：违反“{rule.no_build_before_approval.text}”")
            steps.append(Step(f"已在审批前开工建设 → 违反{rule.no_build_before_approval.label}"))
            steps.append(Step("责任", rule.accountability))
        other_approvals: bool | None = None
        if route != "not_applicable" and given.civil_works is not None:
            other_approvals = given.civil_works
            if given.civil_works:
                steps.append(Step("涉及新建土建工程或高耗能项目：属于除外情形，相关审批仍需进行", rule.other_approvals))
                conclusion += (
                    f"项目涉及新建土建工程或高耗能项目，属于{rule.other_approvals.label}的除外情形："
                    f"“{rule.other_approvals.text}”"
                )
            else:
                steps.append(Step("不涉及新建土建工程、高耗能项目：不属于除外情形", rule.other_approvals))
        if violations:
            conclusion += "注意：" + "；".join(violations) + "。"
        inputs = {
            "funding": [f.key for f in sources],
            "in_library": given.in_library,
            "in_plan": given.in_plan,
            "classified": given.classified,
            "built_before_approval": given.built_before_approval,
            "civil_works": given.civil_works,
        }
        outcome = {
            "route": route,
            "route_text": _ROUTES.get(route, "视是否纳入年度计划而定"),
            "approval_required": None if route is None else route in _APPROVAL_ROUTES,
            "filing_required": route == "filing",
            "stages": stages,
            "build_before_approval_forbidden": forbidden,
            "other_approvals_required": other_approvals,
            "violations": violations,
            "missing": missing,
        }
        return self._finish(
            "approval_route", rule.title, rule.doc_id, as_of, conclusion, inputs, outcome, steps, assumptions
        )

    def _approval_branch(
        self, given: RouteInput, steps: list[Step], assumptions: list[str], missing: list[str], stages: list[str]
    ) -> tuple[str | None, str]:
        """The route of a project under the 办法's approval: project library, then annual plan, then approval."""
        rule = self.rules.approval_route
        steps.append(Step("项目库管理", rule.library))
        if given.in_library is False:
            steps.append(Step("未纳入项目库", rule.not_in_library))
            return "no_decision", (
                f"不启动投资决策程序。项目未纳入项目库管理：“{rule.not_in_library.text}”（{rule.not_in_library.label}）"
            )
        if given.in_library is None:
            assumptions.append("项目已纳入项目库管理。")
        steps.append(Step("年度计划", rule.plan))
        if given.in_plan is False:
            steps.append(Step("未纳入年度计划", rule.not_in_plan))
            return "not_approved", (
                f"不予审批、不予安排资金。项目未纳入年度计划：“{rule.not_in_plan.text}”（{rule.not_in_plan.label}）"
            )
        stage_names = [q.text for q in rule.stages]
        stages.extend(stage_names)
        approval = (
            f"审批原则上包括{'、'.join(stage_names)}等环节（{rule.approval.label}），"
            f"符合国家有关规定的可简化（{rule.simplified.label}）"
        )
        if given.in_plan is None:
            missing.append("in_plan")
            steps.append(Step("已纳入年度计划的", rule.in_plan))
            steps.append(Step("审批环节：" + "、".join(stage_names), rule.approval))
            steps.append(Step("可简化的情形", rule.simplified))
            steps.append(Step("未纳入年度计划的", rule.not_in_plan))
            return None, (
                f"视是否纳入年度计划而定。已纳入的：“{rule.in_plan.text}”（{rule.in_plan.label}）{approval}。"
                f"未纳入的：“{rule.not_in_plan.text}”（{rule.not_in_plan.label}）"
            )
        steps.append(Step("已纳入年度计划", rule.in_plan))
        steps.append(Step("审批环节：" + "、".join(stage_names), rule.approval))
        steps.append(Step("可简化的情形", rule.simplified))
        steps.append(Step("获批前", rule.no_build_before_approval))
        return "approval", (
            f"需要审批。“{rule.in_plan.text}”（{rule.in_plan.label}）{approval}。"
            f"获批前不得开工：“{rule.no_build_before_approval.text}”（{rule.no_build_before_approval.label}）。"
        )

    def _funding(self, name: str) -> Funding:
        key = _fold(name)
        for f in self.rules.approval_route.funding:
            if key in {_fold(n) for n in (f.key, f.label, *f.aliases)}:
                return f
        options = "；".join(f"{f.key}（{f.label}）" for f in self.rules.approval_route.funding)
        raise RequestError(f"不认识的资金来源“{name}”。可选：{options}。")

    # 5. 第十条
    def negative_list(
        self,
        kind: str | None,
        facts: Mapping[str, bool | None] | Iterable[tuple[str, bool | None]],
        *,
        as_of: date,
    ) -> Calculation:
        rule = self.rules.negative_list
        known = self._facts(kind, facts)
        steps = [Step("规则", rule.clause)]
        applies: list[int] = []
        unknown: list[int] = []
        needs: dict[int, list[str]] = {}
        for ground in rule.grounds:
            value = _evaluate(ground.when, known)
            verdict = {True: "适用", False: "不适用", None: "无法判断"}[value]
            reason = _explain(ground.when, known, rule.facts)
            steps.append(Step(f"第（{to_chinese(ground.item)}）项 {verdict}（{reason}）", ground.quote))
            if value is True:
                applies.append(ground.item)
            elif value is None:
                unknown.append(ground.item)
                missing = {
                    "kind" if key in KIND_FACTS else key
                    for group in ground.when
                    for lit in group
                    if known.get(key := lit.removeprefix("!")) is None
                }
                order = ["kind", *rule.facts]
                needs[ground.item] = sorted(missing, key=order.index)
        where = rule.clause.unit_label
        barred = ("原则上" if "原则上" in rule.clause.text else "") + "不得申报"
        if applies:
            excluded: bool | None = True
            items = "、".join(f"第（{to_chinese(i)}）项" for i in applies)
            conclusion = f"{barred}。项目属于{where}{items}所列情形（{rule.clause.label}）。"
        elif unknown:
            excluded = None
            asks = "；".join(
                f"第（{to_chinese(i)}）项需要知道："
                + "、".join(_KIND if k == "kind" else rule.facts[k].label for k in needs[i])
                for i in unknown
            )
            conclusion = f"尚不能确定。已知情况未触及{where}所列情形，但以下各项信息不足：{asks}。"
        else:
            excluded = False
            steps.append(Step("申报仍须符合的条件", rule.conditions))
            conclusion = f"未发现{where}所列情形：不属于{barred}的项目（申报仍须符合{rule.conditions.label}所列条件）。"
        inputs = {"kind": kind, "facts": {k: v for k, v in known.items() if k not in KIND_FACTS}}
        outcome = {
            "excluded": excluded,
            "grounds": applies,
            "undetermined": unknown,
            "needs": {str(i): needs[i] for i in unknown},
        }
        return self._finish("negative_list", rule.title, rule.doc_id, as_of, conclusion, inputs, outcome, steps)

    def _facts(
        self, kind: str | None, facts: Mapping[str, bool | None] | Iterable[tuple[str, bool | None]]
    ) -> dict[str, bool | None]:
        """Resolve fact names (key or the clause's wording) to keys; one fact said both ways is an error."""
        rule = self.rules.negative_list
        by_name = {_fold(n): f.key for f in rule.facts.values() for n in (f.key, f.phrase, f.label)}
        known: dict[str, bool | None] = {}
        pairs = facts.items() if isinstance(facts, Mapping) else facts
        for name, value in pairs:
            if value is not None and not isinstance(value, bool):
                raise RequestError(f"项目情况“{name}”应为 是/否（true/false），而不是“{value}”。")
            key = by_name.get(_fold(str(name)))
            if key in KIND_FACTS:
                raise RequestError(f"“{name}”是项目类型：请用项目类型说明（新建、升级改造或其他）。")
            if key is None:
                options = "、".join(k for k in rule.facts if k not in KIND_FACTS)
                raise RequestError(f"不认识的项目情况“{name}”。可选：{options}。")
            if key in known and known[key] != value:
                raise RequestError(f"项目情况“{rule.facts[key].label}”既说成立又说不成立，请只保留一个。")
            known[key] = value
        if kind is not None:
            k = KINDS.get(_fold(kind))
            if k is None:
                raise RequestError(f"项目类型“{kind}”无效，应为 新建、升级改造 或 其他（new / upgrade / other）。")
            known["is_new"], known["is_upgrade"] = k == "new", k == "upgrade"
        return known

    # 6. 第二十三条
    def self_evaluation(self, accepted: DateSpan, live: DateSpan | None = None, *, as_of: date) -> Calculation:
        rule = self.rules.self_evaluation
        low, high = rule.window.value
        # The later of the two events, each possibly known only to the month or year.
        base = accepted if live is None else DateSpan(max(accepted.start, live.start), max(accepted.end, live.end), "")
        earliest, latest = add_years(base.start, low), add_years(base.end, high)
        sure_from, sure_to = add_years(base.end, low), add_years(base.start, high)
        shown = base.describe()
        steps = [
            Step("规则", rule.clause),
            Step(
                f"起算：通过验收并投入运行之日 {shown}"
                + ("（验收与投运两者都已发生，取较晚者）" if live is not None else "")
            ),
            Step(f"期间：{rule.window.raw}", rule.window.quote),
            Step(f"窗口：{shown} 后 {low} 年至 {high} 年 → {earliest} 至 {latest}"),
        ]
        outcome: dict[str, Any] = {"window_start": earliest.isoformat(), "window_end": latest.isoformat()}
        if not base.is_day:
            steps.append(Step(f"起算日只精确到 {shown}：无论具体哪天，{sure_from} 至 {sure_to} 都在窗口内"))
            outcome |= {"certain_start": sure_from.isoformat(), "certain_end": sure_to.isoformat()}
        in_window: bool | None
        if as_of < earliest:
            status, in_window = "未到", False
            timing = (
                f"按 {as_of}，尚未进入窗口（{'最早' if not base.is_day else ''}还有 {(earliest - as_of).days} 天）。"
            )
        elif as_of > latest:
            status, in_window = "已超过", False
            timing = f"按 {as_of}，已超过窗口（截止日{'最晚为' if not base.is_day else '为'} {latest}）。"
        elif sure_from <= as_of <= sure_to:
            status, in_window = "窗口期内", True
            left = (
                f"距截止还有 {(sure_to - as_of).days} 天"
                if base.is_day
                else f"距截止至少还有 {(sure_to - as_of).days} 天"
            )
            timing = f"按 {as_of}，正处于窗口期内（{left}）。"
        else:
            status, in_window = "视具体日期而定", None
            timing = f"按 {as_of}，是否已在窗口内取决于验收投运的具体日期，请提供准确日期。"
        steps.append(Step(f"查询日期 {as_of}：{status}"))
        steps.append(Step("报送", rule.report))
        if base.is_day:
            window = f"应在 {earliest} 至 {latest} 之间开展自评价"
        else:
            window = (
                f"按 {shown} 计，{sure_from} 至 {sure_to} 之间开展自评价无论具体日期都在期限内"
                f"（可能的最早起点 {earliest}，最晚截止 {latest}）"
            )
        conclusion = f"{window}，并{rule.report.text}（{rule.clause.label}）。{timing}"
        warnings = []
        meta = self.corpus.meta(rule.doc_id)
        if meta.expiry_date and latest > meta.expiry_date:
            warnings.append(
                f"{meta.cite_title()}有效期至 {meta.expiry_date}；窗口中此后的部分，应按届时有效的规定执行。"
            )
        if meta.effective_date and base.end < meta.effective_date:
            warnings.append(
                f"验收投运日期早于{meta.cite_title()}施行日 {meta.effective_date}，该项目是否适用本条请核实。"
            )
        outcome |= {"status": status, "in_window": in_window, "report_to": [q.text for q in rule.report_to]}
        inputs = {"accepted": accepted.text, "live": live.text if live else None}
        return self._finish(
            "self_evaluation", rule.title, rule.doc_id, as_of, conclusion, inputs, outcome, steps, warnings=warnings
        )

    # --- shared --------------------------------------------------------------------------------------

    def _citations(self, steps: Iterable[Step]) -> tuple[Quote, ...]:
        """One citation per unit, in order of first use; several slices of one unit merge into the
        smallest verbatim slice of the document that covers them all."""
        by_unit: dict[str, list[Quote]] = {}
        for step in steps:
            if step.quote is not None:
                by_unit.setdefault(step.quote.unit_id, []).append(step.quote)
        out = []
        for quotes in by_unit.values():
            first = quotes[0]
            start, end = min(q.start for q in quotes), max(q.end for q in quotes)
            text = self.corpus.documents[first.doc_id].text[start:end]
            out.append(replace(first, text=text, start=start, end=end))
        return tuple(out)

    def _finish(
        self,
        name: str,
        title: str,
        doc_id: str,
        as_of: date,
        conclusion: str,
        inputs: Mapping[str, Any],
        outcome: dict[str, Any],
        steps: list[Step],
        assumptions: Iterable[str] = (),
        warnings: Iterable[str] = (),
    ) -> Calculation:
        """Every verdict speaks for a day: add the document's status on it, and warn when not in force."""
        meta = self.corpus.meta(doc_id)
        status = meta.status_on(as_of)
        until = f"，有效期至 {meta.expiry_date}" if meta.expiry_date else ""
        steps = [*steps, Step(f"适用日期 {as_of}：{meta.cite_title()}{status}{until}")]
        warnings = list(warnings)
        if status == EXPIRED:
            warnings.insert(
                0,
                f"按 {as_of}，{meta.cite_title()}已失效（有效期至 {meta.expiry_date}，"
                f"{meta.expiry_date + timedelta(days=1)} 起失效）；以上按原条文计算，仅供参考，请以届时有效的规定为准。",
            )
        elif status == NOT_YET:
            warnings.insert(0, f"按 {as_of}，{meta.cite_title()}尚未施行（{meta.effective_date} 起施行）。")
        outcome = {**outcome, "document_status": status}
        return Calculation(
            name,
            title,
            as_of,
            conclusion,
            inputs,
            outcome,
            tuple(steps),
            tuple(assumptions),
            tuple(warnings),
            self._citations(steps),
        )


PARTIAL = "部分时间有效"  # a validity status of a period over which the status changes
_APPROVAL_ROUTES = ("approval", "not_approved", "no_decision")  # routes under the 办法's approval
_ROUTES = {
    "approval": "审批",
    "filing": "备案制",
    "not_approved": "原则上不予审批",
    "no_decision": "原则上不启动投资决策程序",
    "not_applicable": "不适用本办法（涉密）",
}
_KIND = "项目类型（新建、升级改造或其他）"


def _fold(name: object) -> str:
    """Names typed by people, folded as document names are (width, brackets, spaces), and case."""
    return normalize_name(str(name)).lower()


def _negate(op: str | None) -> str:
    return {">=": "<", "<=": ">", ">": "≤", "<": "≥"}.get(op or "", "?")


def _yes_no(value: bool | None, unknown: str) -> str:
    return unknown if value is None else ("是" if value else "否")


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def _partial(name: str, span: DateSpan, meta: DocumentMeta) -> str:
    parts = []
    if meta.effective_date and span.start < meta.effective_date <= span.end:
        parts.append(f"{meta.effective_date} 起施行")
    if meta.expiry_date and span.start <= meta.expiry_date < span.end:
        parts.append(f"{meta.expiry_date} 届满，{meta.expiry_date + timedelta(days=1)} 起失效")
    return f"{PARTIAL}。{name}在 {span.describe()} 期间效力有变化：{'；'.join(parts)}。"


def _evaluate(when: tuple[tuple[str, ...], ...], facts: Mapping[str, bool | None]) -> bool | None:
    """Kleene logic: all groups must hold; a group holds when any literal does; unknown stays unknown."""
    result: bool | None = True
    for group in when:
        value: bool | None = False
        for literal in group:
            v = facts.get(literal.removeprefix("!"))
            if v is not None and literal.startswith("!"):
                v = not v
            if v is True:
                value = True
                break
            if v is None:
                value = None
        if value is False:
            return False
        if value is None:
            result = None
    return result


def _explain(when: tuple[tuple[str, ...], ...], facts: Mapping[str, bool | None], labels: Mapping[str, Any]) -> str:
    parts = []
    for group in when:
        for literal in group:
            key = literal.removeprefix("!")
            label = labels[key].label if key in labels else key
            v = facts.get(key)
            parts.append(f"{label}：{'未知' if v is None else ('是' if v else '否')}")
    return "；".join(parts)
