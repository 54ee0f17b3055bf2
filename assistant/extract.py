"""Free-text question → the structured inputs of one calculator (calculators.INPUTS), by rule, no model.

Extraction only reads the question: amounts come back as the substring written (230万, ２３０万, 200多万),
so the calculator parses them and refuses the malformed ones itself; dates come back in a form
`amounts.parse_date` reads; flags are bools. A question goes to a calculator only when it carries the
calculator's cue AND concrete facts to decide on (an amount, a date, a funding channel, project facts);
general questions about the 办法 return None and are answered by retrieval.

Dates: a full date is returned as ISO built from its digits (2024年11月30日 → 2024-11-30; an impossible
day such as 2025年2月30日 stays 2025-02-30 so the calculator refuses it), a month as 2027年3月, a year as
2026年, a relative date as written (明年, 明年3月, 下个月), a month-day without year as 今年12月1日. Words
for now (今天, 现在) are the asking date, never an input, and so is a date they introduce (现在（2029-03-01）).
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from .calculators import INPUTS
from .numerals import to_int
from .rules import KIND_FACTS, RuleBook

REQUIRED: Mapping[str, tuple[str, ...]] = {
    "supervision": ("total",),
    "adjustment": ("total",),
    "self_evaluation": ("accepted",),
}
# The inputs without which a calculator has nothing concrete to decide (validity: see _concrete).
_DECIDES: Mapping[str, set[str]] = {
    "supervision": {"total"},
    "adjustment": {"increase", "decrease", "new_content"},
    "approval_route": {"funding"},
    "negative_list": {"facts"},
    "self_evaluation": {"accepted", "live"},
}
# When several calculators find concrete facts, the one asked last wins (the ask ends a question:
# 概算1000万增加150万，要监理吗 is about 监理); on a tie, the more specific one.
_PRIORITY = ("self_evaluation", "supervision", "adjustment", "negative_list", "approval_route", "validity")


@dataclass(frozen=True)
class Extraction:
    """What a question gives one calculator: `Calculators.run(rule, inputs, as_of=…)` takes it as is."""

    rule: str  # a key of calculators.INPUTS
    inputs: Mapping[str, Any]  # only keys found in the text, in Calculators.run's format
    missing: tuple[str, ...]  # required inputs not found


# --- normalisation ---------------------------------------------------------------------------------

# Full-width ASCII to half-width, A-Z to a-z: one character for one, so offsets still index the raw
# question. The full-width comma stays, or 1000万，200万 would read as a thousands separator.
_WIDTH = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F) if c != 0xFF0C} | {0x3000: 0x20}
_WIDTH |= {c: c + 32 for c in range(0x41, 0x5B)}
_SEPARATORS = re.compile(r"[，。;、?!:\n…]|(?<!\d),|,(?!\d)|但是|但|不过|而且|并且|另外|同时|其中|且|并(?![不没未非])")
# 能不能, 是不是, 有没有: a question, not a negation.
_ASKING = re.compile(r"(.)[不没]\1")
# 年度计划还没列进去, 政务云没上: a negation right after the cue, before the next one.
_NEG_AFTER = re.compile(r"(?:里|中|内|上|的)?(?:还|也|都|尚|并|就)?(?:没有?|未|不|尚未)(?!问题)(?=[\u4e00-\u9fff])")
_NEG = re.compile(r"没有(?!问题)|没(?!问题)|未(?!来)|尚未|不(?!过|同|仅|断|少|久|错)|无(?!偿|论)|非(?!常)")

# --- amounts ----------------------------------------------------------------------------------------

_NUM = r"\d+(?:,\d{3})*(?:\.\d+)?"
_CN_LEAD = "零〇一二三四五六七八九十两壹贰叁参肆伍陆柒捌玖拾几"
_AMOUNT = re.compile(
    r"(?<![0-9a-z.,])(?:大约|约|将近|接近|差不多)?[-−负]?(?P<prefix>人民币|rmb\s?|[¥￥])?"
    rf"(?:(?P<num>{_NUM})(?:多|余|来)?\s?(?P<unit>亿(?:{_NUM}(?:千万|百万|十万|万|千)?)?|千万|百万|十万|万(?:\d+)?|千)?"
    rf"|(?P<cn>[{_CN_LEAD}][{_CN_LEAD}百千万亿佰仟点]*))"
    r"(?P<yuan>元|块钱|块|圆)?(?:左右|上下|出头)?"
)
# A number with no unit counts only where it ends the phrase (项目230，…), not 20台, 3年, 15%.
_BARE_END = re.compile(r"$|[，,。;、?!:)\s的呢吗啊吧]")
_BOUND_AFTER = re.compile(r"(?:及|或)?以[上下内]|起")
_BOUND_BEFORE = re.compile(r"(?:超过|超出|超了|不超过|不到|低于|高于|少于|多于|不足|大于|小于|不满)$")
_NOT_AMOUNTS = re.compile(
    r"\d+(?:\.\d+)?\s*%|百分之[\d零〇一二三四五六七八九十百点.]+"
    r"|第[\d零〇一二三四五六七八九十百]+[条款项章节]|[(（][一二三四五六七八九十]+[)）]"
)
# The amount a cue word gives a role to: the nearest cue before it, else one right after (三百万元概算).
_ROLE = re.compile(
    r"(?P<new_content>新增|新加|新上|增设|新开发|新做)"
    r"|(?P<savings>结余|节余|节约|节省|省下|剩余|剩下)"
    r"|(?P<total>概算总投资|批复概算|原概算|概算|总投资|投资总额|总预算|预算|总额)"
    r"|(?P<increase>增加|追加|调增|增投|增(?!值)|(?<![参附])加(?!起来|在一起|总|强|快))"
    r"|(?P<decrease>减少|调减|核减|压减|缩减|减掉|砍掉|减)"
)
_ROLE_AFTER = re.compile(rf"(?:的|是|为|作为|用于|用在|属于|都是|要|拿来|做)?(?:{_ROLE.pattern})")

# --- dates ------------------------------------------------------------------------------------------

_DATE = re.compile(
    r"(?P<ymd>(?P<y1>(?:19|20)\d\d)\s*[-/.年]\s*(?P<m1>\d{1,2})\s*[-/.月]\s*(?P<d1>\d{1,2})(?!\d)\s*[日号]?)"
    r"|(?P<cymd>(?P<y2>[〇零一二三四五六七八九]{4})年(?P<m2>[一二三四五六七八九十]{1,3})月"
    r"(?:(?P<d2>[一二三四五六七八九十]{1,3})[日号])?)"
    r"|(?P<ym>(?P<y3>(?:19|20)\d\d)\s*(?:年\s*(?P<m3>\d{1,2})\s*月(?P<p3>初|底|末)?份?"
    r"|[-/](?P<m4>\d{1,2})(?![\d\-/.万亿元])))"
    r"|(?P<y>(?P<y5>(?:19|20)\d\d)\s*年度?(?P<p5>初|底|末)?)"
    r"|(?P<rel>(?:今年|明年|后年|去年|前年|本年)(?:\d{1,2}月(?:\d{1,2}[日号])?(?:初|底|末)?|年?[初底末])?"
    r"|下个月|这个月|上个月|本月|下月|上月|明天|明日|后天|昨天|昨日|前天)"
    r"|(?P<now>今天|今日|现在|目前|当前|如今|此刻|眼下)"
    r"|(?<![\d年])(?P<md>(?P<m6>\d{1,2})月(?P<d6>\d{1,2})[日号])"
)
_CN_YEAR = str.maketrans("〇零一二三四五六七八九", "00123456789")
_NOW_BEFORE = re.compile(r"(?:是|为|:|即)?\s*[(]?\s*$")

# --- cues -------------------------------------------------------------------------------------------

_CUES: Mapping[str, re.Pattern[str]] = {
    "supervision": re.compile(r"监理|监里"),
    "adjustment": re.compile(r"调整|调剂|自行调|自己调|能调|调吗|调一调|报批|备案|手续|变更|自己做|自行|概算"),
    "validity": re.compile(
        r"有效|生效|施行|实施|管用|适用|能用|失效|过期|到期|作废|废止|现行|执行|算数|按照?(?:这个|本|该|此)?办法"
    ),
    "approval_route": re.compile(
        r"审批|备案|报批|程序|流程|怎么报|如何报|怎么管|如何管理|管理方式|什么管理|立项|投资决策|环评|环境影响评价"
        r"|节能评估|节能评价|用地预审|规划选址|走什么|怎么走|手续|批吗|要批"
    ),
    # Asking whether it may apply (能申报吗, 还能报吗, 属于负面清单吗), not any mention of 申报.
    "negative_list": re.compile(
        r"(?:能|可以|可否|能否|允许|准予|准许)[^，。?!]{0,6}?(?:申报|申抱|报)|(?:申报|申抱|报)(?:得了|得上|不上|上|一个)?[吗呢吧]"
        r"|负面清单|不得申报|不予申报|(?<=申报)[^?!]*(?:行吗|可以吗|行不行|没问题吧)"
    ),
    "self_evaluation": re.compile(r"自评价|自评|自平价|自我评价"),
}
_DOCUMENT = re.compile(r"《[^》]+》|办法|条例|规定|规章|文件|政策|(?<![方做合违想说看无设办执依立司])法(?!人)")
_VALID_NOW = re.compile(
    r"(?:还|仍|仍然|依然|依旧|现在|目前|如今|当前|眼下)(?:是否|还)?(?:有效|管用|能用|适用|生效|在有效期|现行有效|算数|可以用)"
    r"|(?:失效|过期|作废|废止|到期)了?(?:吗|没)|是否(?:仍然|还|仍)?(?:现行)?有效|有效吗|管用吗|还能用吗"
    r"|有没有效|有效没有?|是不是(?:还|仍)?有效"
)
_ELLIPTICAL = re.compile(r"呢\s*\??\s*$")
# Asking when or how long (施行日期是哪天, 有效期多长) is a question for the text, not a date to check.
_ASKS_WHEN = re.compile(
    r"什么时候|何时|哪天|哪一天|多长|多久|几年|啥时候|什么日期|哪年|起止|过了?期|期满|到期后|失效后"
)

# 第二十一条第一款: none of the situations, or which one (国家/自治区/市 要求 1, 技术方案 2, 业务发展 3).
_SITUATION_NONE = re.compile(
    r"(?:不属于|不符合|都不是|均不属于|不是|不在|不涉及|没有)[^，。?]{0,40}(?:情形|情况|这几种|那几种|三种|任何一种)"
)
_SITUATIONS = (
    (
        1,
        re.compile(
            r"(?:国家|自治区|包头市|市里|市委|市政府|上级主管部门|上级部门|上级|上面)[^，。;]{0,6}(?:部署|要求|规定|文件|政策)|新要求"
        ),
    ),
    (2, re.compile(r"技术方案[^，。;]{0,4}(?:完善|优化|改进)|(?:完善|优化|改进)[^，。;]{0,4}技术方案|方案优化")),
    (3, re.compile(r"业务发展|业务需要|业务需求|建设规划的?框架")),
)
_SITUATION_ITEM = re.compile(r"第[(]?([一二三123])[)]?项|情形[(]?([一二三123])[)]")
_GOAL_SAME = re.compile(
    r"(?<!绩效)目标(?:也|都|还|仍|将)?(?:保持)?(?:不变|没变|没有变|不改变|未变|不会变|没改变|未改变|没有改变|不调整|没调整|一致)"
)
_GOAL_CHANGED = re.compile(
    r"(?<!绩效)目标(?:也|都|还)?(?:要|会|得|需要|将)?(?:跟着|随之|相应)?(?:改变|变化|调整|有变|有所变化|变|改)"
    r"|(?:改变|调整|变更|修改)了?(?:建设)?目标"
)

# Cues of flags and facts: (key, pattern, value when not negated, how negation is read).
#   pre: a negation before the cue in its clause, or inside its `gap` (没上政务云, 不建机房)
#   clause: a negation anywhere in the clause (主管部门没批, 应当共享的数据也没共享)
#   status: the subject is unclear when negated, clear when 清楚/明确 (需求和绩效目标都清楚)
#   level: low or not, by the word after it (使用频率并不低)
_Cue = tuple[str, str, bool, str]
_ESTIMATE_CUES: tuple[_Cue, ...] = (
    ("within_estimate", r"超(?:出|过)?了?(?:批复)?概算|突破了?概算|超概", False, "pre"),
    ("within_estimate", r"概算(?P<gap>里|内)?(?:装不下|放不下|不够|兜不住|打不住|包不住)", False, "pre"),
    ("within_estimate", r"概算(?:内|以内|范围内|之内)", True, "pre"),
)
_ROUTE_CUES: tuple[_Cue, ...] = (
    ("in_library", r"入库|项目库", True, "pre"),
    (
        "in_plan",
        r"年度(?:建设)?计划|(?:入|进|纳入|列入|列进|报进)了?(?:年度)?(?:建设)?计划|计划(?:里|内|中)",
        True,
        "pre",
    ),
    ("classified", r"涉密|保密项目|涉及国家秘密", True, "pre"),
    (
        "built_before_approval",
        r"先干起来|先干|已经干|开工|未批先建|先建后批|先建|在建|已经建|边建边批|动工|开始建设|开始建了",
        True,
        "pre",
    ),
    (
        "civil_works",
        r"(?:新建)?土建(?:工程)?|高耗能|盖[^，。;、]{0,4}?楼|新建[^，。;、]{0,2}?(?:大楼|办公楼)",
        True,
        "pre",
    ),
)
_FACT_CUES: tuple[_Cue, ...] = (
    (
        "new_infrastructure",
        r"(?:新建|自建|建设?|盖|搭建?|新上)(?:一个|一套|个|座|栋)?(?:新的?)?(?:机房|网络|云平台|数据中心|基础设施)"
        r"|(?:含有?|包括|涉及)(?:新建)?(?:机房|云平台|数据中心)",
        True,
        "pre",
    ),
    (
        "department_approved",
        r"(?:主管部门|主管单位|主管局)[^，。;、]*?(?:准许|同意|批|认可|点头|许可|通过)"
        r"|(?:准许|同意|批准|认可)[^，。;、]*?(?:主管部门|主管单位)|(?:取得|获得)[^，。;、]*?准许",
        True,
        "clause",
    ),
    ("on_gov_cloud", r"政务云|上云", True, "pre"),
    ("on_gov_cloud", r"(?:自己|自建|本单位|单位)[^，。;、]{0,4}?(?:机房|服务器)|本地部署|放(?:在)?单位", False, "pre"),
    ("out_of_touch", r"脱节|与业务不符|跟不上业务|和业务对不上", True, "pre"),
    ("updates_stopped", r"停止更新|停更|不再(?:提供)?(?:更新|维护|升级)|停止(?:维护|服务|技术支持)", True, "pre"),
    ("updates_stopped", r"(?:还在|仍在|仍然在|持续|正常)(?:更新|维护)", False, "pre"),
    (
        "replaceable",
        r"替代|取代|重复建设|重复|(?:现有|已有|别的|其他)[^，。;、]{0,10}?(?:已经)?都?有了",
        True,
        "pre",
    ),
    ("long_idle", r"闲置|空闲|没人用|搁置", True, "pre"),
    ("low_usage", r"很少用|没什么人用|少有人用", True, "pre"),
    ("low_usage", r"使用频率|使用率|用的人|用得|访问量|登录次数", True, "level"),
    ("unclear_requirements", r"需求", True, "status"),
    ("unclear_goals", r"绩效目标|(?<!建设)目标", True, "status"),
    ("withholds_data", r"数据[^，。;、]*?共享|共享[^，。;、]*?数据", False, "clause"),
)
_CLEAR = re.compile(r"清楚|明确|清晰|定了|确定|具体|明了")
_LEVEL = (
    (re.compile(r"^[^，。;、]{0,3}?不(?:算|太|是|怎么)?(?:低|少)"), False),
    (re.compile(r"^[^，。;、]{0,3}?不(?:算|太|是|怎么)?(?:高|多)"), True),
    (re.compile(r"^[^，。;、]{0,3}?(?:低|少)"), True),
    (re.compile(r"^[^，。;、]{0,3}?(?:高|多|频繁)"), False),
)
# 其他都符合 / 没有第十条的任何情形: every fact not mentioned takes its favourable value.
_ALL_ELSE_FINE = re.compile(
    r"(?:其他|其余|别的)(?:的|方面|条件|各项)*(?:都|均|也)?(?:符合|满足|没问题|没有问题|合规|正常|ok)"
    r"|各方面(?:条件)?(?:都|均)?(?:符合|满足|没问题|合规)|没有第十条(?:的|所列)?(?:任何)?情形"
)
_KIND_UNSAID = re.compile(r"新建(?:还是|或者|或|/|、)升级")
_KIND_OTHER = re.compile(
    r"(?:不是|不属于|既不是|并非|非)新建(?:也不是|也不属于|又不是|也非|或|、|和|及)升级|运维|其他类"
)
_KIND = re.compile(
    r"(?P<up>升级改造|升级|改造|二期|扩容)"
    r"|(?P<new>(?:新建|新上)(?![^，。;、]{0,3}?(?:机房|网络|云平台|数据中心|基础设施|土建|楼))|新系统|新平台|新开发)"
)
# Colloquial funding wordings beyond the rule book's aliases.
_FUNDING_EXTRA = {
    "municipal": r"财政(?:出钱|拨款|出资|全额)",
    "service": r"(?:购买|采购)[^，。;、]{0,6}?服务",
    "special": r"(?:国家|自治区|上级|中央)[^，。;、]{0,10}?专项",
    "enterprise": r"企业[^，。;、]{0,8}?(?:免费|无偿|捐赠|赞助|赠送)",
    "self": r"自己(?:单位)?的钱|单位(?:自己)?(?:出钱|掏钱|出资)|自掏腰包",
}
_ACCEPTED = re.compile(r"验收|竣工|终验")
_LIVE = re.compile(r"上线|投入运行|投运|运行|启用|投入使用")


@dataclass(frozen=True)
class _Span:
    start: int
    end: int
    value: str
    kind: str = ""  # dates: abs, rel or now


class _Text:
    """One question, normalised once: `t` has the raw question's offsets; `p` is `t` with 能不能-style
    questions masked, for reading negation."""

    def __init__(self, raw: str, simplify: Callable[[str], str]) -> None:
        self.raw = raw
        self.t = t = simplify(raw).translate(_WIDTH)
        self.p = _ASKING.sub("□□□", t)
        self.cuts = [(m.start(), m.end()) for m in _SEPARATORS.finditer(t)]
        self._starts = [s for s, _ in self.cuts]
        self.dates = _dates(t)
        self.amounts = _amounts(raw, t, self.dates)

    def clause(self, pos: int) -> tuple[int, int]:
        i = bisect.bisect_right(self._starts, pos)
        start = self.cuts[i - 1][1] if i else 0
        end = self.cuts[i][0] if i < len(self.cuts) else len(self.t)
        return (start, end) if start <= pos else (pos, end)

    def previous_clause(self, start: int) -> tuple[int, int] | None:
        """The clause before the one starting at `start`."""
        i = bisect.bisect_right(self._starts, start - 1) - 1
        if i < 0 or self.cuts[i][1] != start or self.cuts[i][0] == 0:
            return None
        return self.clause(self.cuts[i][0] - 1)

    def negated(self, start: int, end: int) -> bool:
        return bool(_NEG.search(self.p, start, end))


def _dates(t: str) -> list[_Span]:
    """Every date in the text, the asking date (现在（2029-03-01）) and words a bracket restates
    (去年今天（2025-11-26）) dropped."""
    found: list[_Span] = []
    for m in _DATE.finditer(t):
        if m["ymd"]:
            value, kind = f"{m['y1']}-{int(m['m1']):02d}-{int(m['d1']):02d}", "abs"
        elif m["cymd"]:
            year = m["y2"].translate(_CN_YEAR)
            value = f"{year}-{to_int(m['m2']):02d}-{to_int(m['d2']):02d}" if m["d2"] else f"{year}年{to_int(m['m2'])}月"
            kind = "abs"
        elif m["ym"]:
            value, kind = f"{m['y3']}年{int(m['m3'] or m['m4'])}月{m['p3'] or ''}", "abs"
        elif m["y"]:
            value, kind = f"{m['y5']}年{m['p5'] or ''}", "abs"
        elif m["rel"]:
            value, kind = m["rel"], "rel"
        elif m["now"]:
            value, kind = "今天", "now"
        else:
            value, kind = f"今年{int(m['m6'])}月{int(m['d6'])}日", "rel"
        found.append(_Span(m.start(), m.end(), value, kind))
    dropped: set[int] = set()
    for i, span in enumerate(found):
        if span.kind == "now":
            continue
        before = _NOW_BEFORE.search(t, 0, span.start)
        edge = before.start() if before else span.start
        chain = []
        j = i - 1
        while j >= 0 and found[j].end == edge:
            chain.append(j)
            edge = found[j].start
            j -= 1
        if not chain:
            continue
        if all(found[k].kind == "now" for k in chain):
            dropped.add(i)  # 现在（2029-03-01）: the asking date
        elif "(" in t[found[chain[0]].end : span.start]:
            dropped.update(chain)  # 去年今天（2025-11-26）: the bracket says which day
    return [s for i, s in enumerate(found) if i not in dropped]


def _amounts(raw: str, t: str, dates: list[_Span]) -> list[_Span]:
    masked = list(t)
    for s in dates:
        masked[s.start : s.end] = "□" * (s.end - s.start)
    for m in _NOT_AMOUNTS.finditer(t):
        masked[m.start() : m.end()] = "□" * (m.end() - m.start())
    a = "".join(masked)
    out = []
    for m in _AMOUNT.finditer(a):
        unit, yuan, cn = m["unit"], m["yuan"], m["cn"]
        if cn is not None:
            if "万" not in cn and "亿" not in cn and yuan not in ("元", "块钱", "圆"):
                continue
        elif not (unit or yuan or m["prefix"]) and not _BARE_END.match(a, m.end()):
            continue
        if _BOUND_AFTER.match(a, m.end()) or _BOUND_BEFORE.search(a, 0, m.start()):
            continue  # 200万以上, 不超过200万: a bound, not the project's figure
        out.append(_Span(m.start(), m.end(), raw[m.start() : m.end()].strip()))
    return out


# --- the extractor ----------------------------------------------------------------------------------


class Extractor:
    """Reads calculator inputs from questions; funding names, facts and their favourable values come from
    the rule book, so a changed rules.toml changes what is recognised."""

    def __init__(self, rules: RuleBook) -> None:
        import opencc  # 繁→简; loaded here, not at import

        self._t2s = opencc.OpenCC("t2s").convert
        funding = rules.approval_route.funding
        names = sorted(
            ((re.escape(n), f.key) for f in funding for n in (f.label, *f.aliases)), key=lambda p: -len(p[0])
        )
        names += [(_FUNDING_EXTRA[f.key], f.key) for f in funding if f.key in _FUNDING_EXTRA]
        self._funding_keys = [key for _, key in names]
        self._funding = re.compile("|".join(f"(?P<f{i}>{p})" for i, (p, _) in enumerate(names)))
        negative = rules.negative_list
        self._facts = [k for k in negative.facts if k not in KIND_FACTS]
        # A fact is favourable when no ground can apply through it: false, or true where a ground needs "!fact".
        self._favourable = {k: any(f"!{k}" in group for g in negative.grounds for group in g.when) for k in self._facts}
        # Facts only grounds of 升级改造 projects use (在用系统…): a 新建 project has no system in use.
        self._upgrade_only = {
            k
            for k in self._facts
            if all(
                ("is_upgrade",) in g.when
                for g in negative.grounds
                if any(lit.removeprefix("!") == k for group in g.when for lit in group)
            )
        }
        self._grounds = [g.when for g in negative.grounds]
        book = tuple(
            (f.key, re.escape(n), True, "pre")
            for f in negative.facts.values()
            if f.key in self._facts
            for n in dict.fromkeys((f.phrase, f.label))
        )
        facts = tuple(c for c in _FACT_CUES if c[0] in self._facts)
        self._fact_cues = [(k, re.compile(p), v, mode) for k, p, v, mode in (*book, *facts)]
        self._route_cues = [(k, re.compile(p), v, mode) for k, p, v, mode in _ROUTE_CUES]
        self._estimate_cues = [(k, re.compile(p), v, mode) for k, p, v, mode in _ESTIMATE_CUES]

    # --- public -------------------------------------------------------------------------------------

    def detect(self, text: str) -> str | None:
        """Which calculator the question asks for, or None for a question retrieval answers."""
        return self._detect(self._text(text))

    def extract(self, text: str, rule: str | None = None) -> Extraction | None:
        """The inputs of the calculator the question asks for. With `rule` (the previous turn's
        calculator) an elliptical follow-up (那如果是150万呢？) is read as that calculator's inputs."""
        if rule is not None and rule not in INPUTS:
            raise ValueError(f"no calculator {rule!r}; one of {', '.join(INPUTS)}")
        x = self._text(text)
        asked = self._detect(x)
        if rule is None or (asked is not None and asked != rule):
            return None if asked is None else self._extract(x, asked, follow_up=False)
        result = self._extract(x, rule, follow_up=True)
        # 那政府采购法呢: another document, which the engine resolves; 办法是谁发布的 is not a follow-up.
        other_document = _DOCUMENT.search(x.t) and (_CUES["validity"].search(x.t) or _ELLIPTICAL.search(x.t))
        return result if result.inputs or (rule == "validity" and other_document) else None

    # --- detection ----------------------------------------------------------------------------------

    def _text(self, raw: str) -> _Text:
        def simplify(s: str) -> str:
            out = self._t2s(s)
            if len(out) != len(s):  # keep offsets: convert character by character
                out = "".join(c2 if len(c2 := self._t2s(c)) == 1 else c for c in s)
            return out

        return _Text(raw, simplify)

    def _detect(self, x: _Text) -> str | None:
        best: tuple[int, int, str] | None = None
        for rank, rule in enumerate(reversed(_PRIORITY)):
            last = self._concrete(x, rule)
            if last is not None and (best is None or (last, rank) > best[:2]):
                best = (last, rank, rule)
        return best[2] if best else None

    def _concrete(self, x: _Text, rule: str) -> int | None:
        """Where the rule's last cue ends, when the question has both its cue and facts to decide on."""
        cues = [m.end() for m in _CUES[rule].finditer(x.t)]
        if not cues:
            return None
        inputs = self._inputs(x, rule, follow_up=False)
        if rule == "validity":
            decidable = bool(_DOCUMENT.search(x.t)) and (
                "date" in inputs or (bool(_VALID_NOW.search(x.t)) and not _ASKS_WHEN.search(x.t))
            )
        else:
            decidable = bool(_DECIDES[rule] & inputs.keys())
        if not decidable:
            return None
        if rule == "adjustment":
            cues += [m.end() for m in _ROLE.finditer(x.t)]
        return max(cues)

    # --- extraction ---------------------------------------------------------------------------------

    def _extract(self, x: _Text, rule: str, *, follow_up: bool) -> Extraction:
        inputs = self._inputs(x, rule, follow_up=follow_up)
        missing = tuple(k for k in REQUIRED.get(rule, ()) if k not in inputs)
        return Extraction(rule, MappingProxyType(inputs), missing)

    def _inputs(self, x: _Text, rule: str, *, follow_up: bool) -> dict[str, Any]:
        if rule == "supervision":
            roles = self._roles(x)
            total = next((a for a, r in roles.items() if r == "total"), None)
            return {"total": total.value} if total else {}
        if rule == "adjustment":
            return self._adjustment(x)
        if rule == "validity":
            return self._validity(x, follow_up)
        if rule == "approval_route":
            return self._route(x)
        if rule == "negative_list":
            return self._negative_list(x, follow_up)
        return self._self_evaluation(x)

    def _roles(self, x: _Text) -> dict[_Span, str | None]:
        """Each amount's role by its cue word; amounts without one become the total (supervision, or an
        adjustment's first figure: 1000万的项目增加150万)."""
        out: dict[_Span, str | None] = {}
        t = x.t
        for i, amount in enumerate(x.amounts):
            floor = x.amounts[i - 1].end if i else 0
            start, _ = x.clause(amount.start)
            role = _last_role(t, max(start, floor), amount.start)
            if role is None and (m := _ROLE_AFTER.match(t, amount.end)):
                role = m.lastgroup
            if role is None and (before := x.previous_clause(start)) and before[1] >= floor:
                role = _last_role(t, max(before[0], floor), before[1])
            out[amount] = role
        taken = set(out.values())
        for amount, role in out.items():
            if role is None and "total" not in taken:
                out[amount] = "total"
                taken.add("total")
        return out

    def _adjustment(self, x: _Text) -> dict[str, Any]:
        inputs: dict[str, Any] = {}
        for amount, role in self._roles(x).items():
            if role is not None and role not in inputs:
                inputs[role] = amount.value
        inputs |= self._flags(x, self._estimate_cues)
        if _GOAL_SAME.search(x.t):
            inputs["goal_unchanged"] = True
        elif _GOAL_CHANGED.search(x.t):
            inputs["goal_unchanged"] = False
        if _SITUATION_NONE.search(x.t):
            inputs["situation"] = 0
        elif m := _SITUATION_ITEM.search(x.t):
            inputs["situation"] = to_int(m[1] or m[2])
        else:
            hits = [(m.start(), n) for n, pattern in _SITUATIONS if (m := pattern.search(x.t))]
            if hits:
                inputs["situation"] = min(hits)[1]
        return inputs

    def _validity(self, x: _Text, follow_up: bool) -> dict[str, Any]:
        for span in x.dates:
            if span.kind != "now":
                return {"date": span.value}
        # In a follow-up, 那现在呢 asks about today, replacing the date of the turn before.
        if follow_up and any(s.kind == "now" for s in x.dates):
            return {"date": "今天"}
        return {}

    def _route(self, x: _Text) -> dict[str, Any]:
        inputs: dict[str, Any] = {}
        keys: list[str] = []
        for m in self._funding.finditer(x.t):
            if x.t.startswith(("局", "厅"), m.end()):  # 市财政局 is an office, not money
                continue
            if x.negated(max(x.clause(m.start())[0], m.start() - 3), m.start()):  # 不花市本级财政的钱
                continue
            key = self._funding_keys[int((m.lastgroup or "f0")[1:])]
            if key not in keys:
                keys.append(key)
        if keys:
            inputs["funding"] = keys
        return inputs | self._flags(x, self._route_cues)

    def _negative_list(self, x: _Text, follow_up: bool) -> dict[str, Any]:
        inputs: dict[str, Any] = {}
        kind = _kind(x.t)
        if kind:
            inputs["kind"] = kind
        facts = self._flags(x, self._fact_cues)
        fill = bool(_ALL_ELSE_FINE.search(x.t))
        # A question that lists only problems, enough to exclude the project, lists them all (主管部门没批、
        # 没上政务云…还能报吗): the rest are taken as fine, which cannot change the verdict.
        if not fill and not follow_up and facts and not any(facts[k] == self._favourable[k] for k in facts):
            known = dict(facts)
            if kind:
                known |= {"is_new": kind == "新建", "is_upgrade": kind == "升级改造"}
            fill = any(all(any(_holds(lit, known) for lit in group) for group in when) for when in self._grounds)
        if fill:
            for k in self._facts:
                if k not in facts and not (kind == "新建" and k in self._upgrade_only):
                    facts[k] = self._favourable[k]
        if facts:
            inputs["facts"] = facts
        return inputs

    def _self_evaluation(self, x: _Text) -> dict[str, Any]:
        inputs: dict[str, Any] = {}
        unassigned = []
        for i, span in enumerate(x.dates):
            start, end = x.clause(span.start)
            upto = x.dates[i + 1].start if i + 1 < len(x.dates) else end
            role = _event(x.t, span.end, min(end, upto), first=True)
            if role is None:
                floor = x.dates[i - 1].end if i else 0
                role = _event(x.t, max(start, floor), span.start, first=False)
            if role is None:
                if span.kind != "now":
                    unassigned.append(span)
            elif role not in inputs:
                inputs[role] = span.value
        if "accepted" not in inputs and unassigned:
            inputs["accepted"] = unassigned[0].value
        return inputs

    def _flags(self, x: _Text, cues: list[tuple[str, re.Pattern[str], bool, str]]) -> dict[str, bool]:
        """Each key's value from its first cue whose polarity can be read; the longest cue wins overlaps."""
        matches = sorted(
            (
                (m.start(), m.end(), key, m, base, mode)
                for key, pattern, base, mode in cues
                for m in pattern.finditer(x.t)
            ),
            key=lambda c: (c[0], -c[1]),
        )
        kept: list[tuple[int, int, str, re.Match[str], bool, str]] = []
        for c in matches:
            if not kept or c[0] >= kept[-1][1]:
                kept.append(c)
        out: dict[str, bool] = {}
        for i, (start, end, key, m, base, mode) in enumerate(kept):
            if key in out:
                continue
            c_start, c_end = x.clause(start)
            value: bool | None
            if mode == "pre":
                floor = max([c_start] + [k[1] for k in kept[:i] if k[2] != key and k[1] <= start])
                ceiling = min([c_end] + [k[0] for k in kept[i + 1 :] if k[2] != key and k[0] >= end])
                negated = (
                    x.negated(floor, start)
                    or bool(m.re.groupindex.get("gap") and m["gap"] and x.negated(*m.span("gap")))
                    or bool(_NEG_AFTER.match(x.p, end, ceiling))
                )
                value = base != bool(negated)
            elif mode == "clause":
                value = base != x.negated(c_start, c_end)
            elif mode == "status":
                value = True if x.negated(c_start, c_end) else (False if _CLEAR.search(x.t, c_start, c_end) else None)
            else:
                value = next((v for pattern, v in _LEVEL if pattern.match(x.t[end:c_end])), None)
            if value is not None:
                out[key] = value
        return out


def _last_role(t: str, start: int, end: int) -> str | None:
    role = None
    for m in _ROLE.finditer(t, start, end):
        role = m.lastgroup
    return role


def _event(t: str, start: int, end: int, *, first: bool) -> str | None:
    """验收 (accepted) or 上线/投入运行 (live): the first word after a date, else the last before it."""
    hits = [(m.start(), "accepted") for m in _ACCEPTED.finditer(t, start, end)]
    hits += [(m.start(), "live") for m in _LIVE.finditer(t, start, end)]
    if not hits:
        return None
    return (min(hits) if first else max(hits))[1]


def _kind(t: str) -> str | None:
    if _KIND_UNSAID.search(t):
        return None
    if _KIND_OTHER.search(t):
        return "其他"
    m = _KIND.search(t)
    if m is None:
        return None
    return "升级改造" if m.lastgroup == "up" else "新建"


def _holds(literal: str, facts: Mapping[str, bool]) -> bool:
    value = facts.get(literal.removeprefix("!"))
    return value is not None and value != literal.startswith("!")
