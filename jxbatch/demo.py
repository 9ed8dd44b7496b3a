"""A deterministic generator of a realistic sample workspace (the Changde 常德市军休所 center).

:func:`generate_workspace` creates a complete workspace the way the office would have it at
the end of a month: ``jxbatch init`` (policy file, blank registers, prefilled rubric), the
roster and the retiree register, ``jxbatch issue`` for the month, and then every issued
workbook filled in as staff and the offices would fill it in Excel — including the ordinary
imperfections a real month has (a forgotten daily log, leave days, a missing weekly summary,
a leadership member short of the deduction quota, a bonus claim still waiting for approval,
a birthday must-visit paid a working day after its deadline, two issues raised by retirees
and still being handled). Every living assigned retiree is contacted in the month (R-VI-1) and
the other must-visits are on time (R-VI-3).

The default (16 people, 80 retirees, 2026-11) is the center described in the source text:
4 departments 办公室/财务科/服务管理科/医疗保健科, 1 所长, 2 班子成员, 4 科室负责人 and 9
工作人员; 80 retirees (1 军职, 13 师职, 51 团职 …) and their survivors. Other sizes work too
(departments of 4–12 people, one leadership member per 2–4 departments).

Everything random comes from one ``random.Random(seed)``: the same arguments give the same
cell contents. The filled month validates with warnings only: the one expected warning is the
pending bonus claim (R-SC-3, ``bonus-pending``).
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from .calendar import Calendar, Month, Week
from .issuing import WorkspaceError, init_workspace, issue_month
from .schema import (
    ACTIVITIES,
    ASSESSMENT_OFFICE,
    DEFAULT_DEPARTMENTS,
    META_SHEET,
    PERSONAL,
    REGISTER,
    RETIREES,
    ROSTER,
    Lookup,
    SheetSpec,
    WorkbookSpec,
    meta_rows,
)
from .workspace import Workspace

CENTER = "常德市军休所"
HEADER_ROW = 2
FIRST_DATA_ROW = 3

#: The warning codes the default sample is designed to produce (and nothing else).
EXPECTED_WARNINGS = ("bonus-pending",)

#: The forgotten day (R-DAY-1): the whole row is left empty. With True the prefilled date would
#: stay and only 状态 be blank — what a staff member most likely hands in — but the reader
#: currently reports a blank required 状态 on such a row as an error (`required`), which would
#: block the close over a 0.5-point AUTO-DAILY. Flip once prefilled-only rows are read as
#: "not filled in" (R-DAY-1) instead of as errors.
FORGOTTEN_ROW_KEEPS_DATE = True

DIRECTOR_ZH, LEADER_ZH, HEAD_ZH, STAFF_ZH = "所长", "班子成员", "科室负责人", "工作人员"

# --- names ----------------------------------------------------------------------------------

_SURNAMES = (
    "王李张刘陈杨黄赵周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁"
    "魏薛叶余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎"
    "易常武乔贺赖龚文向覃伍符"
)
_OLD_MALE = (
    "建国", "国华", "志刚", "德明", "振华", "光荣", "保国", "卫东", "国庆", "爱民", "胜利", "长江",
    "铁军", "文华", "明德", "宏伟", "德胜", "国栋", "立新", "向阳", "援朝", "解放", "跃进", "忠诚",
    "永康", "家驹", "树林", "正义", "克勤", "世昌", "汉文", "俊山", "秉义", "绍光",
)
_OLD_FEMALE = (
    "秀英", "桂兰", "淑珍", "玉兰", "凤英", "桂英", "秀兰", "淑华", "玉珍", "翠兰", "素珍", "兰英",
    "月娥", "冬梅", "春华", "金凤", "爱莲", "菊香", "银花", "慧珍",
)
_YOUNG_MALE = (
    "伟", "强", "磊", "军", "洋", "勇", "杰", "涛", "明", "超", "刚", "斌", "浩然", "子豪", "俊杰",
    "志强", "建华", "海涛", "文斌", "晓东", "鹏飞", "宇航", "振宇", "博文", "思远",
)
_YOUNG_FEMALE = (
    "芳", "娜", "敏", "静", "丽", "艳", "娟", "霞", "平", "婷", "雪", "琳", "晓燕", "丽华", "海燕",
    "春燕", "秀梅", "慧敏", "佳怡", "雨欣", "梦琪", "思琪", "欣怡", "晓丽", "红梅",
)

# --- texts staff write ------------------------------------------------------------------------

_DONE_COMMON = (
    "上班后清理工作区卫生，温习前一天工作记录",
    "整理办公桌面资料，按类归档",
    "参加科室工作碰头会，明确本周重点",
)
_DONE: dict[str, tuple[str, ...]] = {
    "办公室": (
        "起草本月工作简报初稿", "收发并登记上级来文", "安排所务会会场并做好会议记录",
        "整理精细化考核资料", "更新人员名册和通讯录", "办理公务用车派车手续",
        "督办各科室周工作计划落实", "接待来所办事的军休人员家属", "整理文书档案并装盒",
        "核对日整理和周小结提交情况", "起草冬季安全工作通知",
    ),
    "财务科": (
        "审核报销单据并登记", "登记现金日记账并核对库存现金", "发放军休人员取暖补贴",
        "编制本月经费支出明细表", "核对医药费报销凭证", "到银行办理补助资金转账",
        "核算津补贴增减数据", "整理会计凭证并装订成册", "准备下月预算执行分析",
        "核对遗属生活补助发放名单",
    ),
    "服务管理科": (
        "组织外出活动报名登记", "整理联包走访记录", "协调所院内水电维修事项",
        "检查活动室设施安全", "更新军休人员事件登记", "布置老年活动中心冬季取暖",
        "收集军休人员意见建议", "准备季度签字确认表", "联系外出活动车辆和保险",
        "整理分散活动申请材料",
    ),
    "医疗保健科": (
        "为所院内军休干部测量血压", "更新军休人员健康档案", "联系医院安排年度体检",
        "整理住院人员情况登记", "开展冬季常见病防治宣传", "为行动不便的老同志送药上门",
        "核对医疗费报销材料", "到医院了解住院军休干部病情", "检查保健室药品有效期",
    ),
    LEADER_ZH: (
        "检查分管科室工作落实情况", "参加所务会研究冬季服务工作", "听取分管科室工作汇报",
        "现场检查办公区环境卫生和劳动纪律", "督导分管科室联包走访工作", "审核分管科室考核情况",
        "到新一村居住点了解军休人员生活情况", "审阅分管科室周小结并提出意见",
    ),
    DIRECTOR_ZH: (
        "主持召开所务会", "审签财务支出和上报文件", "到市民政局汇报军休工作",
        "听取精细化考核办月度情况汇报", "检查全所安全工作", "研究部署冬季军休服务工作",
        "督导联包共创活动开展情况", "接待来访的军休干部代表",
    ),
    "": ("处理科室日常事务", "完成领导交办的临时任务", "整理本科室工作台账", "参加业务学习"),
}
_UNDONE = (
    "简报初稿待修改完善", "部分单据待经办人补签", "活动方案待领导审定",
    "个别军休人员电话未接通，明日再联系", "档案整理尚余部分", "资料待领导审阅后归档",
    "维修事项待施工方确认时间", "数据待与相关科室核对",
)
_REFLECTIONS = (
    "服务军休干部要耐心倾听，等老同志说完再解释",
    "细节决定服务质量，小事要做细做实",
    "工作提前谋划，才能忙而不乱",
    "与军休人员多沟通，感情更融洽",
    "今日事今日毕，日清日结效率高",
    "接待时做到一微笑二起立三请坐，老同志很满意",
    "数据核对要仔细，一个数字也不能错",
    "天气转冷，要格外关注老同志的身体状况",
    "科室配合好，工作效率明显提高",
    "按流程办事，既规范又省心",
    "精细化就是把每件事落到实处",
    "电话回访让老同志感受到组织的关心",
    "遇事主动沟通，问题更容易解决",
    "学习政策文件，解答问题更有底气",
    "把军休干部当亲人，服务才能暖到心里",
    "记录要真实具体，不能敷衍了事",
    "多走一步、多问一句，服务就更到位",
    "今天工作较顺利，明天继续保持",
)
_PLANS = (
    "继续做好联包走访，重点关注住院和独居的老同志",
    "完成月度考核资料的整理和上报",
    "做好冬季取暖和用电安全检查",
    "按计划推进科室年度目标任务",
    "配合做好外出活动的组织和保障",
    "抓好日整理、周小结，按时上交",
    "落实所务会部署的各项工作",
    "做好季度签字确认表的准备工作",
)
_SITUATIONS = (
    "身体状况良好，生活规律",
    "近期血压偏高，已提醒按时服药、定期测量",
    "老伴身体不好，子女常回家照看",
    "精神状态好，每天到活动中心下棋",
    "关心冬季取暖补贴发放时间，已作解答",
    "腿脚不便，很少下楼活动，嘱咐注意防滑",
    "对所里的服务表示满意",
    "打算参加所里组织的活动",
    "睡眠不太好，建议到医院检查",
    "子女在外地工作，独自居住，嘱咐注意安全",
    "刚做完年度体检，结果正常",
    "询问医药费报销政策，已详细解释",
)
_CONCERNS = (
    ("所院内楼道灯损坏，夜间出行不便", "已报办公室安排电工维修"),
    ("上月医药费报销款尚未到账", "已转财务科核查，答复本月底前办结"),
    ("希望延长老年活动中心开放时间", "已向分管领导汇报，待所务会研究"),
    ("家中暖气片漏水，需协调维修", "已联系物业，约定下周上门维修"),
)

_DEDUCTION_REASONS: dict[str, tuple[str, ...]] = {
    "B01": ("检查发现办公桌面杂乱，文件随意堆放",),
    "B02": ("上午上班迟到二十分钟，未说明原因", "外出办事未登记去向"),
    "B03": ("工作时间未佩戴工作牌",),
    "B04": ("接待来访军休人员未起立让座、未倒茶",),
    "S02": ("办公室电话响铃五声以上无人接听",),
    "S05": ("下班后办公室电脑和照明未关闭",),
    "S06": ("无故缺席周五集中政治学习",),
    "W01": ("日整理内容敷衍，体会照抄前一天",),
    "W03": ("联包走访记录不完整，未写明了解情况",),
    "P01": ("交办的统计报表未按期报送",),
}


# --- the plan -----------------------------------------------------------------------------


@dataclass
class StaffMember:
    staff_id: str
    name: str
    role: str  # Chinese role, as in the roster
    department: str | None
    title: str
    start: dt.date
    end: dt.date | None = None
    gender: str = "男"

    @property
    def email(self) -> str:
        return f"{self.staff_id.lower()}@example.cn"

    def active_on(self, d: dt.date) -> bool:
        return self.start <= d and (self.end is None or d <= self.end)


@dataclass
class RetireeRec:
    retiree_id: str
    name: str
    category: str
    rank: str
    gender: str
    birth: dt.date
    disabled: bool
    residence: str
    branch: str
    assigned: str = ""
    entry: dt.date = dt.date(2000, 1, 1)
    death: dt.date | None = None

    def living_on(self, d: dt.date) -> bool:
        return self.entry <= d and (self.death is None or d <= self.death)

    def age_on(self, d: dt.date) -> int:
        return d.year - self.birth.year - ((d.month, d.day) < (self.birth.month, self.birth.day))


@dataclass
class EventRec:
    event_id: str
    retiree_id: str
    event_type: str
    start: dt.date
    end: dt.date | None
    registrar: str
    note: str


@dataclass
class Visit:
    date: dt.date
    retiree_id: str
    mode: str
    visit_type: str = "定期访"
    event_id: str = ""
    situation: str = ""
    concern: str = ""
    concern_id: str = ""
    concern_status: str = ""
    handling: str = ""


@dataclass
class DayLog:
    status: str = ""  # blank: the day was forgotten
    done: str = ""
    undone: str = ""
    reflection: str = ""


@dataclass
class PersonMonth:
    """What one person writes into their monthly workbook."""

    days: dict[dt.date, DayLog] = field(default_factory=dict)
    weeks: dict[str, tuple[str, str]] = field(default_factory=dict)  # label -> (summary, plan)
    visits: list[Visit] = field(default_factory=list)
    claims: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Sample:
    month: Month
    departments: list[str]
    oversight: dict[str, str]  # department -> leader id
    staff: list[StaffMember]  # roster order, including the former member
    retirees: list[RetireeRec]
    applications: list[dict[str, Any]]
    events: list[EventRec]
    personal: dict[str, PersonMonth]
    deductions: list[dict[str, Any]]
    approvals: list[dict[str, Any]]
    activities: list[dict[str, Any]]
    participants: list[dict[str, Any]]
    notes: dict[str, Any] = field(default_factory=dict)  # who forgot what (for reports and tests)

    def in_scope(self, cal: Calendar) -> list[StaffMember]:
        days = cal.working_days(self.month)
        return [s for s in self.staff if any(s.active_on(d) for d in days)]


# --- public API -----------------------------------------------------------------------------


def generate_workspace(root: Path, *, people: int = 16, retirees: int = 80, month: str = "2026-11",
                       seed: int = 2026, fast: bool = False) -> None:
    """Create a complete, filled-in sample workspace in `root` (see the module docstring).

    `fast` writes the registers and the month's workbooks directly with xlsxwriter (title,
    header, data and the hidden `_meta`, without drop-downs or protection): the same content,
    about fifty times quicker, for synthetic workspaces of thousands of people (issue 9).
    """
    root = Path(root)
    m = Month.parse(month)
    sample = plan_sample(people=people, retirees=retirees, month=m, seed=seed)
    init_workspace(root)
    if fast:
        write_plain_workspace(root, sample)
        return
    write_registers(root, sample)
    result = issue_month(root, m, center=CENTER)
    errors = [p for p in result.problems if p.is_error]
    if errors:
        raise WorkspaceError("示例名册有错误：" + "；".join(p.line() for p in errors[:5]))
    fill_month(root, sample)


def plan_sample(*, people: int = 16, retirees: int = 80, month: Month | str = "2026-11",
                seed: int = 2026) -> Sample:
    """Everything the sample contains, decided up front from one seeded generator."""
    m = Month.parse(month) if isinstance(month, str) else month
    if people < 4:
        raise ValueError("people must be at least 4 (所长, 班子成员, 科室负责人, 工作人员)")
    if retirees < 1:
        raise ValueError("retirees must be at least 1")
    return _Planner(people, retirees, m, random.Random(seed)).plan()


# --- planning -------------------------------------------------------------------------------


def _org_shape(people: int, rng: random.Random) -> tuple[list[str], list[int], list[list[int]]]:
    """Department names, members per department (head + staff) and each leader's departments."""
    if people == 16:  # the Changde center of the source text
        return list(DEFAULT_DEPARTMENTS), [3, 3, 4, 3], [[0, 1], [2, 3]]
    rest = people - 1  # without the director
    best: tuple[float, int] | None = None
    for d in range(1, rest):
        leaders = 1 if d == 1 else math.ceil(d / 3)
        members = rest - leaders
        if members < d:
            break
        avg = members / d
        penalty = 0.0 if 4 <= avg <= 12 else 100 + min(abs(avg - 4), abs(avg - 12))
        score = penalty + abs(avg - 7.5)
        if best is None or score < best[0]:
            best = (score, d)
    n_dept = best[1] if best else 1
    n_lead = 1 if n_dept == 1 else math.ceil(n_dept / 3)
    members = rest - n_lead
    sizes = [members // n_dept + (1 if i < members % n_dept else 0) for i in range(n_dept)]
    lo, hi = min(4, min(sizes)), max(12, max(sizes))
    for _ in range(n_dept * 2):  # some variety, sizes stay within bounds
        i, j = rng.randrange(n_dept), rng.randrange(n_dept)
        if i != j and sizes[i] > lo + 1 and sizes[j] < hi - 1:
            sizes[i] -= 1
            sizes[j] += 1
    names = _department_names(n_dept)
    groups: list[list[int]] = [[] for _ in range(n_lead)]
    for i in range(n_dept):
        groups[i * n_lead // n_dept].append(i)
    return names, sizes, groups


def _department_names(n: int) -> list[str]:
    if n < len(DEFAULT_DEPARTMENTS):  # a small center keeps its service department (rubric targets)
        return ["服务管理科", "办公室", "医疗保健科"][:n]
    pool = list(DEFAULT_DEPARTMENTS) + ["政工科", "后勤保障科", "文体活动科", "老年大学办公室",
                                        "信息科", "安全保卫科", "离退休服务科", "档案室"]
    names = pool[:n]
    k = 1
    while len(names) < n:
        names.append(f"第{k}服务站")
        k += 1
    return names


def _dept_kind(dept: str | None) -> str:
    if dept in _DONE:
        return dept
    if dept and "服务" in dept:
        return "服务管理科"
    return ""


_STAFF_TITLES = {
    "办公室": ("文秘", "档案管理员", "驾驶员", "综合干事"),
    "财务科": ("会计", "出纳"),
    "服务管理科": ("服务管理员", "文体干事", "联络员"),
    "医疗保健科": ("医师", "护士", "保健员"),
}


class _Planner:
    def __init__(self, people: int, retirees: int, month: Month, rng: random.Random) -> None:
        self.n_people, self.n_retirees, self.month, self.rng = people, retirees, month, rng
        self.cal = Calendar()
        self.days = self.cal.working_days(month)
        self.weeks: list[Week] = self.cal.weeks(month)
        self.names: set[str] = set()
        self.sid_width = max(2, len(str(people + 1)))
        self.rid_width = max(3, len(str(retirees)))
        self.unavailable: dict[str, set[dt.date]] = {}  # staff id -> leave / trip days
        # (staff id, 事件编号, deadline, visit date) of the birthday visited late (R-VI-3)
        self.late_birthday: tuple[str, str, dt.date, dt.date] | None = None

    # helpers
    def name(self, given: Sequence[str]) -> str:
        for _ in range(60):
            n = self.rng.choice(_SURNAMES) + self.rng.choice(given)
            if n not in self.names:
                break
        self.names.add(n)
        return n

    def sid(self, i: int) -> str:
        return f"S{i:0{self.sid_width}d}"

    def rid(self, i: int) -> str:
        return f"R{i:0{self.rid_width}d}"

    def day(self, lo: int, hi: int) -> dt.date:
        """A random working day of the month by index range (clamped)."""
        n = len(self.days)
        lo, hi = max(0, min(lo, n - 1)), max(0, min(hi, n - 1))
        return self.days[self.rng.randint(min(lo, hi), max(lo, hi))]

    def free_days(self, s: StaffMember) -> list[dt.date]:
        away = self.unavailable.get(s.staff_id, set())
        return [d for d in self.days if s.active_on(d) and d not in away]

    # the plan
    def plan(self) -> Sample:
        staff, departments, oversight, joiner = self.plan_staff()
        self.joiner = joiner
        scope = [s for s in staff if any(s.active_on(d) for d in self.days)]
        self.scope = scope
        self.by_id = {s.staff_id: s for s in staff}
        retirees = self.plan_retirees(scope)
        self.retirees = {r.retiree_id: r for r in retirees}
        events = self.plan_events(retirees, scope)
        applications = self.plan_applications(retirees)
        notes: dict[str, Any] = {"joiner": joiner.staff_id, "former": staff[-1].staff_id}
        must = self.must_visits(events, retirees)
        self.plan_absences(scope, departments, oversight, must, notes)
        personal = {s.staff_id: PersonMonth() for s in scope}
        self.plan_visits(scope, retirees, must, personal)
        if self.late_birthday is not None:
            notes["late_birthday"] = self.late_birthday
        deductions = self.plan_deductions(scope, departments, oversight, notes)
        approvals = self.plan_bonuses(scope, personal, notes)
        self.plan_logs(scope, personal, notes)
        activities, participants = self.plan_activities(retirees, applications, events)
        return Sample(self.month, departments, oversight, staff, retirees, applications, events,
                      personal, deductions, approvals, activities, participants, notes)

    def plan_staff(self) -> tuple[list[StaffMember], list[str], dict[str, str], StaffMember]:
        rng, m = self.rng, self.month
        names, sizes, groups = _org_shape(self.n_people, rng)
        n_lead = len(groups)
        i = 1

        def person(role: str, dept: str | None, title: str, start: dt.date) -> StaffMember:
            nonlocal i
            gender = "女" if rng.random() < 0.4 else "男"
            given = _YOUNG_FEMALE if gender == "女" else _YOUNG_MALE
            s = StaffMember(self.sid(i), self.name(given), role, dept, title, start, None, gender)
            i += 1
            return s

        def started(lo: int, hi: int) -> dt.date:
            return dt.date(rng.randint(lo, hi), rng.randint(1, 12), rng.randint(1, 28))

        staff = [person(DIRECTOR_ZH, None, "所长", dt.date(2009, 7, 20))]
        leader_titles = ("副所长", "副所长", "党支部副书记", "副所长")
        leaders = [person(LEADER_ZH, None, leader_titles[k % len(leader_titles)], started(1998, 2012))
                   for k in range(n_lead)]
        staff += leaders
        oversight = {names[d]: leaders[g].staff_id for g, ds in enumerate(groups) for d in ds}
        for dept in names:
            head_title = "办公室主任" if dept == "办公室" else f"{dept}科长" if dept.endswith("科") else f"{dept}负责人"
            staff.append(person(HEAD_ZH, dept, head_title, started(2000, 2016)))
        joiner_dept = next((d for d in names if d == "服务管理科"), names[-1])
        joiner: StaffMember | None = None
        for dept, size in zip(names, sizes, strict=True):
            titles = _STAFF_TITLES.get(dept, ("科员", "干事"))
            members = [person(STAFF_ZH, dept, titles[k % len(titles)], started(2005, 2024))
                       for k in range(size - 1)]
            if dept == joiner_dept and members and joiner is None:
                joiner = members[-1]
                mid = next((d for d in self.days if d.day >= 15), self.days[len(self.days) // 2])
                joiner.start, joiner.title = mid, "服务管理员（新进）" if dept == "服务管理科" else "科员（新进）"
            staff += members
        if joiner is None:  # a center without any plain staff: the last head joins mid-month
            joiner = staff[-1]
            joiner.start = self.days[len(self.days) // 2]
        # a former member who left before the month: on the roster, out of scope
        former_dept = names[-1]
        former = person(STAFF_ZH, former_dept, _STAFF_TITLES.get(former_dept, ("科员",))[0], started(2008, 2015))
        former.end = m.first - dt.timedelta(days=17)
        staff.append(former)
        return staff, names, oversight, joiner

    def plan_retirees(self, scope: list[StaffMember]) -> list[RetireeRec]:
        rng, m, n = self.rng, self.month, self.n_retirees
        if n == 80:
            counts = {"军职": 1, "师职": 13, "团职": 51, "营职及以下": 3, "无": 12}
        else:
            counts = {"军职": max(1, round(n / 80)), "师职": round(n * 13 / 80),
                      "营职及以下": round(n * 3 / 80), "无": round(n * 12 / 80)}
            counts["团职"] = max(0, n - sum(counts.values()))
            counts = {k: counts[k] for k in ("军职", "师职", "团职", "营职及以下", "无")}
            while sum(counts.values()) > n:  # tiny registers
                k = max(counts, key=lambda k: counts[k])
                counts[k] -= 1
        birth_years = {"军职": (1928, 1934), "师职": (1930, 1946), "团职": (1935, 1955),
                       "营职及以下": (1945, 1955), "无": (1932, 1952)}
        ranks = [r for r, c in counts.items() for _ in range(c)]
        # birthdays: none in the month (nor in the last days before it), except a chosen few
        avoid_prev = {(m.first - dt.timedelta(days=k)).timetuple()[1:3] for k in range(1, 5)}
        out: list[RetireeRec] = []
        for k, rank in enumerate(ranks, start=1):
            survivor = rank == "无"
            if survivor:
                gender = "女" if rng.random() < 0.85 else "男"
            else:
                gender = "女" if rng.random() < 0.06 else "男"
            given = _OLD_FEMALE if gender == "女" else _OLD_MALE
            lo, hi = birth_years[rank]
            birth = self.birthday(rng.randint(lo, hi), avoid_prev)
            residence = rng.choices(("所院内", "新一村", "市区"), (40, 35, 25))[0]
            branch = {"所院内": "第一支部", "新一村": "第二支部", "市区": "第三支部"}[residence]
            entry_year = min(2024, max(1985, birth.year + rng.randint(55, 60)))
            entry = dt.date(entry_year, rng.randint(1, 12), rng.randint(1, 28))
            if entry_year == 1985 and entry.month < 7:
                entry = dt.date(1985, 7, rng.randint(1, 28))  # the center opened in July 1985
            out.append(RetireeRec(self.rid(k), self.name(given), "遗属" if survivor else "军休干部", rank,
                                  gender, birth, rng.random() < 0.07 and not survivor, residence, branch,
                                  entry=entry))
        # a handful of younger retirees (under 70: B3-eligible by age), never disabled
        young_pool = [r for r in out if r.rank in ("团职", "营职及以下")]
        n_young = min(len(young_pool), max(2, round(n / 10)))
        self.young = rng.sample(young_pool, n_young) if young_pool else []
        self.young_ids = {r.retiree_id for r in self.young}
        for r in self.young:
            r.birth = self.birthday(rng.randint(1957, 1960), avoid_prev)
            r.disabled = False
            r.entry = dt.date(min(2024, r.birth.year + rng.randint(55, 58)), rng.randint(1, 12), rng.randint(1, 28))
        # one who died a few months ago (not on the register this month)
        old = [r for r in out if r.category == "军休干部" and r.retiree_id not in self.young_ids and r.rank != "军职"]
        self.dead = rng.choice(old) if old else None
        if self.dead is not None:
            self.dead.death = dt.date(m.year, m.month, 1) - dt.timedelta(days=90)
            self.dead.death = self.dead.death.replace(day=3)
        # assignment: every retiree to one in-scope staff member, evenly (about five each)
        order = list(out)
        rng.shuffle(order)
        staff_ids = [s.staff_id for s in scope]
        for k, r in enumerate(order):
            r.assigned = staff_ids[k % len(staff_ids)]
        # birthdays in the month: one per 80 retirees, never for the mid-month joiner's people
        candidates = [r for r in out if r.death is None and r.assigned != self.joiner.staff_id
                      and r.retiree_id not in self.young_ids]
        for r in rng.sample(candidates, min(len(candidates), max(1, n // 80))):
            day = rng.randint(10, max(10, min(20, m.last.day - 5)))
            r.birth = dt.date(r.birth.year, m.month, day)
        return out

    def birthday(self, year: int, avoid: set[tuple[int, int]]) -> dt.date:
        while True:
            month = self.rng.randint(1, 12)
            if month == self.month.month:
                continue
            day = self.rng.randint(1, 28)
            if (month, day) not in avoid:
                return dt.date(year, month, day)

    def plan_events(self, retirees: list[RetireeRec], scope: list[StaffMember]) -> list[EventRec]:
        rng, m = self.rng, self.month
        first = m.first
        joiner = self.joiner.staff_id
        pickable = [r for r in retirees
                    if r.death is None and r.assigned != joiner and r.retiree_id not in self.young_ids]
        rng.shuffle(pickable)
        used: set[str] = set()
        busy: set[str] = set()  # staff who already have an event: spread the must-visits

        def pick(pred=lambda r: True) -> RetireeRec:
            for ok in (lambda r: pred(r) and r.assigned not in busy, pred, lambda r: True):
                r = next((r for r in pickable if r.retiree_id not in used and ok(r)), None)
                if r is not None:
                    used.add(r.retiree_id)
                    busy.add(r.assigned)
                    return r
            return rng.choice(pickable or retirees)  # a tiny register: events may share a person

        medical = [s.staff_id for s in scope if s.department == "医疗保健科"] or [scope[0].staff_id]
        service = [s.staff_id for s in scope if s.department == "服务管理科" and s.staff_id != joiner] or [scope[0].staff_id]
        festival = dt.date(m.year, 10, 1) if m.month > 10 else m.prev().first
        raw: list[tuple[str, RetireeRec, dt.date, dt.date | None, str, str]] = []
        past_h = first - dt.timedelta(days=62)
        raw.append(("住院", pick(lambda r: r.category == "军休干部"), past_h, past_h + dt.timedelta(days=9),
                    rng.choice(medical), "肺部感染住市第一人民医院，已出院"))
        raw.append(("重大节日", pick(), festival, None, rng.choice(service),
                    "国庆节走访慰问" if festival.month == 10 else "节日走访慰问"))
        raw.append(("思想波动", pick(lambda r: r.category == "军休干部"), first - dt.timedelta(days=20), None,
                    rng.choice(service), "对调整后的医疗费报销办法有想法，已谈心解释"))
        for _ in range(max(1, self.n_retirees // 80)):
            d1 = self.day(2, 4)
            raw.append(("家庭变故", pick(lambda r: r.category == "军休干部"), d1, None, rng.choice(service), "老伴突发脑梗住院，子女在外地"))
            d2 = self.day(5, 7)
            h = pick(lambda r: r.category == "军休干部" and r.birth.year < 1950)
            raw.append(("住院", h, d2, d2 + dt.timedelta(days=11), rng.choice(medical),
                        "冠心病住市中心医院心内科"))
            d3 = self.day(len(self.days) - 6, len(self.days) - 5)
            raw.append(("遇到困难", pick(), d3, None, rng.choice(service), "家中水管爆裂，需协调维修"))
        raw.sort(key=lambda e: (e[2], e[1].retiree_id))
        return [EventRec(f"E{k:03d}", r.retiree_id, t, s, e, reg, note)
                for k, (t, r, s, e, reg, note) in enumerate(raw, start=1)]

    def must_visits(self, events: list[EventRec], retirees: list[RetireeRec]) -> list[EventRec]:
        """Must-visit events starting in the month (R-VI-3), birthdays included."""
        m = self.month
        out = [e for e in events if m.contains(e.start)]
        for r in retirees:
            if r.death is None and r.birth.month == m.month:
                day = dt.date(m.year, m.month, r.birth.day)
                out.append(EventRec(f"生日-{r.retiree_id}-{m.year}", r.retiree_id, "生日", day, None, "", ""))
        return out

    def plan_applications(self, retirees: list[RetireeRec]) -> list[dict[str, Any]]:
        rng, year = self.rng, self.month.year
        rows: list[dict[str, Any]] = []
        young = sorted(self.young, key=lambda r: r.retiree_id)
        unsigned = young[rng.randrange(len(young))] if young else None
        self.unsigned = unsigned.retiree_id if unsigned else None
        for r in young:
            if r is unsigned:
                rows.append({"retiree_id": r.retiree_id, "year": year, "written_request": "是",
                             "family_signed": "否", "approval_date": None})
            else:
                rows.append({"retiree_id": r.retiree_id, "year": year, "written_request": "是",
                             "family_signed": "是",
                             "approval_date": dt.date(year, rng.randint(3, 9), rng.randint(1, 28))})
        # two seventy-year-olds applied too; the office did not approve them (over the age limit)
        seventies = [r for r in retirees if r.death is None and not r.disabled and r.category == "军休干部"
                     and r.age_on(self.month.first) in (70, 71) and r.retiree_id not in self.young_ids]
        if len(seventies) < 2:
            pool = [r for r in retirees if r.death is None and not r.disabled and r.category == "军休干部"
                    and r.retiree_id not in self.young_ids and r.birth.month != self.month.month]
            for r in pool[: 2 - len(seventies)]:
                r.birth = r.birth.replace(year=self.month.year - 71)
                seventies.append(r)
        for r in sorted(seventies[:2], key=lambda r: r.retiree_id):
            rows.append({"retiree_id": r.retiree_id, "year": year, "written_request": "是",
                         "family_signed": "是", "approval_date": None})
        rows.sort(key=lambda row: row["retiree_id"])
        return rows

    def plan_absences(self, scope: list[StaffMember], departments: list[str], oversight: dict[str, str],
                      must: list[EventRec], notes: dict[str, Any]) -> None:
        """Leave, a business trip, a forgotten day and a missing weekly summary."""
        rng = self.rng
        joiner = self.joiner.staff_id
        busy = {self.retirees[e.retiree_id].assigned for e in must}
        heads = [s for s in scope if s.role == HEAD_ZH]
        plain = ([s for s in scope if s.role == STAFF_ZH and s.staff_id != joiner]
                 or [s for s in heads if s.staff_id != joiner] or heads)
        quiet = [s for s in plain if s.staff_id not in busy] or plain
        leave_person = rng.choice(quiet)
        k = rng.randint(2, max(2, len(self.days) // 3))
        leave_days = self.days[k:k + 2]
        self.unavailable.setdefault(leave_person.staff_id, set()).update(leave_days)
        trip_pool = [s for s in heads if s.staff_id not in busy] or heads or plain
        trip_person = rng.choice(trip_pool)
        trip_day = self.day(len(self.days) // 2 + 2, len(self.days) - 3)
        self.unavailable.setdefault(trip_person.staff_id, set()).add(trip_day)
        others = [s for s in plain if s is not leave_person]
        forgot_person = rng.choice(others or plain)
        forgot_day = rng.choice(self.days[3:-3] or self.days)
        week_person = rng.choice([s for s in others if s is not forgot_person] or others or plain)
        week_label = self.weeks[min(1, len(self.weeks) - 1)].label
        notes.update(leave=(leave_person.staff_id, leave_days), trip=(trip_person.staff_id, trip_day),
                     forgot=(forgot_person.staff_id, forgot_day), week_missing=(week_person.staff_id, week_label))

    def plan_visits(self, scope: list[StaffMember], retirees: list[RetireeRec], must: list[EventRec],
                    personal: dict[str, PersonMonth]) -> None:
        rng, m = self.rng, self.month
        self.late_birthday = None
        by_retiree: dict[str, list[EventRec]] = {}
        for e in must:
            by_retiree.setdefault(e.retiree_id, []).append(e)
        modes = {"住院": "医院探望", "家庭变故": "上门", "遇到困难": "上门", "生日": "上门"}
        situations = {"住院": "病情稳定，送去慰问品，嘱咐安心治疗",
                      "家庭变故": "情绪低落，已安慰并协调子女回家照顾",
                      "遇到困难": "已联系维修人员上门处理，生活不受影响",
                      "生日": "送去生日蛋糕和祝福，老人很高兴"}
        assigned: dict[str, list[RetireeRec]] = {}
        for r in retirees:  # retirees are in 编号 order
            if r.living_on(m.last):
                assigned.setdefault(r.assigned, []).append(r)
        for s in scope:
            free = self.free_days(s)
            mine = assigned.get(s.staff_id, [])
            visits = personal[s.staff_id].visits
            for r in mine:
                evs = by_retiree.get(r.retiree_id, [])
                for e in evs:
                    window = [e.start + dt.timedelta(days=k) for k in range(4)]
                    ok = [d for d in window if m.contains(d) and s.active_on(d)
                          and d not in self.unavailable.get(s.staff_id, set())]
                    ok = ok or [d for d in window if m.contains(d)] or [e.start]
                    when = ok[1] if len(ok) > 1 and rng.random() < 0.4 else ok[0]
                    if e.event_type == "生日" and self.late_birthday is None:
                        # the month's one slip (R-VI-3): the birthday visit a working day too late
                        late = [d for d in free if d > window[-1]]
                        if late:
                            when = late[0]
                            self.late_birthday = (s.staff_id, e.event_id, window[-1], when)
                    visits.append(Visit(when, r.retiree_id, modes.get(e.event_type, "上门"), "必访", e.event_id,
                                        situations.get(e.event_type, "了解情况，做好安抚")))
                    if e.event_type == "住院" and e.end and m.contains(e.end + dt.timedelta(days=2)):
                        after = [d for d in free if d > e.end]
                        if after:
                            visits.append(Visit(after[0], r.retiree_id, "电话", situation="已出院回家休养，恢复良好"))
                if not evs:
                    mode = "上门" if rng.random() < 0.3 else "电话"
                    visits.append(Visit(rng.choice(free), r.retiree_id, mode,
                                        situation=rng.choice(_SITUATIONS)))
            visits.sort(key=lambda v: (v.date, v.retiree_id, v.visit_type))
        # one or two visits where the retiree raised a problem (R-VI-4)
        candidates = [(sid, v) for sid, pm in personal.items() for v in pm.visits if v.visit_type == "定期访"]
        n = min(len(candidates), 2 if len(candidates) > 1 else 1)
        chosen = rng.sample(candidates, n) if candidates else []
        counters: dict[str, int] = {}
        for (sid, v), (concern, handling) in zip(chosen, rng.sample(_CONCERNS, n), strict=True):
            counters[sid] = counters.get(sid, 0) + 1
            v.concern, v.handling = concern, handling
            v.concern_id, v.concern_status = f"Q-{sid}-{counters[sid]:02d}", "处理中"

    def plan_deductions(self, scope: list[StaffMember], departments: list[str], oversight: dict[str, str],
                        notes: dict[str, Any]) -> list[dict[str, Any]]:
        rng = self.rng
        joiner = self.joiner.staff_id
        members = {d: [s for s in scope if s.department == d and s.staff_id != joiner] for d in departments}
        leaders = [s for s in scope if s.role == LEADER_ZH]
        director = next(s for s in scope if s.role == DIRECTOR_ZH)
        rows: list[dict[str, Any]] = []

        def add(target: StaffMember, code: str, issuer: str, method: str, explicit: str | None = None,
                lo: int = 0, hi: int = 99) -> None:
            free = [d for d in self.free_days(target) if self.days.index(d) in range(lo, hi + 1)] or self.free_days(target)
            rows.append({"date": rng.choice(free), "target_id": target.staff_id, "code": code,
                         "points": explicit, "reason": rng.choice(_DEDUCTION_REASONS[code]),
                         "issuer": issuer, "method": method})

        n = len(self.days)
        for k, leader in enumerate(leaders):
            pool = [s for d in departments if oversight.get(d) == leader.staff_id for s in members[d]]
            if not pool:
                continue
            short = len(leaders) > 1 and k == len(leaders) - 1
            if short:  # 0.5 + 1 = 1.5 points: short of the 2-point quota (R-CH-3)
                add(rng.choice(pool), "S02", leader.staff_id, "现场扣分", lo=3, hi=n // 2)
                add(rng.choice(pool), "W03", leader.staff_id, "检查扣分", lo=n // 2, hi=n - 2)
            else:  # 1 + 1 = 2 points: the quota met
                add(rng.choice(pool), "B02", leader.staff_id, "现场扣分", lo=1, hi=n // 3)
                add(rng.choice([s for s in pool if s.role == HEAD_ZH] or pool), "P01", leader.staff_id,
                    "现场扣分", explicit="1", lo=n // 2, hi=n - 2)
        everyone = [s for d in departments for s in members[d]]

        def fresh(role: str) -> StaffMember:
            """Someone of `role` nobody has deducted yet (a realistic spread)."""
            hit = {r["target_id"] for r in rows}
            pool = [s for s in everyone if s.role == role]
            return rng.choice([s for s in pool if s.staff_id not in hit] or pool or everyone)

        add(fresh(STAFF_ZH), "W01", director.staff_id, "检查扣分", lo=2, hi=n // 2)
        add(fresh(STAFF_ZH), "S06", ASSESSMENT_OFFICE, "检查扣分", explicit="1", lo=n // 3, hi=n - 4)
        add(fresh(HEAD_ZH), "B01", ASSESSMENT_OFFICE, "检查扣分", lo=n // 2, hi=n - 1)
        heads = [s for s in scope if s.role == HEAD_ZH and any(x.role == STAFF_ZH for x in members[s.department])]
        head = next((h for h in heads if h.department == "服务管理科"), heads[0] if heads else None)
        if head is not None:
            own = [s for s in members[head.department] if s.role == STAFF_ZH]
            add(rng.choice(own), "B04", head.staff_id, "现场扣分", lo=1, hi=n - 2)
        rows.sort(key=lambda r: (r["date"], r["target_id"]))
        return rows

    def plan_bonuses(self, scope: list[StaffMember], personal: dict[str, PersonMonth],
                     notes: dict[str, Any]) -> list[dict[str, Any]]:
        rng = self.rng
        joiner = self.joiner.staff_id
        plain = ([s for s in scope if s.role == STAFF_ZH and s.staff_id != joiner]
                 or [s for s in scope if s.role == HEAD_ZH])
        service = [s for s in plain if s.department == "服务管理科"] or plain
        director = next(s for s in scope if s.role == DIRECTOR_ZH)
        claimant = rng.choice(service)
        pending = rng.choice([s for s in plain if s is not claimant] or plain)
        mine = [r for r in self.retirees.values() if r.assigned == claimant.staff_id and r.death is None]
        praised = rng.choice(mine).name if mine else "一位军休干部"
        d1 = rng.choice(self.free_days(claimant)[3:-5] or self.free_days(claimant))
        reason1 = f"军休干部{praised}家属送来感谢信，表扬联包服务细致周到"
        personal[claimant.staff_id].claims.append({"date": d1, "code": "J02", "points": None, "reason": reason1})
        d2 = rng.choice(self.free_days(pending)[-6:])
        personal[pending.staff_id].claims.append({
            "date": d2, "code": "J03", "points": "1",
            "reason": "撰写的《联包共创工作做法》被市民政局工作简报采用"})
        heads = [s for s in scope if s.role == HEAD_ZH]
        hero = next((h for h in heads if h.department == "医疗保健科"), heads[0] if heads else plain[0])
        d3 = rng.choice(self.free_days(hero)[:len(self.days) // 2])
        notes.update(claim_approved=(claimant.staff_id, "J02", d1), claim_pending=(pending.staff_id, "J03", d2))
        return [
            {"date": d1, "staff_id": claimant.staff_id, "code": "J02", "points": None, "reason": reason1,
             "decision": "批准", "approver": director.staff_id},
            {"date": d3, "staff_id": hero.staff_id, "code": "J04", "points": None,
             "reason": "深夜护送突发疾病的军休干部到医院抢救", "decision": "批准", "approver": ASSESSMENT_OFFICE},
        ]

    def plan_logs(self, scope: list[StaffMember], personal: dict[str, PersonMonth], notes: dict[str, Any]) -> None:
        rng = self.rng
        leave_sid, leave_days = notes["leave"]
        trip_sid, trip_day = notes["trip"]
        forgot_sid, forgot_day = notes["forgot"]
        week_sid, week_label = notes["week_missing"]
        for s in scope:
            pm = personal[s.staff_id]
            kind = DIRECTOR_ZH if s.role == DIRECTOR_ZH else LEADER_ZH if s.role == LEADER_ZH else _dept_kind(s.department)
            pool = _DONE[kind]
            visits_on: dict[dt.date, list[Visit]] = {}
            for v in pm.visits:
                visits_on.setdefault(v.date, []).append(v)
            for d in self.days:
                if not s.active_on(d):
                    continue
                if s.staff_id == forgot_sid and d == forgot_day:
                    pm.days[d] = DayLog()  # forgotten: the row stays empty
                    continue
                if s.staff_id == leave_sid and d in leave_days:
                    pm.days[d] = DayLog("请假", undone="事假，手头工作已交同事代办" if d == leave_days[0] else "")
                    continue
                if s.staff_id == trip_sid and d == trip_day:
                    pm.days[d] = DayLog("出差", done="赴长沙参加全省军休服务管理业务培训")
                    continue
                items = rng.sample(pool, 2 if rng.random() < 0.6 else 1)
                if d == s.start or rng.random() < 0.15:
                    items.insert(0, rng.choice(_DONE_COMMON))
                if d.weekday() == 4:
                    items.append("参加周五集中政治学习")
                for v in visits_on.get(d, []):
                    r = self.retirees[v.retiree_id]
                    verb = {"电话": "电话联系", "上门": "上门走访", "医院探望": "到医院探望"}[v.mode]
                    items.append(f"{verb}军休人员{r.name}（{r.retiree_id}）")
                done = "；".join(f"{k}. {t}" for k, t in enumerate(items, start=1)) if len(items) > 1 else items[0]
                undone = rng.choice(_UNDONE) if rng.random() < 0.35 else ""
                pm.days[d] = DayLog("在岗", done, undone, rng.choice(_REFLECTIONS))
            for w in self.weeks:
                active = [d for d in w.working_days if s.active_on(d)]
                if not active:
                    continue
                plan = "；".join(rng.sample(_PLANS, 2))
                if s.staff_id == week_sid and w.label == week_label:
                    pm.weeks[w.label] = ("", plan)  # wrote the plan, forgot the summary
                    continue
                logs = [pm.days[d] for d in active if d in pm.days and pm.days[d].status == "在岗"]
                contacts = sum(1 for v in pm.visits if w.monday <= v.date <= w.sunday)
                highlights = []
                for log in logs:
                    first = log.done.split("；")[0]
                    first = first[3:] if first[:1].isdigit() else first
                    if first not in highlights and "军休人员" not in first:
                        highlights.append(first)
                text = f"本周在岗{len(logs)}天，" + "、".join(highlights[:3])
                if contacts:
                    text += f"；联系联包军休人员{contacts}人次"
                pm.weeks[w.label] = (text + "。", plan)

    def plan_activities(self, retirees: list[RetireeRec], applications: list[dict[str, Any]],
                        events: list[EventRec]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        rng = self.rng
        n = len(self.days)
        d_fish, d_trip, d_a = self.day(6, 8), self.day(n // 2 + 1, n // 2 + 3), self.day(n - 4, n - 3)
        approved = {a["retiree_id"]: a for a in applications
                    if a["written_request"] == "是" and a["family_signed"] == "是" and a["approval_date"]}

        stays: dict[str, list[EventRec]] = {}
        for e in events:
            if e.event_type == "住院":
                stays.setdefault(e.retiree_id, []).append(e)

        def in_hospital(r: RetireeRec, d: dt.date) -> bool:
            return any(e.start <= d <= (e.end or e.start) for e in stays.get(r.retiree_id, ()))

        def eligible(d: dt.date) -> list[RetireeRec]:
            return [r for r in retirees if r.living_on(d) and r.age_on(d) < 70 and not r.disabled
                    and not in_hospital(r, d) and r.retiree_id in approved
                    and approved[r.retiree_id]["approval_date"] <= d]

        fish = eligible(d_fish)
        trip = eligible(d_trip)
        fishers = rng.sample(fish, min(len(fish), max(1, round(len(fish) * 0.6))))
        travellers = rng.sample(trip, min(len(trip), max(1, round(len(trip) * 0.45))))
        recovering = d_a - dt.timedelta(days=14)  # nobody just out of hospital at the sports day
        living = [r for r in retirees if r.living_on(d_a) and not any(
            in_hospital(r, recovering + dt.timedelta(days=k)) for k in range(15))]
        crowd = rng.sample(living, min(len(living), max(3, len(retirees) // 7)))
        activities = [
            {"activity_id": "H01", "activity_name": "柳叶湖垂钓活动", "activity_class": "B3", "project": "钓鱼",
             "date": d_fish, "total_cost": "1200.00"},
            {"activity_id": "H02", "activity_name": "赴桂林休养旅游", "activity_class": "B3",
             "project": "外省旅游", "date": d_trip, "total_cost": "18000.00"},
            {"activity_id": "H03", "activity_name": "军休人员冬季趣味运动会", "activity_class": "A",
             "project": "其他", "date": d_a, "total_cost": "3500.00"},
        ]
        participants = [{"activity_id": aid, "retiree_id": r.retiree_id}
                        for aid, group in (("H01", fishers), ("H02", travellers), ("H03", crowd))
                        for r in sorted(group, key=lambda r: r.retiree_id)]
        return activities, participants


# --- writing --------------------------------------------------------------------------------


def _roster_prefill(s: Sample) -> dict[str, list[dict[str, Any]]]:
    return {
        "工作人员": [{"staff_id": p.staff_id, "name": p.name, "role": p.role, "department": p.department,
                  "title": p.title, "start_date": p.start, "end_date": p.end, "email": p.email}
                 for p in s.staff],
        "分管": [{"leader_id": lid, "department": d} for d, lid in s.oversight.items()],
        "科室": [{"department": d} for d in s.departments],
    }


def _retirees_prefill(s: Sample) -> dict[str, list[dict[str, Any]]]:
    return {
        "军休人员": [{"retiree_id": r.retiree_id, "name": r.name, "category": r.category, "rank": r.rank,
                  "gender": r.gender, "birth_date": r.birth, "disabled": "是" if r.disabled else "否",
                  "residence": r.residence, "branch": r.branch, "assigned_staff": r.assigned,
                  "entry_date": r.entry, "death_date": r.death} for r in s.retirees],
        "分散活动申请": s.applications,
        "事件登记": [{"event_id": e.event_id, "retiree_id": e.retiree_id, "event_type": e.event_type,
                  "start_date": e.start, "end_date": e.end, "registrar": e.registrar, "note": e.note}
                 for e in s.events],
    }


def write_registers(root: Path, s: Sample) -> None:
    """data/roster.xlsx and data/retirees.xlsx, replacing the blank ones of `init`."""
    from .templates import build_workbook, save_workbook

    ws = Workspace(root)
    cal = Calendar()
    scope = [p.staff_id for p in s.in_scope(cal)]
    lookups: dict[Lookup, list[str]] = {
        Lookup.STAFF: scope,
        Lookup.LEADER: [p.staff_id for p in s.staff if p.role == LEADER_ZH],
        Lookup.DEPARTMENT: list(s.departments),
        Lookup.RETIREE: [r.retiree_id for r in s.retirees],
    }
    for spec, prefill in ((ROSTER, _roster_prefill(s)), (RETIREES, _retirees_prefill(s))):
        wb = build_workbook(spec, center=CENTER, lookups=lookups, prefill=prefill)
        save_workbook(wb, ws.register_path(spec))


def _cell(value: Any) -> Any:
    """A value as staff type it in Excel: real dates and numbers, text otherwise."""
    if value is None or value == "":
        return None
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def _number(text: str | None) -> Any:
    if text in (None, ""):
        return None
    return _cell(Decimal(text))


def _header(ws: Any, sheet: SheetSpec) -> dict[str, int]:
    """Field key -> column index, found by the header labels of row 2."""
    by_label = {f.label: f.key for f in sheet.fields}
    cols: dict[str, int] = {}
    for cell in ws[HEADER_ROW]:
        key = by_label.get(str(cell.value).strip()) if cell.value is not None else None
        if key:
            cols[key] = cell.column
    missing = [f.label for f in sheet.fields if f.key not in cols]
    if missing:
        raise WorkspaceError(f"工作表“{sheet.name}”缺少列：{'、'.join(missing)}")
    return cols


def _append(ws: Any, sheet: SheetSpec, rows: Iterable[dict[str, Any]]) -> None:
    cols = _header(ws, sheet)
    for i, row in enumerate(rows):
        r = FIRST_DATA_ROW + i
        for key, value in row.items():
            v = _cell(value)
            if key in ("points", "total_cost"):
                v = _number(value)
            if v is None:
                continue
            cell = ws.cell(row=r, column=cols[key], value=v)
            if key == "total_cost":
                cell.number_format = "#,##0.00"


def _rows_by_first_column(ws: Any, convert=lambda v: v) -> dict[Any, int]:
    out: dict[Any, int] = {}
    for r in range(FIRST_DATA_ROW, ws.max_row + 1):
        v = ws.cell(row=r, column=1).value
        if v not in (None, ""):
            out[convert(v)] = r
    return out


def _as_date(v: Any) -> Any:
    return v.date() if isinstance(v, dt.datetime) else v


def _fill(path: Path, spec: WorkbookSpec, write) -> None:
    import openpyxl

    from .templates import save_workbook

    wb = openpyxl.load_workbook(path)
    for sheet in spec.sheets:
        write(wb[sheet.name], sheet)
    save_workbook(wb, path)


def fill_month(root: Path, s: Sample) -> None:
    """Fill the issued workbooks of the month as staff and the offices would."""
    ws = Workspace(root)
    m = s.month
    for p in s.in_scope(Calendar()):
        pm = s.personal[p.staff_id]

        def write_personal(sheet_ws: Any, sheet: SheetSpec, pm: PersonMonth = pm) -> None:
            cols = _header(sheet_ws, sheet)
            if sheet.name == "日整理":
                rows = _rows_by_first_column(sheet_ws, _as_date)
                for d, log in pm.days.items():
                    r = rows[d]
                    if not log.status and not FORGOTTEN_ROW_KEEPS_DATE:
                        sheet_ws.cell(row=r, column=cols["date"]).value = None
                    for key in ("status", "done", "undone", "reflection"):
                        v = getattr(log, key)
                        if v:
                            sheet_ws.cell(row=r, column=cols[key], value=v)
            elif sheet.name == "周小结":
                rows = _rows_by_first_column(sheet_ws, str)
                for label, (summary, plan) in pm.weeks.items():
                    if summary:
                        sheet_ws.cell(row=rows[label], column=cols["summary"], value=summary)
                    if plan:
                        sheet_ws.cell(row=rows[label], column=cols["plan"], value=plan)
            elif sheet.name == "走访记录":
                _append(sheet_ws, sheet, [{
                    "date": v.date, "retiree_id": v.retiree_id, "mode": v.mode, "visit_type": v.visit_type,
                    "event_id": v.event_id, "situation": v.situation, "concern": v.concern,
                    "concern_id": v.concern_id, "concern_status": v.concern_status, "handling": v.handling,
                } for v in pm.visits])
            elif sheet.name == "申报加分":
                _append(sheet_ws, sheet, pm.claims)

        _fill(ws.personal_path(m, p.staff_id, p.name), PERSONAL, write_personal)

    def write_register(sheet_ws: Any, sheet: SheetSpec) -> None:
        if sheet.name == "扣分":
            _append(sheet_ws, sheet, s.deductions)
        elif sheet.name == "加分审批":
            _append(sheet_ws, sheet, s.approvals)

    _fill(ws.monthly_path(REGISTER, m), REGISTER, write_register)

    def write_activities(sheet_ws: Any, sheet: SheetSpec) -> None:
        _append(sheet_ws, sheet, s.activities if sheet.name == "活动" else s.participants)

    _fill(ws.monthly_path(ACTIVITIES, m), ACTIVITIES, write_activities)


# --- fast path: plain workbooks written with xlsxwriter ------------------------------------------


def _write_plain(path: Path, spec: WorkbookSpec, rows: Mapping[str, Sequence[Mapping[str, Any]]],
                 meta: Sequence[tuple[str, str]]) -> None:
    """A workbook of template `spec` as the reader sees it: title row, header row, data rows and
    the hidden `_meta` sheet."""
    import xlsxwriter

    path.parent.mkdir(parents=True, exist_ok=True)
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_formulas": False,
                                           "strings_to_urls": False, "strings_to_numbers": False})
    date_fmt = book.add_format({"num_format": "yyyy-mm-dd"})
    for sheet in spec.sheets:
        ws = book.add_worksheet(sheet.name)
        ws.write_string(0, 0, f"{CENTER} {spec.title} · {sheet.name}")
        for j, f in enumerate(sheet.fields):
            ws.write_string(1, j, f.label)
        keys = [f.key for f in sheet.fields]
        for i, row in enumerate(rows.get(sheet.name, ()), start=2):
            for j, key in enumerate(keys):
                v = row.get(key)
                if key in ("points", "total_cost") and isinstance(v, str):
                    v = _number(v)
                v = _cell(v)
                if v is None:
                    continue
                if isinstance(v, dt.date):
                    ws.write_datetime(i, j, dt.datetime(v.year, v.month, v.day), date_fmt)
                elif isinstance(v, bool):
                    ws.write_string(i, j, "是" if v else "否")
                elif isinstance(v, int | float):
                    ws.write_number(i, j, v)
                else:
                    ws.write_string(i, j, str(v))
    ms = book.add_worksheet(META_SHEET)
    for i, (k, v) in enumerate(meta):
        ms.write_string(i, 0, k)
        ms.write_string(i, 1, v)
    ms.hide()
    book.close()


def write_plain_workspace(root: Path, s: Sample) -> None:
    """Registers and the filled month, written directly (see generate_workspace(fast=True))."""
    ws = Workspace(root)
    m = s.month
    cal = Calendar()
    _write_plain(ws.register_path(ROSTER), ROSTER, _roster_prefill(s), meta_rows(ROSTER.kind))
    _write_plain(ws.register_path(RETIREES), RETIREES, _retirees_prefill(s), meta_rows(RETIREES.kind))
    working = cal.working_days(m)
    weeks = cal.weeks(m)
    for p in s.in_scope(cal):
        pm = s.personal[p.staff_id]
        days = [d for d in working if p.active_on(d)]
        daily = []
        for d in days:
            log = pm.days.get(d)
            row: dict[str, Any] = {"date": d}
            if log is not None:
                if not log.status and not FORGOTTEN_ROW_KEEPS_DATE:
                    continue
                row.update({k: getattr(log, k) for k in ("status", "done", "undone", "reflection")})
            daily.append(row)
        weekly = []
        for w in weeks:
            if any(p.active_on(d) for d in w.working_days):
                summary, plan = pm.weeks.get(w.label, ("", ""))
                weekly.append({"week": w.label, "period": w.period, "summary": summary, "plan": plan})
        visits = [{"date": v.date, "retiree_id": v.retiree_id, "mode": v.mode, "visit_type": v.visit_type,
                   "event_id": v.event_id, "situation": v.situation, "concern": v.concern,
                   "concern_id": v.concern_id, "concern_status": v.concern_status, "handling": v.handling}
                  for v in pm.visits]
        _write_plain(ws.personal_path(m, p.staff_id, p.name), PERSONAL,
                     {"日整理": daily, "周小结": weekly, "走访记录": visits, "申报加分": pm.claims},
                     meta_rows(PERSONAL.kind, str(m), p.staff_id, p.name))
    _write_plain(ws.monthly_path(REGISTER, m), REGISTER, {"扣分": s.deductions, "加分审批": s.approvals},
                 meta_rows(REGISTER.kind, str(m)))
    _write_plain(ws.monthly_path(ACTIVITIES, m), ACTIVITIES, {"活动": s.activities, "参加人员": s.participants},
                 meta_rows(ACTIVITIES.kind, str(m)))
