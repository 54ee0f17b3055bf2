"""Rule data (corpus/rules.toml) bound to the clauses that state it.

Loading resolves every cited unit in the corpus, locates every quoted text inside it (so each quote
carries offsets into the document) and parses every parameter from the clause's own wording. Any
mismatch is a RuleError: data that has drifted from the text never reaches a calculator.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from .amounts import add_years, parse_amount, parse_date, parse_ratio, parse_year_range, parse_years
from .citations import Quote, narrow, quote_unit
from .config import Settings, explain
from .corpus import Corpus
from .errors import RegassistError, RuleError
from .references import parse_ref
from .structure import Document, Unit

# The words statutes use for a bound, and whether the number itself is included: 以上、以下、以内
# include it, 不满、超过 do not (the convention of 民法典第一千二百五十九条); the rest read plainly.
BOUNDS: Mapping[str, str] = MappingProxyType(
    {
        "及以上": ">=",
        "以上": ">=",
        "不少于": ">=",
        "不低于": ">=",
        "以下": "<=",
        "以内": "<=",
        "不超过": "<=",
        "不高于": "<=",
        "不大于": "<=",
        "超过": ">",
        "高于": ">",
        "大于": ">",
        "不满": "<",
        "低于": "<",
        "少于": "<",
        "不足": "<",
    }
)
SYMBOLS = MappingProxyType({">=": "≥", "<=": "≤", ">": ">", "<": "<"})


@dataclass(frozen=True)
class Param:
    """A number from a clause: its value, the words around it, and how it bounds."""

    name: str
    quote: Quote
    raw: str  # as the clause writes it: 200万元, 15%, 两年
    value: Any  # Decimal (元), Fraction, int (years), date, or (low, high) years
    bound: str | None = None  # 及以上, 不超过 …
    op: str | None = None  # >=, <=, >, <

    def holds(self, x: Decimal | Fraction) -> bool:
        """Whether x satisfies the clause: for 200万元及以上, x >= 200万元."""
        if self.op is None:
            raise RuleError(f"参数 {self.name} 没有比较词（bound），不能用于比较。")
        v = Fraction(self.value) if isinstance(x, Fraction) else self.value
        return {">=": x >= v, "<=": x <= v, ">": x > v, "<": x < v}[self.op]

    @property
    def symbol(self) -> str:
        return SYMBOLS[self.op] if self.op else ""

    @property
    def inclusive(self) -> bool:
        """Whether the number itself satisfies the bound (及以上, 不超过) or not (超过, 不满)."""
        return self.op in (">=", "<=")


@dataclass(frozen=True)
class SupervisionRule:
    doc_id: str
    title: str
    clause: Quote
    threshold: Param
    consequence: Quote  # what the clause requires at or above the threshold, in its own words

    @property
    def in_principle(self) -> bool:
        """原则上: the clause admits exceptions."""
        return "原则上" in self.consequence.text


@dataclass(frozen=True)
class AdjustmentRule:
    doc_id: str
    title: str
    conditions: Quote
    within_estimate: Quote
    goal_unchanged: Quote
    permission: Quote
    authority: Quote
    situations: tuple[Quote, ...]
    content: Quote
    definition: Quote
    ratio_max: Param
    new_ratio_max: Param
    new_cap: Param
    savings_excluded: Quote
    otherwise: Quote


@dataclass(frozen=True)
class ValidityRule:
    doc_id: str
    clause: Quote
    effective: Param  # date
    term: Param  # whole years

    @property
    def expiry(self) -> date:
        """The last day in force: the day before the term's anniversary (施行 day counts as day one)."""
        return add_years(self.effective.value, self.term.value) - timedelta(days=1)


@dataclass(frozen=True)
class Funding:
    key: str
    label: str
    route: Literal["approval", "filing"]
    quote: Quote
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class RouteRule:
    doc_id: str
    title: str
    scope: Quote
    classified: Quote
    library: Quote
    not_in_library: Quote
    plan: Quote
    in_plan: Quote
    not_in_plan: Quote
    no_build_before_approval: Quote
    approval: Quote
    stages: tuple[Quote, ...]
    simplified: Quote
    filing: Quote
    other_approvals: Quote
    accountability: Quote
    funding: tuple[Funding, ...]


@dataclass(frozen=True)
class Fact:
    key: str
    label: str
    phrase: str


@dataclass(frozen=True)
class Ground:
    item: int
    quote: Quote  # the whole 项
    when: tuple[tuple[str, ...], ...]  # all groups must hold; a group holds when any literal does


@dataclass(frozen=True)
class NegativeListRule:
    doc_id: str
    title: str
    clause: Quote
    conditions: Quote  # what an application must meet besides (第九条)
    facts: Mapping[str, Fact]
    grounds: tuple[Ground, ...]


@dataclass(frozen=True)
class SelfEvaluationRule:
    doc_id: str
    title: str
    clause: Quote
    window: Param  # (low, high) years
    report: Quote  # to whom the evaluation is sent
    report_to: tuple[Quote, ...]  # each recipient, inside `report`
    post_evaluation: Quote


@dataclass(frozen=True)
class RuleBook:
    supervision: SupervisionRule
    adjustment: AdjustmentRule
    validity: Mapping[str, ValidityRule]  # by document id
    approval_route: RouteRule
    negative_list: NegativeListRule
    self_evaluation: SelfEvaluationRule
    path: Path | None = None
    quotes: tuple[Quote, ...] = field(default=(), repr=False)  # every quote bound, for checks
    params: tuple[Param, ...] = field(default=(), repr=False)  # every parameter bound, for checks


def rule_clause(rules: RuleBook, rule: str, doc_id: str | None = None) -> Quote | None:
    """The clause that states a calculator's rule, for an answer that cannot compute (an unreadable
    amount still shows the rule it would have applied); validity by document."""
    if rule == "validity":
        found = rules.validity.get(doc_id) if doc_id else None
        return found.clause if found else None
    return {
        "supervision": rules.supervision.clause,
        "adjustment": rules.adjustment.conditions,
        "approval_route": rules.approval_route.scope,
        "negative_list": rules.negative_list.clause,
        "self_evaluation": rules.self_evaluation.clause,
    }.get(rule)


# --- the file format, validated at the edge ----------------------------------------------------


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Clause(_Strict):
    cite: str
    text: str


class _Param(_Clause):
    value: str
    bound: str | None = None


class _Supervision(_Strict):
    doc: str
    title: str
    clause: _Clause
    threshold: _Param
    consequence: _Clause


class _Adjustment(_Strict):
    doc: str
    title: str
    conditions: _Clause
    within_estimate: _Clause
    goal_unchanged: _Clause
    permission: _Clause
    authority: _Clause
    situations: list[str]
    content: _Clause
    definition: _Clause
    ratio_max: _Param
    new_ratio_max: _Param
    new_cap: _Param
    savings_excluded: _Clause
    otherwise: _Clause


class _Validity(_Strict):
    doc: str
    clause: _Clause
    effective: _Param
    term: _Param


class _Funding(_Strict):
    key: str
    label: str
    cite: str
    route: Literal["approval", "filing"]
    aliases: list[str] = []


class _Route(_Strict):
    doc: str
    title: str
    scope: _Clause
    classified: _Clause
    library: _Clause
    not_in_library: _Clause
    plan: _Clause
    in_plan: _Clause
    not_in_plan: _Clause
    no_build_before_approval: _Clause
    approval: _Clause
    stages: list[str]
    simplified: _Clause
    filing: _Clause
    other_approvals: _Clause
    accountability: _Clause
    funding: list[_Funding]


class _Fact(_Strict):
    label: str
    phrase: str


class _Ground(_Strict):
    cite: str
    when: list[list[str]]


class _NegativeList(_Strict):
    doc: str
    title: str
    clause: _Clause
    conditions: _Clause
    facts: dict[str, _Fact]
    grounds: list[_Ground]


class _SelfEvaluation(_Strict):
    doc: str
    title: str
    clause: _Clause
    window: _Param
    report: _Clause
    report_to: list[str]
    post_evaluation: _Clause


class _RulesFile(_Strict):
    supervision: _Supervision
    adjustment: _Adjustment
    validity: list[_Validity]
    approval_route: _Route
    negative_list: _NegativeList
    self_evaluation: _SelfEvaluation


# --- binding ---------------------------------------------------------------------------------------


class _Binder:
    """Resolves cites and quotes against one document, recording every quote it hands out."""

    def __init__(self, corpus: Corpus, doc_id: str, section: str, quotes: list[Quote], params: list[Param]) -> None:
        self.section = section
        self.quotes = quotes
        self.params = params
        try:
            self.doc: Document = corpus.document(doc_id)
        except RegassistError as exc:
            raise RuleError(f"[{section}]：文件 {doc_id} 不可用：{exc}") from exc

    def find(self, cite: str, where: str) -> Unit:
        try:
            return self.doc.find(parse_ref(cite))
        except RegassistError as exc:
            raise RuleError(f"[{self.section}] {where}：引用“{cite}”无效：{exc}") from exc

    def quote(self, cite: str, text: str, where: str) -> Quote:
        return self.slice(self.find(cite, where), text, where)

    def slice(self, unit: Unit, text: str, where: str) -> Quote:
        if not text or text not in unit.text:
            raise RuleError(
                f"[{self.section}] {where}：“{text}”不是{self.doc.short_label(unit)}原文的一部分"
                "（规则数据与条文不一致，请核对标点和用字）。"
            )
        q = quote_unit(self.doc, unit, text)
        self.quotes.append(q)
        return q

    def clause(self, spec: _Clause, where: str) -> Quote:
        return self.quote(spec.cite, spec.text, where)

    def unit(self, cite: str, where: str) -> Quote:
        """The whole unit as a quote."""
        unit = self.find(cite, where)
        return self.slice(unit, unit.text, where)

    def within(self, outer: Quote, text: str, where: str) -> Quote:
        """A phrase inside an already bound quote (a stage, an authority), with its own offsets."""
        q = narrow(outer, text)
        if q is None:
            raise RuleError(f"[{self.section}] {where}：“{text}”不在{outer.label}的引文中。")
        self.quotes.append(q)
        return q

    def param(self, name: str, spec: _Param, kind: str) -> Param:
        where = name
        q = self.clause(spec, where)
        if spec.value not in spec.text:
            raise RuleError(f"[{self.section}] {where}：数值“{spec.value}”不在引文“{spec.text}”中。")
        op = None
        if spec.bound is not None:
            if spec.bound not in BOUNDS:
                raise RuleError(f"[{self.section}] {where}：不认识的比较词“{spec.bound}”，可用：{'、'.join(BOUNDS)}。")
            if spec.bound not in spec.text:
                raise RuleError(f"[{self.section}] {where}：比较词“{spec.bound}”不在引文“{spec.text}”中。")
            op = BOUNDS[spec.bound]
        try:
            value = _PARSERS[kind](spec.value)
        except RegassistError as exc:
            raise RuleError(f"[{self.section}] {where}：数值“{spec.value}”无法解析：{exc}") from exc
        param = Param(name, q, spec.value, value, spec.bound, op)
        self.params.append(param)
        return param


_PARSERS = {
    "amount": lambda s: parse_amount(s, field="规则金额"),
    "ratio": lambda s: parse_ratio(s, field="规则比例"),
    "years": lambda s: parse_years(s),
    "year_range": lambda s: parse_year_range(s),
    "date": lambda s: _exact_day(s),
}


def _exact_day(text: str) -> date:
    span = parse_date(text, as_of=date.today())
    if not span.is_day:
        raise RuleError(f"日期“{text}”须精确到日。")
    return span.start


def load_rules(settings: Settings, corpus: Corpus, path: Path | None = None) -> RuleBook:
    """The rule book from `path` (settings.rules_path when None), bound to the corpus; RuleError on
    any mismatch."""
    path = path or settings.rules_path
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise RuleError(f"找不到规则数据文件：{path}") from exc
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise RuleError(f"规则数据文件 {path} 无法读取：{exc}") from exc
    try:
        spec = _RulesFile.model_validate(data)
    except ValidationError as exc:
        problems = "；".join(_problem(e) for e in exc.errors())
        raise RuleError(f"规则数据文件 {path} 格式有误：{problems}") from exc
    return bind(spec, corpus, path)


def _problem(err: Any) -> str:
    where = ".".join(str(p) for p in err["loc"])
    return f"{where}：{explain(err)}"


def bind(spec: _RulesFile, corpus: Corpus, path: Path | None = None) -> RuleBook:
    quotes: list[Quote] = []
    params: list[Param] = []

    s = spec.supervision
    b = _Binder(corpus, s.doc, "supervision", quotes, params)
    supervision = SupervisionRule(
        s.doc,
        s.title,
        b.clause(s.clause, "clause"),
        b.param("threshold", s.threshold, "amount"),
        b.clause(s.consequence, "consequence"),
    )

    a = spec.adjustment
    b = _Binder(corpus, a.doc, "adjustment", quotes, params)
    adjustment = AdjustmentRule(
        doc_id=a.doc,
        title=a.title,
        conditions=b.clause(a.conditions, "conditions"),
        within_estimate=b.clause(a.within_estimate, "within_estimate"),
        goal_unchanged=b.clause(a.goal_unchanged, "goal_unchanged"),
        permission=b.clause(a.permission, "permission"),
        authority=b.clause(a.authority, "authority"),
        situations=tuple(b.unit(cite, "situations") for cite in a.situations),
        content=b.clause(a.content, "content"),
        definition=b.clause(a.definition, "definition"),
        ratio_max=b.param("ratio_max", a.ratio_max, "ratio"),
        new_ratio_max=b.param("new_ratio_max", a.new_ratio_max, "ratio"),
        new_cap=b.param("new_cap", a.new_cap, "amount"),
        savings_excluded=b.clause(a.savings_excluded, "savings_excluded"),
        otherwise=b.clause(a.otherwise, "otherwise"),
    )
    if not adjustment.situations:
        raise RuleError("[adjustment] situations：至少要有一种情形。")

    validity: dict[str, ValidityRule] = {}
    for v in spec.validity:
        b = _Binder(corpus, v.doc, f"validity {v.doc}", quotes, params)
        rule = ValidityRule(
            v.doc,
            b.clause(v.clause, "clause"),
            b.param("effective", v.effective, "date"),
            b.param("term", v.term, "years"),
        )
        _check_manifest_dates(corpus, rule)
        validity[v.doc] = rule

    r = spec.approval_route
    b = _Binder(corpus, r.doc, "approval_route", quotes, params)
    approval = b.clause(r.approval, "approval")
    keys = [f.key for f in r.funding]
    if len(set(keys)) != len(keys) or not keys:
        raise RuleError("[approval_route] funding：资金渠道的 key 须唯一且至少有一个。")
    route = RouteRule(
        doc_id=r.doc,
        title=r.title,
        scope=b.clause(r.scope, "scope"),
        classified=b.clause(r.classified, "classified"),
        library=b.clause(r.library, "library"),
        not_in_library=b.clause(r.not_in_library, "not_in_library"),
        plan=b.clause(r.plan, "plan"),
        in_plan=b.clause(r.in_plan, "in_plan"),
        not_in_plan=b.clause(r.not_in_plan, "not_in_plan"),
        no_build_before_approval=b.clause(r.no_build_before_approval, "no_build_before_approval"),
        approval=approval,
        stages=tuple(b.within(approval, stage, "stages") for stage in r.stages),
        simplified=b.clause(r.simplified, "simplified"),
        filing=b.clause(r.filing, "filing"),
        other_approvals=b.clause(r.other_approvals, "other_approvals"),
        accountability=b.clause(r.accountability, "accountability"),
        funding=tuple(
            Funding(f.key, f.label, f.route, b.quote(f.cite, f.label, f"funding {f.key}"), tuple(f.aliases))
            for f in r.funding
        ),
    )

    n = spec.negative_list
    b = _Binder(corpus, n.doc, "negative_list", quotes, params)
    grounds = tuple(_ground(b, g) for g in n.grounds)
    facts = {key: Fact(key, f.label, f.phrase) for key, f in n.facts.items()}
    _check_facts(facts, grounds)
    negative = NegativeListRule(
        n.doc,
        n.title,
        b.clause(n.clause, "clause"),
        b.clause(n.conditions, "conditions"),
        MappingProxyType(facts),
        grounds,
    )

    e = spec.self_evaluation
    b = _Binder(corpus, e.doc, "self_evaluation", quotes, params)
    report = b.clause(e.report, "report")
    evaluation = SelfEvaluationRule(
        doc_id=e.doc,
        title=e.title,
        clause=b.clause(e.clause, "clause"),
        window=b.param("window", e.window, "year_range"),
        report=report,
        report_to=tuple(b.within(report, body, "report_to") for body in e.report_to),
        post_evaluation=b.clause(e.post_evaluation, "post_evaluation"),
    )
    return RuleBook(
        supervision,
        adjustment,
        MappingProxyType(validity),
        route,
        negative,
        evaluation,
        path,
        tuple(quotes),
        tuple(params),
    )


def _ground(b: _Binder, spec: _Ground) -> Ground:
    quote = b.unit(spec.cite, "grounds")
    if quote.ref.item is None:
        raise RuleError(f"[negative_list] grounds：“{spec.cite}”应指向一项（第X条第（Y）项）。")
    if not spec.when or not all(spec.when):
        raise RuleError(f"[negative_list] grounds {spec.cite}：when 不能为空。")
    return Ground(quote.ref.item, quote, tuple(tuple(group) for group in spec.when))


KIND_FACTS = ("is_new", "is_upgrade")  # set from the project type, never asked as facts


def _check_facts(facts: Mapping[str, Fact], grounds: tuple[Ground, ...]) -> None:
    """Every fact a ground names exists, and its phrase is that ground's own wording; the project-type
    facts exist, because the calculator sets them."""
    for key in KIND_FACTS:
        if key not in facts:
            raise RuleError(f"[negative_list] facts：缺少项目类型事实“{key}”。")
    for ground in grounds:
        for group in ground.when:
            for literal in group:
                key = literal.removeprefix("!")
                if key not in facts:
                    raise RuleError(f"[negative_list] 第（{ground.item}）项：未定义的事实“{key}”。")
    for key, fact in facts.items():
        users = [g for g in grounds if any(key == lit.removeprefix("!") for group in g.when for lit in group)]
        if not users:
            raise RuleError(f"[negative_list] facts.{key}：没有任何一项用到它。")
        if not any(fact.phrase in g.quote.text for g in users):
            raise RuleError(f"[negative_list] facts.{key}：“{fact.phrase}”不在用到它的各项原文中。")


def _check_manifest_dates(corpus: Corpus, rule: ValidityRule) -> None:
    meta = corpus.meta(rule.doc_id)
    if meta.effective_date != rule.effective.value or meta.expiry_date != rule.expiry:
        raise RuleError(
            f"documents.toml 中 {meta.id} 的施行/失效日期（{meta.effective_date} / {meta.expiry_date}）"
            f"与{rule.clause.label}“{rule.clause.text}”不符：应为 {rule.effective.value} / {rule.expiry}。"
        )
