"""Free-text question → the structured inputs of one calculator (calculators.INPUTS), by rule, no model.

Extraction only reads the question: amounts come back as the substring written (230万, ２３０万, 200多万,
30万美元), so the calculator parses them and refuses the malformed or foreign ones itself; dates come back
in a form `amounts.parse_date` reads; flags are bools. A question goes to a calculator only when it carries
the calculator's cue AND concrete facts to decide on (an amount, a date, a funding channel, project facts);
general questions about the 办法 return None and are answered by retrieval. `Extractor.wants` tells a
question that asks a calculator's verdict without any facts (项目要不要监理？) from a general one.

Dates: a full date is returned as ISO built from its digits (2024年11月30日 → 2024-11-30; an impossible
day such as 2025年2月30日 stays 2025-02-30 so the calculator refuses it), a month as 2027年3月, a year as
2026年, a relative date as written (明年, 明年3月, 下个月, 下周, 5天后), a month or day without year as
今年12月 / 今年12月1日. A bound or a range is returned whole, as written (2026年11月30日之后, 年底前,
2026年12月1日起, 过了11月30号 → 11月30号之后, 2026年11月到12月 → 2026年11月到2026年12月): its edge decides
the verdict. Words for now (今天, 现在) are the asking date, never an input, and so is a date they
introduce (现在（2029-03-01））.

A validity question's date is its `date` input and a self-evaluation's dates are its inputs; any other
calculator question keeps the date it speaks for (明年项目总投资230万要监理吗) in `Extraction.on`.
"""

from __future__ import annotations

import bisect
import calendar
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from .amounts import FOREIGN
from .calculators import INPUTS
from .numerals import to_int
from .rules import KIND_FACTS, RuleBook

REQUIRED: Mapping[str, tuple[str, ...]] = {
    "supervision": ("total",),
    "adjustment": ("total",),
    "self_evaluation": ("accepted",),
}
# The inputs without which a calculator has nothing concrete to decide (supervision, validity: see _concrete).
_DECIDES: Mapping[str, set[str]] = {
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
    # The day the question speaks for, as written and readable by amounts.parse_date (明年, 2027年3月1日,
    # 2027年3月1日以后); None when it names none, or only now (今天, 现在). Never set for validity (its date is
    # the `date` input) or self_evaluation (its dates are its inputs).
    on: str | None = None
    # Why the text cannot give an input it seems to give, for the asker (问题中有多个金额…): shown instead of a
    # verdict.
    problem: str | None = None
    filled: tuple[str, ...] = ()  # 第十条 facts set by 其他都符合 rather than stated


# --- normalisation ---------------------------------------------------------------------------------

# Full-width ASCII to half-width, A-Z to a-z: one character for one, so offsets still index the raw
# question. The full-width comma stays, or 1000万，200万 would read as a thousands separator.
_WIDTH = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F) if c != 0xFF0C} | {0x3000: 0x20}
_WIDTH |= {c: c + 32 for c in range(0x41, 0x5B)}
_SEPARATORS = re.compile(r"[，。;、?!:\n…]|(?<!\d),|,(?!\d)|但是|但|不过|而且|并且|另外|同时|其中|且|并(?![不没未非])")
# 能不能, 是不是, 有没有, 有无: a question, not a negation. But 功能不能被替代 is 功能 + 不能: after a word
# ending in the repeated character (功能, 需要, 使用…) it is a negation, not a question.
_ASKING = re.compile(r"(.)[不没]\1|有无")
_ASKING_WORDS = frozenset(
    re.findall(
        r"\S+",
        "功能 性能 可能 智能 职能 效能 才能 技能 本能 只能 动能 万能 潜能 产能 节能 赋能 储能 不能 就是 还是 但是 或是 总是 都是 也是 只是 正是 即是 可是 于是 "
        "要是 若是 凡是 倒是 算是 不是 真是 所有 只有 具有 拥有 没有 还有 已有 现有 共有 含有 持有 占有 享有 固有 都有 也有 既有 原有 特有 需要 主要 重要 想要 "
        "只要 不要 必要 就要 还要 也要 都要 将要 首要 使用 费用 应用 作用 适用 采用 专用 通用 共用 信用 启用 不用 可用 运用 备用 实用 占用 调用 引用 试用 租用 "
        "机会 社会 学会 大会 不会 只会 也会 还会 都会 体会 协会 银行 执行 运行 进行 实行 施行 履行 发行 可行 现行 自行 另行 试行 举行 暂行 推行 先行 认可 许可 "
        "即可 不可 预算 概算 核算 计算 结算 决算 打算 估算 测算 清算 就算 能够 足够 审批 报批 获批 分批 申报 上报 填报 新建 自建 在建 改建 扩建 创建 搭建 重建 ",
    )
)
# 没问题, 不存在问题: fine, not a negation of anything.
_FINE = re.compile(r"(?:没有?|不存在|不会有|无)(?:什么|任何)?(?:问题|毛病)")
# 年度计划还没列进去, 政务云没上: a negation right after the cue, before the next one.
_NEG_AFTER = re.compile(r"(?:里|中|内|上|的)?(?:还|也|都|尚|并|就)?(?:没有?|未|不|尚未)(?=[\u4e00-\u9fff])")
# One negation each (没有 once, 并非 once): an even number of them cancels out (并非未部署, 没有不共享).
_NEG = re.compile(r"没有|没|尚未|未(?!来)|不(?!过|同(?!意)|仅|断|少|久|错|管|论|但|光|止)|无(?!偿|论)|非(?!常)")

# --- amounts ----------------------------------------------------------------------------------------

_NUM = r"\d+(?:,\d{3})*(?:\.\d+)?"
_CN_LEAD = "零〇一二三四五六七八九十两壹贰叁参肆伍陆柒捌玖拾几"
# A foreign currency stays with its amount (30万美元), so the calculator refuses it rather than read 元.
_FOREIGN = FOREIGN
_AMOUNT = re.compile(
    r"(?<![0-9a-z.,])(?:大约|约|将近|接近|差不多)?[-−负]?(?P<prefix>人民币|rmb\s?|[¥￥]|us\$|hk\$|\$)?"
    rf"(?:(?P<num>{_NUM})(?:多|余|来)?\s?(?P<unit>亿(?:{_NUM}(?:千万|百万|十万|万|千)?)?|千万|百万|十万|万(?:\d+)?|千)?"
    rf"|(?P<cn>[{_CN_LEAD}][{_CN_LEAD}百千万亿佰仟点]*))"
    rf"(?:\s?(?P<foreign>{_FOREIGN})|(?P<yuan>元|块钱|块|圆))?(?:左右|上下|出头)?"
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
# `other` is money that is not the project's investment (年运维费, 合同金额, 监理费…): never a total unless
# a total's word is said for it too; `sum` adds parts up (一期120万二期110万，合计230万).
_ROLE = re.compile(
    r"(?P<other>门槛|标准线|起点|限额|上限|下限|红线|(?:年度?)?(?:运维(?:费用?|经费|服务费)|维护费用?|运营费用?)|合同(?:金额|总?价款?|额)|监理(?:服务)?费用?"
    r"|采购(?:金额|价格?|额)|中标(?:价格?|金额|额)|成交(?:价格?|金额|额)|服务费用?|租赁费|设计费|咨询费)"
    r"|(?P<new_content>新增|新加|新上|增设|新开发|新做|(?:增加|加|上)了?(?:一个|个|一些|几个|一套)?(?:新的?)?(?:模块|功能|子系统))"
    r"|(?P<savings>结余|节余|节约|节省|省下|剩余|剩下)"
    r"|(?P<total>概算总投资|批复概算|原概算|概算|总投资|投资总额|总预算|项目总?金额|预算|总额)"
    rf"|(?P<sum>合计|总计|一共|共计|总共|加起来|共(?=[\d{_CN_LEAD}]))"
    r"|(?P<increase>增加|追加|调增|增投|增(?!值)|(?<![参附])加(?!起来|在一起|总|强|快))"
    r"|(?P<decrease>减少|调减|核减|压减|缩减|减掉|砍掉|减)"
)
# Amounts after 其中 / 包括 are parts of one before them (总投资230万，其中硬件100万、软件130万).
_PARTS = re.compile(r"其中|包括|包含|含有?|分别")
_ROLE_AFTER = re.compile(rf"(?:的|是|为|作为|用于|用在|属于|都是|要|拿来|做)?(?:{_ROLE.pattern})")

# --- dates ------------------------------------------------------------------------------------------

_DATE = re.compile(
    r"(?P<ymd>(?P<y1>\d{4})\s*[-/.年]\s*(?P<m1>\d{1,2})\s*[-/.月]\s*(?P<d1>\d{1,2})(?!\d)\s*[日号]?)"
    r"|(?P<cymd>(?P<y2>[〇零一二三四五六七八九]{4})年(?P<m2>[一二三四五六七八九十]{1,3})月"
    r"(?:(?P<d2>[一二三四五六七八九十]{1,3})[日号])?)"
    r"|(?P<ym>(?P<y3>\d{4})\s*(?:年\s*(?P<m3>\d{1,2})\s*月(?P<p3>初|底|末)?份?"
    r"|[-/](?P<m4>\d{1,2})(?![\d\-/.万亿元])))"
    r"|(?P<y>(?P<y5>\d{4})\s*年度?(?P<p5>初|底|末)?)"
    r"|(?P<rel>(?P<ry>今年|明年|后年|去年|前年|本年)(?:(?P<rm>\d{1,2})月(?:(?P<rd>\d{1,2})[日号])?(?P<rp>初|底|末)?份?"
    r"|年?[初底末])?"
    r"|下个月|这个月|上个月|本月|下月|上月|明天|明日|大后天|后天|昨天|昨日|前天)"
    r"|(?P<week>(?:本|这|下|上)个?(?:周|星期)(?![期边围转全])[一二三四五六日天末]?)"
    r"|(?P<later>(?:\d{1,3}|[二三四五六七八九]?十[一二三四五六七八九]?|(?<![一二两三四五六七八九])[一二两三四五六七八九])"
    r"(?:天|日|周|个星期|星期|个月|年)(?:以后|之后|后))"
    r"|(?P<within>(?:未来|接下来|今后)(?:\d{1,3}|[一二两三四五六七八九十]+)个?(?:天|日|周|星期|月|年)(?:内|之内|以内)?"
    r"|(?:\d{1,3}|[一二两三四五六七八九十]+)个?(?:天|日|周|星期|月|年)(?:之内|以内|内))"
    r"|(?P<now>今天|今日|现在|目前|当前|如今|此刻|眼下)"
    r"|(?<![〇零一二三四五六七八九十年\d])(?P<cmd>(?P<m8>十[一二]?|[一二三四五六七八九])月(?:(?P<d8>[一二三]?十[一二三四五六七八九]?|[一二三四五六七八九])[日号])?)"
    r"|(?<![\d年])(?P<md>(?P<m6>\d{1,2})月(?P<d6>\d{1,2})[日号])"
    r"|(?<![\d年月.])(?P<mo>(?P<m7>\d{1,2})\s*月份?(?P<p7>初|底|末)?)(?![\d日号])"
    r"|(?<![\d〇零一二三四五六七八九十今明后去前本当每年])(?P<yp>年[初底末])"
)
_CN_YEAR = str.maketrans("〇零一二三四五六七八九", "00123456789")
_NOW_BEFORE = re.compile(r"(?:是|为|:|即)?\s*[(]?\s*$")
# 施行两年后, 验收一年后: counted from that event, not from the asking date.
_COUNTED_FROM = re.compile(
    r"(?:施行|实施|生效|发布|印发|颁布|公布|验收|竣工|终验|上线|运行|投运|启用|使用|开工|建成|完成|立项|批复|审批|备案"
    r"|申报|签订?|到期|失效)(?:满|了|过|的)?\s*$"
)
# A bound or a range around a date: 过了11月30号, 2026年11月30日之后, 2026年12月1日前, 2026年11月到12月.
_PASSED = re.compile(r"(?<![不经通度超])过了?\s*$")
_BOUND = re.compile(
    r"\s*(?P<word>之后|以后|往后|后(?![期续面台端来者])|起(?![来草诉点步])|之前|以前|为止|止|前(?![期后面端台者往]))"
)
_LINK = re.compile(r"\s*(?P<word>到|至|~|～|—|－|-)\s*")
_BETWEEN = re.compile(r"\s*(?:之间|期间|这段时间)")
_YEAR_WORD = re.compile(r"\d{4}|今年|明年|后年|去年|前年|本年")
# Dates tied to an event of the project or of a document (2025年12月验收, 2024年12月1日起施行) are not the
# day a question speaks for.
_EVENT = re.compile(
    r"验收|竣工|终验|上线|投入运行|投运|运行|启用|投入使用|施行|实施|生效|印发|发布|颁布|失效|到期|废止"
)

# --- cues -------------------------------------------------------------------------------------------

_CUES: Mapping[str, re.Pattern[str]] = {
    "supervision": re.compile(r"监理|监里|找人盯|第三方盯|盯着"),
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
# A date and a validity ask and nothing else (2026年12月1日前有效吗): the 办法, without naming it.
_BARE_VALIDITY = re.compile(
    r"(?:那|那么|请问)?(?:如果|要是|假如)?(?:是|在|到|截至)?□+(?:这个|本|该)?(?:还|是否|仍然?|也|都)?"
    r"(?:有效|适用|管用|能用|生效|施行|算数)(?:吗|么|嘛|没有?|呢)?[?!。]?"
)
# Asking when or how long (施行日期是哪天, 有效期多长) is a question for the text, not a date to check.
ASKS_WHEN = re.compile(
    r"什么时候|何时|哪天|哪一天|多长|多久|几年|啥时候|什么日期|哪年|起止|过了?期|期满|到期后|失效后"
    r"|(?:施行|实施|生效|发布|印发)(?:满|了|之日起)?[\d一二两三四五六七八九十]+个?(?:天|日|周|星期|月|年)"
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
# 政务云还不确定: not said either way.
_UNSURE = re.compile(r"[^，。;、]{0,4}?(?:不确定|不清楚|不知道|说不好|说不准|不好说|待定|未定|没定|还没想好)")
_CLEAR = re.compile(r"清楚|明确|清晰|定了|确定|具体|明了|" + _FINE.pattern)
_LEVEL = (
    (re.compile(r"^[^，。;、]{0,3}?不(?:算|太|是|怎么)?(?:低|少)"), False),
    (re.compile(r"^[^，。;、]{0,3}?不(?:算|太|是|怎么)?(?:高|多)"), True),
    (re.compile(r"^[^，。;、]{0,3}?(?:低|少)"), True),
    (re.compile(r"^[^，。;、]{0,3}?(?:高|多|频繁)"), False),
)
# 其他都符合 / 没有第十条的任何情形: every fact not mentioned takes its favourable value. Nothing else fills
# a fact the question does not state.
ALL_ELSE_FINE = re.compile(
    r"(?:其他|其余|别的)(?:的|方面|条件|各项)*(?:都|均|也)?(?:符合|满足|没问题|没有问题|合规|正常|ok)"
    r"|各方面(?:条件)?(?:都|均)?(?:符合|满足|没问题|合规)|(?:没有|不存在|不涉及)第十条(?:的|所列|规定的)?(?:任何)?情形"
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
# --- asking for a verdict without the facts (Extractor.wants) ------------------------------------------

# A question about the rules, not a project: which, what is, how is it computed, how long, everyone above 200万.
_ABOUT_RULES = re.compile(
    r"哪些|哪几|哪类|什么是|是什么|有什么|什么样|什么情况|怎么规定|如何规定|规定了|怎么计算|怎么算|如何计算|多久|多长"
    r"|几年|多少|谁|职责|原则上|一般|都要|都需要|都得|都必须|都能|为什么|怎么办|区别|含义|意思|定义|前提"
    r"|[\d一二三四五六七八九十两百千万元]\s*(?:及|或)?以[上下内]"
    r"|(?:超过|超了|超出|不超过|不到|低于|高于|少于|多于|不足|大于|小于|不满)\s*[\d一二三四五六七八九十两百千万]"
)
# A kind of project (新建项目能申报吗) is a question about the rules, unless it is ours (我们的新建项目…).
_CATEGORY = re.compile(r"(?:新建|升级改造|升级|改造|涉密|运维|这类|此类|这种|哪类|各类)的?(?:项目|系统)")
_OURS = re.compile(r"我们|我单位|本单位|咱们|我司|我局|我委|我的|这个项目|该项目|此项目|本项目|这个系统|这个平台")
_WHEN = re.compile(r"什么时候|何时|啥时候|哪天|几时|什么时间")
# (rule, the ask, what the question must also mention); the first that matches is the rule wanted.
_WANTS: tuple[tuple[str, re.Pattern[str], re.Pattern[str]], ...] = (
    (
        "self_evaluation",
        re.compile(
            rf"(?:{_WHEN.pattern})[^，。?!]{{0,3}}?(?:做|搞|弄|开始|启动)|来得及|来不来得及|能做|可以做|能开始"
            r"|可以开始|能不能做|过期了|超期|晚了|早了|在期限内|在时间内"
        ),
        re.compile(r"自评价|自评|自平价|自我评价"),
    ),
    (
        "supervision",
        re.compile(
            r"(?:要不要|需不需要|用不用|该不该|需要|要|须|必须|得|应当|应该|是否(?:需要|要|应当|应|须|必须)?|有没有必要)"
            r"[^，。?!]{0,4}?(?:请|上|找|聘请|引入|实行|实施|进行|做|搞)?(?:个|一个|一家)?(?:监理|监里)(?!费|工程师|单位的?职责)"
            r"|(?:监理|监里)(?:制|公司|单位)?[^，。?!]{0,6}?(?:要不要|需不需要|用不用|必须吗|是必须的吗|必须的吗|要吗|需要吗"
            r"|必要吗|有必要吗)"
        ),
        re.compile(r"监理|监里"),
    ),
    (
        "adjustment",
        re.compile(
            r"(?:能|可以|可否|能否|能不能|可不可以|允许|是否可以?|是否能)[^，。?!]{0,4}?(?:由)?"
            r"(?:自己|自行|自主|我们|单位|建设单位)?[^，。?!]{0,2}?调(?:整|剂|一调)?"
            r"|(?:自己|自行)调整?[^，。?!]{0,4}?(?:吗|么|嘛|行不行|可以不|可不可以|行吗)"
            r"|(?:要|需要|要不要|需不需要|得)(?:重新)?报批"
        ),
        re.compile(r"概算|自行|自己|项目|建设单位|本单位|我们"),
    ),
    (
        "negative_list",
        re.compile(
            r"(?:能|可以|可否|能否|能不能|可不可以|允许|还能)[^，。?!]{0,6}?(?:申报|申抱)"
            r"|(?:申报|申抱)(?:得了|得上|不上|上)?[吗呢吧]|(?:属于|在)负面清单(?:里|内|中)?(?:吗|么)|(?:能|还能|可以)报(?:吗|么)"
        ),
        re.compile(r"申报|申抱|报|负面清单"),
    ),
    (
        "approval_route",
        re.compile(
            r"审批还是备案|备案还是审批|审批制还是备案制|备案制还是审批制|走审批|走备案"
            r"|(?:走|用|按)(?:什么|哪个|哪种|哪一种|啥)(?:程序|流程|手续|路子|制度)"
            r"|(?:要不要|需不需要|需要|要|用不用|须|是否需要|是否要|得)[^，。?!]{0,4}?(?:审批|备案)(?:吗|么|嘛|呢|[?!]|$)"
            r"|(?:审批|备案)制?(?:吗|么)"
        ),
        re.compile(r"审批|备案|程序|流程|手续"),
    ),
)

_ACCEPTED = re.compile(r"验收|竣工|终验")
_LIVE = re.compile(r"上线|投入运行|投运|运行|启用|投入使用")


@dataclass(frozen=True)
class _Span:
    start: int
    end: int
    value: str
    kind: str = ""  # dates: abs, rel or now
    written: str = ""  # dates: the phrase as written, in a form parse_date reads


class _Text:
    """One question, normalised once: `t` has the raw question's offsets; `p` is `t` with 能不能-style
    questions and 没问题-style praise masked, for reading negation."""

    def __init__(self, raw: str, simplify: Callable[[str], str]) -> None:
        self.raw = raw
        self.t = t = simplify(raw).translate(_WIDTH)
        p = _FINE.sub(lambda m: "□" * len(m[0]), t)
        self.p = _ASKING.sub(
            lambda m: m[0] if t[m.start() - 1 : m.start() + 1] in _ASKING_WORDS else "□" * len(m[0]), p
        )
        self.cuts = [(m.start(), m.end()) for m in _SEPARATORS.finditer(t)]
        self._starts = [s for s, _ in self.cuts]
        self.dates = _dates(t)  # each date on its own: a self-evaluation's 验收 and 上线 days
        self.phrases = _phrases(t, self.dates)  # with their bounds and ranges: the days a question asks about
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

    def negations(self, start: int, end: int) -> int:
        return sum(1 for _ in _NEG.finditer(self.p, start, end))

    def negated(self, start: int, end: int) -> bool:
        """An odd number of negations: 没上政务云 is, 并非未部署政务云 is not."""
        return self.negations(start, end) % 2 == 1


def _dates(t: str) -> list[_Span]:
    """Every date in the text, the asking date (现在（2029-03-01）), words a bracket restates
    (去年今天（2025-11-26）) and counts from an event (施行两年后) dropped."""
    found: list[_Span] = []
    for m in _DATE.finditer(t):
        written = re.sub(r"\s+|份|度", "", m[0])
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
            value = written = m["rel"].removesuffix("份")
            if m["rm"] and m["rp"] and not m["rd"]:  # 明年3月底 → 明年3月31日
                value = written = m["ry"] + _month_part(int(m["rm"]), m["rp"])
            kind = "rel"
        elif m["within"]:
            if _COUNTED_FROM.search(t, 0, m.start()) or t[: m.start()].rstrip().endswith(("后", "起")):
                continue  # 验收后两年内: a length counted from an event, not a date
            value, kind = written, "span"  # a period ahead: asked about, never a project's own date
        elif m["cmd"]:
            day = f"{to_int(m['d8'])}日" if m["d8"] else ""
            value, kind = f"今年{to_int(m['m8'])}月{day}", "rel"
        elif m["week"] or m["later"]:
            if m["later"] and _COUNTED_FROM.search(t, 0, m.start()):
                continue
            value, kind = written, "rel"
        elif m["now"]:
            value = written = "今天"
            kind = "now"
        elif m["md"]:
            value, kind = f"今年{int(m['m6'])}月{int(m['d6'])}日", "rel"
        elif m["mo"]:
            written = _month_part(int(m["m7"]), m["p7"]) if m["p7"] else f"{int(m['m7'])}月"
            value, kind = "今年" + written, "rel"
        else:
            value, kind = "今年" + m["yp"].removeprefix("年"), "rel"
        found.append(_Span(m.start(), m.end(), value, kind, written))
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
    kept = [s for i, s in enumerate(found) if i not in dropped]
    # 2025年6月至7月: the second month is in the first one's year.
    for i in range(1, len(kept)):
        first, second = kept[i - 1], kept[i]
        if (
            re.match(r"\d{1,2}月", second.written)
            and _LINK.fullmatch(t, first.end, second.start)
            and (year := _YEAR_WORD.match(first.written))
        ):
            prefix = year[0]
            first_month = re.search(r"年\s*(\d{1,2})\s*月", first.written)
            later = re.match(r"(\d{1,2})月", second.written)
            if prefix.isdigit() and first_month and later and int(later[1]) < int(first_month[1]):
                prefix = str(int(prefix) + 1)  # 2026年12月到1月: January of the next year
            written = prefix + ("年" if prefix[0].isdigit() else "") + second.written
            kept[i] = _Span(second.start, second.end, written, first.kind, written)
    return kept


def _month_part(month: int, part: str | None) -> str:
    """3月底 → 3月31日, 3月初 → 3月1日: a day parse_date reads without a year (2月底 stays: 28 or 29)."""
    if part in ("底", "末") and month != 2 and 1 <= month <= 12:
        return f"{month}月{calendar.monthrange(2001, month)[1]}日"
    if part == "初":
        return f"{month}月1日"
    return f"{month}月{part or ''}"


def _phrases(t: str, dates: list[_Span]) -> list[_Span]:
    """The dates with what bounds them: a range of two (2026年11月到12月), 过了 before one or 之后 / 以前 / 起 /
    为止 after it. A bound or range comes back whole, as written; a plain date as `_dates` reads it."""
    out: list[_Span] = []
    i = 0
    while i < len(dates):
        span = dates[i]
        i += 1
        start, end, written = span.start, span.end, span.written
        nxt = dates[i] if i < len(dates) else None
        link = None
        if nxt is not None and nxt.kind != "now":
            gap = t[span.end : nxt.start]
            link = _LINK.fullmatch(gap.removeprefix("起") if span.kind == "now" else gap)
        if span.kind == "now" and link is None:
            out.append(span)
            continue
        if link is not None and nxt is not None:  # 2026年11月到12月, 从现在起到明年3月
            word = link["word"] if link["word"] in ("到", "至") else "到"
            written, end = f"{written}{word}{nxt.written}", nxt.end
            i += 1
            if between := _BETWEEN.match(t, end):
                end = between.end()
        elif passed := _PASSED.search(t, 0, start):
            written, start = written + "之后", passed.start()
        elif bound := _BOUND.match(t, end):
            written, end = written + bound["word"], bound.end()
        else:
            out.append(span)
            continue
        out.append(_Span(start, end, written, "rel" if span.kind == "now" else span.kind, written))
    return out


def _amounts(raw: str, t: str, dates: list[_Span]) -> list[_Span]:
    masked = list(t)
    for s in dates:
        masked[s.start : s.end] = "□" * (s.end - s.start)
    for m in _NOT_AMOUNTS.finditer(t):
        masked[m.start() : m.end()] = "□" * (m.end() - m.start())
    a = "".join(masked)
    out = []
    taken = 0
    for m in _AMOUNT.finditer(a):
        if m.start() < taken:
            continue  # inside an amount already widened (2百30万)
        unit, yuan, cn = m["unit"], m["yuan"] or m["foreign"], m["cn"]
        if cn is not None:
            if "万" not in cn and "亿" not in cn and yuan not in ("元", "块钱", "圆") and not m["foreign"]:
                continue
        elif not (unit or yuan or m["prefix"]) and not _BARE_END.match(a, m.end()):
            continue
        if _BOUND_AFTER.match(a, m.end()) or _BOUND_BEFORE.search(a, 0, m.start()):
            continue  # 200万以上, 不超过200万: a bound, not the project's figure
        start, end = m.start(), m.end()
        while start > 0 and a[start - 1] in _NUMERIC:  # 2百30万: the pattern stops at 百
            start -= 1
        if tail := _AMOUNT_TAIL.match(a, end):  # 150万零1元, 二百万零一分
            end = tail.end()
        if end < len(a) and a[end] in "分角" and "零" in a[start:end]:  # 二百万零一分, not 230万分两期
            end += 1
        taken = end
        out.append(_Span(start, end, raw[start:end].strip()))
    return out


# Characters an amount is written in: an amount the pattern read only part of is widened over them, so
# the calculator reads the whole (or refuses it), never a fragment.
_NUMERIC = "0123456789.零〇一二两三四五六七八九十百千万亿佰仟拾"
_AMOUNT_TAIL = re.compile(r"零[0-9零〇一二两三四五六七八九十百千佰仟拾.]+[元分角块]?")


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
        calculator) an elliptical follow-up (那如果是150万呢？, 如果是明年呢？) is read as that calculator's inputs."""
        if rule is not None and rule not in INPUTS:
            raise ValueError(f"no calculator {rule!r}; one of {', '.join(INPUTS)}")
        x = self._text(text)
        asked = self._detect(x)
        if rule is None or (asked is not None and asked != rule):
            return None if asked is None else self._extract(x, asked, follow_up=False)
        result = self._extract(x, rule, follow_up=True)
        # 那政府采购法呢: another document, which the engine resolves; 办法是谁发布的 is not a follow-up.
        other_document = _DOCUMENT.search(x.t) and (_CUES["validity"].search(x.t) or _ELLIPTICAL.search(x.t))
        if result.inputs or result.on or result.problem or (rule == "validity" and other_document):
            return result
        return None

    def wants(self, text: str) -> str | None:
        """The calculator whose verdict the question asks about a project of the asker's while giving none of
        its facts (项目要不要监理？, 概算能不能自己调整？, 走审批还是备案？, 我们项目能申报吗？), so the engine can
        ask for them; None for a question about the rules (监理单位有哪些职责？, 什么是备案制？, 200万元以上的项目
        都要监理吗？), for anything else, and for a question with facts to decide on (that is `extract`'s)."""
        x = self._text(text)
        if self._detect(x) is not None or _ABOUT_RULES.search(x.t):
            return None
        if _CATEGORY.search(x.t) and not _OURS.search(x.t):
            return None
        for rule, ask, cue in _WANTS:
            if not cue.search(x.t):
                continue
            if ask.search(x.t) or (rule == "self_evaluation" and _OURS.search(x.t) and _WHEN.search(x.t)):
                return rule
        return None

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
        if rule == "supervision":
            # Any amount: one that is not the total (年运维费300万) or several (一期120万二期110万) is still
            # a supervision question, whose total is missing or in question.
            decidable = bool(x.amounts)
        elif rule == "validity":
            inputs = self._validity(x, follow_up=False)
            decidable = ("date" in inputs and (bool(_DOCUMENT.search(x.t)) or self._bare_validity(x))) or (
                bool(_DOCUMENT.search(x.t)) and bool(_VALID_NOW.search(x.t)) and not ASKS_WHEN.search(x.t)
            )
        else:
            decidable = bool(_DECIDES[rule] & self._inputs(x, rule, follow_up=False).keys())
        if not decidable:
            return None
        if rule == "adjustment":
            cues += [m.end() for m in _ROLE.finditer(x.t) if m.lastgroup in INPUTS["adjustment"]]
        return max(cues)

    @staticmethod
    def _bare_validity(x: _Text) -> bool:
        """2026年12月1日前有效吗: only a date and a validity ask, which can only be about the 办法."""
        phrase = next((s for s in x.phrases if s.kind != "now"), None)
        if phrase is None:
            return False
        rest = x.t[: phrase.start] + "□" + x.t[phrase.end :]
        return bool(_BARE_VALIDITY.fullmatch(re.sub(r"\s+", "", rest)))

    # --- extraction ---------------------------------------------------------------------------------

    def _extract(self, x: _Text, rule: str, *, follow_up: bool) -> Extraction:
        problem = None
        if rule == "supervision":
            inputs, problem = self._supervision(x)
        else:
            inputs = self._inputs(x, rule, follow_up=follow_up)
        missing = tuple(k for k in REQUIRED.get(rule, ()) if k not in inputs)
        on = None if rule == "validity" else self._on(x)
        if rule == "self_evaluation":
            on = inputs.pop("_on", None)  # 2027年7月1日做自评价: the day asked about, after the project's dates
        problem = inputs.pop("_problem", problem)
        filled = inputs.pop("_filled", ())
        return Extraction(rule, MappingProxyType(inputs), missing, on=on, problem=problem, filled=filled)

    def _inputs(self, x: _Text, rule: str, *, follow_up: bool) -> dict[str, Any]:
        if rule == "supervision":
            return self._supervision(x)[0]
        if rule == "adjustment":
            return self._adjustment(x)
        if rule == "validity":
            return self._validity(x, follow_up)
        if rule == "approval_route":
            return self._route(x)
        if rule == "negative_list":
            return self._negative_list(x)
        return self._self_evaluation(x)

    def _on(self, x: _Text) -> str | None:
        """The first date the question speaks for: not now, not the day of an event (2025年12月验收)."""
        for span in x.phrases:
            if span.kind == "now":
                continue
            start, end = x.clause(span.start)
            if _EVENT.search(x.t, span.end, min(end, span.end + 8)) or _EVENT.search(
                x.t, max(start, span.start - 6), span.start
            ):
                continue
            return span.written
        return None

    def _roles(self, x: _Text) -> dict[_Span, tuple[str | None, str]]:
        """Each amount's role and the word that gives it (None, "": no word; `part`: after 其中, a part of an
        amount before it)."""
        out: dict[_Span, tuple[str | None, str]] = {}
        t = x.t
        for i, amount in enumerate(x.amounts):
            floor = x.amounts[i - 1].end if i else 0
            start, _ = x.clause(amount.start)
            role = _last_role(t, max(start, floor), amount.start)
            if role[0] is None and (m := _ROLE_AFTER.match(t, amount.end)):
                role = _last_role(t, m.start(), m.end())
                if role[0] == "sum":  # 二期110万合计230万: 合计 names the amount after it, not before
                    role = (None, "")
            if role[0] is None and (before := x.previous_clause(start)) and before[1] >= floor:
                role = _last_role(t, max(before[0], floor), before[1])
            if role[0] is None and i and (part := _PARTS.search(t, x.amounts[0].end, amount.start)):
                role = ("part", part[0])
            out[amount] = role
        return out

    def _supervision(self, x: _Text) -> tuple[dict[str, Any], str | None]:
        """The total: the amount a total's word names (总投资, 概算, 项目金额…), else a sum (合计230万), else the
        one amount without a role. Amounts of something else (年运维费, 合同金额) are no total; several without
        a role (一期120万二期110万) are a problem for the asker, not a guess."""
        roles = self._roles(x)
        changes = [  # 其中新增50万 is inside the total, not an addition to it
            a.value
            for a, (r, _) in roles.items()
            if r in ("increase", "new_content") and not _PARTS.search(x.t, 0, a.start)
        ]
        for wanted in ("total", "sum"):
            found = next((a for a, (r, _) in roles.items() if r == wanted), None)
            if found is not None and changes:  # 总投资190万，追加20万: which total is asked about?
                shown = "、".join(changes)
                return {"total": found.value}, (
                    f"问题中除总投资{found.value}外还有追加或新增的金额（{shown}），无法确定按哪个总投资判断；"
                    "请直接说明调整后的总投资，如“总投资210万元”。"
                )
            if found is not None:
                return {"total": found.value}, None
        candidates = [a for a, (r, _) in roles.items() if r is None]
        if len(candidates) == 1:
            return {"total": candidates[0].value}, None
        ask = "请直接说明总投资，如“总投资230万元”。"
        if len(candidates) > 1:
            shown = "、".join(a.value for a in candidates)
            return {}, f"问题中有多个金额（{shown}），无法确定总投资；{ask}"
        others = [(a, word) for a, (r, word) in roles.items() if r == "other"]
        if others:
            shown = "、".join(f"{word}{a.value}" for a, word in others)
            return {}, f"问题中的金额（{shown}）不是项目总投资，是否实行监理要看总投资；{ask}"
        return {}, None

    def _adjustment(self, x: _Text) -> dict[str, Any]:
        inputs: dict[str, Any] = {}
        roles = {a: r for a, (r, _) in self._roles(x).items()}
        for role in ("increase", "decrease", "new_content", "savings"):
            several = [a.value for a, r in roles.items() if r == role]
            if len(several) > 1:  # 增加了两次，一次80万一次90万: a sum is the asker's to state
                inputs["_problem"] = (
                    f"问题中有多个{INPUTS['adjustment'][role]}金额（{'、'.join(several)}），无法确定合计；"
                    f"请直接说明{INPUTS['adjustment'][role]}的合计，如“增加170万”。"
                )
        if "total" not in roles.values():  # 1000万的项目增加150万: the figure without a role is the total
            first = next((a for a, r in roles.items() if r == "sum"), None) or next(
                (a for a, r in roles.items() if r is None), None
            )
            if first is not None:
                roles[first] = "total"
        for amount, role in roles.items():
            if role in INPUTS["adjustment"] and role not in inputs:
                inputs[role] = amount.value
        unread = [a.value for a, r in roles.items() if r is None]
        if unread and "_problem" not in inputs:  # 一次80万一次90万: what is the second figure?
            inputs["_problem"] = (
                f"问题中的金额（{'、'.join(unread)}）看不出是增加、减少还是新增的投资，无法计算；"
                "请分别写明，如“概算1000万，增加170万，其中新增50万”。"
            )
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
        for span in x.phrases:
            if span.kind != "now":
                return {"date": span.value}
        # In a follow-up, 那现在呢 asks about today, replacing the date of the turn before.
        if follow_up and any(s.kind == "now" for s in x.phrases):
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

    def _negative_list(self, x: _Text) -> dict[str, Any]:
        inputs: dict[str, Any] = {}
        kind = _kind(x.t)
        if kind:
            inputs["kind"] = kind
        facts = self._flags(x, self._fact_cues)
        # Only the asker fills what is not said (其他都符合): a fact left unsaid stays unknown, and the
        # calculator reports what it needs.
        if ALL_ELSE_FINE.search(x.t):
            filled = [k for k in self._facts if k not in facts and not (kind == "新建" and k in self._upgrade_only)]
            facts |= {k: self._favourable[k] for k in filled}
            inputs["_filled"] = tuple(filled)
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
                if span.kind not in ("now", "span"):
                    unassigned.append(span)
            elif role not in inputs:
                inputs[role] = span.value
        if "accepted" not in inputs and unassigned:
            inputs["accepted"] = unassigned.pop(0).value
        later = [s for s in unassigned if s.start > x.dates[0].start]
        if "accepted" in inputs and later:
            inputs["_on"] = later[0].written
        return inputs

    def _flags(self, x: _Text, cues: list[tuple[str, re.Pattern[str], bool, str]]) -> dict[str, bool]:
        """Each key's value from its first cue whose polarity can be read; the longest cue wins overlaps.

        Each negation in a clause counts for one cue, and an even number cancels out (并非未部署政务云):
        `pre` cues take those between the cue before them and themselves, and one right after them
        (政务云没上); `clause` cues those inside them (主管部门没批) and any in their clause no other cue
        takes; `status` cues any in their clause no other cue takes (需求和绩效目标都不清楚)."""
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
        # Where each cue's negations are: (start, end) ranges of x.p.
        scopes: list[list[tuple[int, int]]] = []
        after_end: list[int] = []
        for i, (start, end, key, m, _, mode) in enumerate(kept):
            c_start, c_end = x.clause(start)
            floor = max([c_start] + [after_end[j] for j, k in enumerate(kept[:i]) if k[2] != key and k[1] <= start])
            ceiling = min([c_end] + [k[0] for k in kept[i + 1 :] if k[2] != key and k[0] >= end])
            scope = [(floor, start)]
            after = _NEG_AFTER.match(x.p, end, ceiling) if mode != "clause" else None
            if after:
                scope.append(after.span())
            if mode == "clause":
                scope.append((start, end))
            elif "gap" in m.re.groupindex and m["gap"]:
                scope.append(m.span("gap"))
            scopes.append(scope if mode != "status" else [])
            after_end.append(after.end() if after else end)
        out: dict[str, bool] = {}
        for i, (start, end, key, _, base, mode) in enumerate(kept):
            if key in out:
                continue
            c_start, c_end = x.clause(start)
            value: bool | None
            if mode == "pre":
                if _UNSURE.match(x.t, end, c_end):
                    continue
                value = base != (sum(x.negations(a, b) for a, b in scopes[i]) % 2 == 1)
            elif mode in ("clause", "status"):
                taken = [r for j, k in enumerate(kept) if j != i and k[2] != key for r in scopes[j]]
                count = sum(
                    1 for n in _NEG.finditer(x.p, c_start, c_end) if not any(a <= n.start() < b for a, b in taken)
                )
                if mode == "clause":
                    value = base != (count % 2 == 1)
                else:
                    value = True if count % 2 else (False if _CLEAR.search(x.t, c_start, c_end) else None)
            else:
                value = next((v for pattern, v in _LEVEL if pattern.match(x.t[end:c_end])), None)
            if value is not None:
                out[key] = value
        return out


def _last_role(t: str, start: int, end: int) -> tuple[str | None, str]:
    """The role of the last cue word in t[start:end], and the word; a total's word said with another
    (合同金额即总投资) makes it the total; 合计 / 一共 only where no other word is (增加投资总共400万 is an
    increase)."""
    found = [(m.lastgroup, m[0]) for m in _ROLE.finditer(t, start, end)]
    named = [r for r in found if r[0] != "sum"]
    if not named:
        return found[-1] if found else (None, "")
    if named[-1][0] == "other":
        return next((r for r in reversed(named) if r[0] == "total"), named[-1])
    return named[-1]


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
