"""The single source of truth for every workbook (SPEC §4).

Sheet names, header labels, field types, required flags, allowed values, drop-down sources
and Chinese help text are declared here once. The template generator, the reader and the
validator are all driven by these declarations; code elsewhere refers to fields by their
English key (SPEC §15), never by their Chinese label.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum
from functools import cache
from typing import Any


class FieldType(StrEnum):
    TEXT = "text"
    ID = "id"  # an identifier: numbers typed as 1001 become "1001"
    DATE = "date"
    POINTS = "points"  # Decimal, > 0, <= 100 (SPEC §14)
    MONEY = "money"  # Decimal yuan, >= 0
    INT = "int"
    YEAR = "year"  # a calendar year, four digits (1900–2100)
    BOOL = "bool"  # 是/否 (R-TPL-3)
    CHOICE = "choice"
    MONTH = "month"  # YYYY-MM
    QUARTER = "quarter"  # 2026Q4


class Lookup(StrEnum):
    """Drop-down sources that come from the workspace's registers, not from the schema."""

    STAFF = "staff"  # 工号 from the roster
    LEADER = "leader"  # 工号 of leadership members
    DEPARTMENT = "department"  # 科室 from the roster's 科室 sheet
    RETIREE = "retiree"  # 编号 from the retiree register
    ASSIGNED = "assigned"  # 编号 of the person's assigned retirees (personal workbook)
    RUBRIC = "rubric"  # 标准编号 (deductions)
    BONUS = "bonus"  # 标准编号 of 加分项目
    ISSUER = "issuer"  # 工号 of those who may deduct, plus 考核办 (R-ISS-1)
    APPROVER = "approver"  # 工号 of director/leaders, plus 考核办
    ACTIVITY = "activity"
    TARGET = "target"


@dataclass(frozen=True)
class Field:
    key: str
    label: str
    type: FieldType = FieldType.TEXT
    required: bool = False
    choices: tuple[str, ...] = ()
    lookup: Lookup | None = None
    help: str = ""
    width: int = 12
    # the column must be there even though a cell may be left blank: a blank counts (a day
    # without 体会 is a deduction, R-DAY-1), so a missing column would change the result
    # silently. Other optional columns missing are a warning.
    column_required: bool = False
    blank: str = ""  # what a blank cell means, for the template's help (column_required fields)

    @property
    def column_needed(self) -> bool:
        return self.required or self.column_required

    def but(self, **changes: object) -> Field:
        return replace(self, **changes)  # type: ignore[arg-type]


@dataclass(frozen=True)
class SheetSpec:
    name: str
    fields: tuple[Field, ...]
    help: str = ""
    unique: tuple[str, ...] = ()  # keys whose combination must be unique within the sheet

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(f.label for f in self.fields)

    def field(self, key: str) -> Field:
        for f in self.fields:
            if f.key == key:
                return f
        raise KeyError(key)

    def label(self, key: str) -> str:
        return self.field(key).label

    def __reduce_ex__(self, protocol: Any) -> Any:  # a template's own sheet crosses by name
        home = _homes().get(id(self))
        return (_template_part, home) if home else object.__reduce_ex__(self, protocol)


@dataclass(frozen=True)
class WorkbookSpec:
    kind: str
    title: str  # Chinese name of the template
    sheets: tuple[SheetSpec, ...]
    filename: str  # pattern with {month} / {staff_id} / {name} / {year}
    monthly: bool = False
    personal: bool = False
    help: str = ""

    def sheet(self, name: str) -> SheetSpec:
        for s in self.sheets:
            if s.name == name:
                return s
        raise KeyError(name)

    def __reduce_ex__(self, protocol: Any) -> Any:  # a template crosses by name (issue 9)
        home = _homes().get(id(self))
        return (_template_part, home) if home else object.__reduce_ex__(self, protocol)


@cache
def _homes() -> dict[int, tuple[str, ...]]:
    """Where each template and template sheet lives in WORKBOOKS. A forked reader sends back
    thousands of tables: each names its spec instead of repeating it (see __reduce_ex__)."""
    homes: dict[int, tuple[str, ...]] = {}
    for wb in WORKBOOKS.values():
        homes[id(wb)] = (wb.kind,)
        for sh in wb.sheets:
            homes[id(sh)] = (wb.kind, sh.name)
    return homes


def _template_part(kind: str, sheet: str | None = None) -> WorkbookSpec | SheetSpec:
    wb = WORKBOOKS[kind]
    return wb if sheet is None else wb.sheet(sheet)


TEMPLATE_VERSION = "1"
META_SHEET = "_meta"
HEADER_SEARCH_ROWS = 10  # R-TPL-1

# --- enumerations -------------------------------------------------------------------------
ROLES = ("所长", "班子成员", "科室负责人", "工作人员")
ROLE_CODES = {"所长": "director", "班子成员": "leader", "科室负责人": "dept_head", "工作人员": "staff"}
ASSESSMENT_OFFICE = "考核办"  # R-ORG-5
DEFAULT_DEPARTMENTS = ("办公室", "财务科", "服务管理科", "医疗保健科")  # R-ORG-2
RETIREE_CATEGORIES = ("军休干部", "遗属")
RETIREE_RANKS = ("军职", "师职", "团职", "营职及以下", "无")
GENDERS = ("男", "女")
EVENT_TYPES = ("住院", "家庭变故", "生日", "重大节日", "遇到困难", "思想波动", "其他")
RUBRIC_CATEGORIES = ("行为标准", "素养标准", "工作标准", "绩效标准", "加分项目", "自动规则")
DIRECTIONS = ("扣分", "加分")
DAY_STATUSES = ("在岗", "请假", "出差", "公休", "病假")
ON_DUTY = "在岗"
VISIT_MODES = ("上门", "电话", "医院探望")
VISIT_TYPES = ("定期访", "必访")
CONCERN_STATUSES = ("无", "处理中", "已解决")
DEDUCTION_METHODS = ("现场扣分", "检查扣分")
DECISIONS = ("批准", "不批准")
APPROVED = "批准"
TARGET_OUTCOMES = ("已完成", "未完成")
ACTIVITY_CLASSES = ("A", "B1", "B2", "B3", "C1", "C2")
ACTIVITY_PROJECTS = ("外省旅游", "外出考察学习", "外出比赛", "钓鱼", "登山", "气排球", "其他")
RATINGS = ("满意", "基本满意", "不满意")
CALENDAR_KINDS = ("工作日", "休息日")
YES, NO = "是", "否"

T = FieldType

# --- reusable fields (each label is spelled exactly once) -----------------------------------
F_STAFF_ID = Field("staff_id", "工号", T.ID, True, lookup=Lookup.STAFF, help="人员名册中的工号", width=10)
F_NAME = Field("name", "姓名", T.TEXT, True, width=10)
F_DEPARTMENT = Field("department", "科室", T.TEXT, lookup=Lookup.DEPARTMENT, help="从下拉列表选择科室", width=12)
F_DATE = Field("date", "日期", T.DATE, True, help="日期，如 2026-11-03", width=12)
F_RETIREE_ID = Field("retiree_id", "编号", T.ID, True, lookup=Lookup.RETIREE, help="军休人员名册中的编号", width=10)
F_CODE = Field("code", "标准编号", T.ID, True, lookup=Lookup.RUBRIC, help="考核标准中的标准编号", width=10)
# a blank 分值 takes the rubric's default: without the column (renamed 分值（分）, say) every
# row would silently count the default, whatever was typed under the renamed header
F_POINTS = Field("points", "分值", T.POINTS, help="正数；留空则按考核标准的默认分值", width=8,
                 column_required=True, blank="按考核标准的默认分值计")
F_REASON = Field("reason", "事由", T.TEXT, True, width=40)
F_YEAR = Field("year", "年度", T.YEAR, True, help="四位年份，如 2026", width=8)
F_EVENT_ID = Field("event_id", "事件编号", T.ID, width=18, help="事件登记中的事件编号；生日事件为 生日-编号-年份")
F_NOTE = Field("note", "说明", T.TEXT, width=30)
F_ACTIVITY_ID = Field("activity_id", "活动编号", T.ID, True, lookup=Lookup.ACTIVITY, width=10)
F_TARGET_ID = Field("target_id", "目标编号", T.ID, True, lookup=Lookup.TARGET, width=10)

# --- 4.1 人员名册 ---------------------------------------------------------------------------
ROSTER = WorkbookSpec(
    kind="roster",
    title="人员名册",
    filename="roster.xlsx",
    help="办公室维护：全所工作人员、分管关系和科室。",
    sheets=(
        SheetSpec(
            "工作人员",
            (
                F_STAFF_ID.but(lookup=None),
                F_NAME,
                Field("role", "角色", T.CHOICE, True, ROLES, help="所长/班子成员/科室负责人/工作人员"),
                F_DEPARTMENT.but(help="科室负责人和工作人员必填；所长、班子成员留空"),
                Field("title", "职务", T.TEXT, width=14),
                Field("start_date", "入职日期", T.DATE, True, help="到岗日期", width=12),
                Field("end_date", "离岗日期", T.DATE, help="在岗人员留空", width=12),
                Field("email", "邮箱", T.TEXT, help="接收个人工作簿的电子邮箱", width=26),
            ),
            help="每人一行，工号不可重复。",
            unique=("staff_id",),
        ),
        SheetSpec(
            "分管",
            (
                Field("leader_id", "班子成员工号", T.ID, True, lookup=Lookup.LEADER, width=14),
                F_DEPARTMENT.but(required=True),
            ),
            help="每个科室由一名班子成员分管。",
            unique=("department",),
        ),
        SheetSpec("科室", (F_DEPARTMENT.but(required=True, lookup=None),), unique=("department",)),
    ),
)

# --- 4.2 军休人员名册 -----------------------------------------------------------------------
RETIREES = WorkbookSpec(
    kind="retirees",
    title="军休人员名册",
    filename="retirees.xlsx",
    help="服务管理科维护：军休干部和遗属、分散活动申请、事件登记。",
    sheets=(
        SheetSpec(
            "军休人员",
            (
                F_RETIREE_ID.but(lookup=None),
                F_NAME,
                Field("category", "类别", T.CHOICE, True, RETIREE_CATEGORIES),
                Field("rank", "职级", T.CHOICE, True, RETIREE_RANKS),
                Field("gender", "性别", T.CHOICE, False, GENDERS, width=6),
                Field("birth_date", "出生日期", T.DATE, True, width=12),
                Field("disabled", "伤残", T.BOOL, True, help="是/否", width=6),
                Field("residence", "居住地", T.TEXT, width=16),
                Field("branch", "所属支部", T.TEXT, width=12),
                Field("assigned_staff", "联包工作人员工号", T.ID, True, lookup=Lookup.STAFF, width=16),
                Field("entry_date", "入所日期", T.DATE, True, width=12),
                Field("death_date", "去世日期", T.DATE, width=12),
            ),
            unique=("retiree_id",),
        ),
        SheetSpec(
            "分散活动申请",
            (
                F_RETIREE_ID,
                F_YEAR,
                Field("written_request", "书面申请", T.BOOL, True, help="是/否", width=10),
                Field("family_signed", "家属签字", T.BOOL, True, help="是/否", width=10),
                Field("approval_date", "审批日期", T.DATE, help="所里审查同意的日期", width=12),
            ),
            help="B3 分散活动：本人书面申请、家属代表签字、所里审批。",
            unique=("retiree_id", "year"),
        ),
        SheetSpec(
            "事件登记",
            (
                F_EVENT_ID.but(required=True, help="唯一的事件编号，如 E001"),
                F_RETIREE_ID,
                Field("event_type", "事件类型", T.CHOICE, True, EVENT_TYPES),
                Field("start_date", "开始日期", T.DATE, True, width=12),
                Field("end_date", "结束日期", T.DATE, help="住院等持续事件的结束日期", width=12),
                Field("registrar", "登记人", T.ID, lookup=Lookup.STAFF, width=10),
                F_NOTE,
            ),
            unique=("event_id",),
        ),
    ),
)

# --- 4.3 考核标准 ---------------------------------------------------------------------------
RUBRIC = WorkbookSpec(
    kind="rubric",
    title="考核标准",
    filename="rubric.xlsx",
    help="4S 标准、加分项目、自动规则扣分值、岗位职责和年度目标。",
    sheets=(
        SheetSpec(
            "考核标准",
            (
                F_CODE.but(lookup=None),
                Field("category", "类别", T.CHOICE, True, RUBRIC_CATEGORIES),
                Field("requirement", "要求", T.TEXT, True, width=40),
                F_POINTS.but(required=True, help="每次的默认分值（正数）"),
                Field("direction", "方向", T.CHOICE, True, DIRECTIONS, width=8),
                Field("monthly_cap", "每月上限", T.POINTS, help="同一人同一月该项合计上限；留空为不设上限", width=10),
            ),
            unique=("code",),
        ),
        SheetSpec(
            "岗位职责",
            (
                F_DEPARTMENT,
                Field("post", "岗位", T.TEXT, True, width=14),
                F_STAFF_ID.but(required=False),
                Field("duties", "职责", T.TEXT, True, width=40),
                Field("work_standard", "工作标准", T.TEXT, width=30),
                Field("deduction_standard", "扣分标准", T.TEXT, width=30),
            ),
        ),
        SheetSpec(
            "年度目标",
            (
                F_TARGET_ID.but(lookup=None),
                F_YEAR,
                F_DEPARTMENT.but(required=True, help="科室名称，或 全所"),
                Field("target", "目标", T.TEXT, True, width=40),
                Field("deadline", "完成期限", T.MONTH, True, help="年月，如 2026-12", width=10),
                F_CODE,
                F_POINTS.but(required=True, help="未完成时扣的分值"),
            ),
            unique=("year", "target_id"),  # numbers may start again each year (T01 of 2027)
        ),
    ),
)

# --- calendar overrides -------------------------------------------------------------------
CALENDAR = WorkbookSpec(
    kind="calendar",
    title="日历调整",
    filename="calendar.xlsx",
    help="可选：覆盖法定节假日数据（R-CAL-1）。",
    sheets=(
        SheetSpec(
            "日历调整",
            (F_DATE, Field("day_kind", "类型", T.CHOICE, True, CALENDAR_KINDS, width=10), F_NOTE),
            unique=("date",),
        ),
    ),
)

# --- 4.4 个人月度工作簿 ---------------------------------------------------------------------
PERSONAL = WorkbookSpec(
    kind="personal",
    title="个人月度工作簿",
    filename="{staff_id}_{name}_{month}.xlsx",
    monthly=True,
    personal=True,
    help="日整理、周小结、走访记录、申报加分。",
    sheets=(
        SheetSpec(
            "日整理",
            (
                F_DATE,
                # not required: a day left blank is an AUTO-DAILY deduction (R-DAY-1), not an error
                Field("status", "状态", T.CHOICE, False, DAY_STATUSES, help="在岗时须填写已完成工作和体会", width=8,
                      column_required=True, blank="留空按当天未填写计算（扣分）"),
                Field("done", "已完成工作", T.TEXT, width=40, column_required=True,
                      blank="在岗的日子留空按未填写计算（扣分）；请假等日子不填"),
                Field("undone", "未完成工作", T.TEXT, width=30),
                Field("reflection", "体会", T.TEXT, width=30, column_required=True,
                      blank="在岗的日子留空按未填写计算（扣分）；请假等日子不填"),
            ),
            help="每个工作日一行：在岗须填写已完成工作和体会；请假/出差/公休/病假选择状态即可。",
            unique=("date",),
        ),
        SheetSpec(
            "周小结",
            (
                Field("week", "周次", T.TEXT, True, width=8),
                Field("period", "起止日期", T.TEXT, True, width=24),
                Field("summary", "本周小结", T.TEXT, width=40, column_required=True,
                      blank="留空按本周未填写计算（扣分）"),
                Field("plan", "下周计划", T.TEXT, width=40),
            ),
            help="本月的每一周都要填写本周小结。",
            unique=("week",),
        ),
        SheetSpec(
            "走访记录",
            (
                F_DATE,
                F_RETIREE_ID.but(label="军休人员编号", lookup=Lookup.ASSIGNED, help="从下拉列表选择联包对象", width=12),
                Field("mode", "方式", T.CHOICE, True, VISIT_MODES, width=10),
                Field("visit_type", "类型", T.CHOICE, True, VISIT_TYPES, width=8),
                F_EVENT_ID.but(help="必访时填写事件编号；生日为 生日-编号-年份", column_required=True,
                               blank="定期访不填；必访不填事件编号，这次走访不算完成必访"),
                Field("situation", "了解情况", T.TEXT, width=30),
                Field("concern", "反映问题", T.TEXT, width=30),
                Field("concern_id", "问题编号", T.ID, help="有反映问题时填写，如 Q-S03-01", width=12,
                      column_required=True, blank="没有反映问题时不填；不填编号的问题不会被跟踪"),
                Field("concern_status", "问题状态", T.CHOICE, False, CONCERN_STATUSES, width=10, column_required=True,
                      blank="新问题留空按“处理中”计，已登记的问题留空表示状态不变"),
                Field("handling", "处理情况", T.TEXT, width=30),
            ),
        ),
        SheetSpec(
            "申报加分",
            (F_DATE, F_CODE.but(lookup=Lookup.BONUS, help="加分项目的标准编号"), F_POINTS, F_REASON),
            help="申报后由考核办审批，批准后计分。",
        ),
    ),
)

# --- 4.5 考核登记 ---------------------------------------------------------------------------
REGISTER = WorkbookSpec(
    kind="register",
    title="考核登记",
    filename="考核登记_{month}.xlsx",
    monthly=True,
    help="精细化考核办维护：现场扣分、加分审批、目标完成、季度确认。",
    sheets=(
        SheetSpec(
            "扣分",
            (
                F_DATE,
                Field("target_id", "被考核人工号", T.ID, True, lookup=Lookup.STAFF, width=12),
                F_CODE,
                F_POINTS,
                F_REASON,
                Field("issuer", "扣分人", T.ID, True, lookup=Lookup.ISSUER, help="扣分人工号，或 考核办", width=10),
                Field("method", "方式", T.CHOICE, True, DEDUCTION_METHODS, width=10),
            ),
        ),
        SheetSpec(
            "加分审批",
            (
                F_DATE,
                F_STAFF_ID,
                F_CODE.but(lookup=Lookup.BONUS),
                F_POINTS,
                F_REASON,
                Field("decision", "审批结果", T.CHOICE, True, DECISIONS, width=10),
                Field("approver", "审批人", T.ID, True, lookup=Lookup.APPROVER, width=10),
            ),
        ),
        SheetSpec(
            "目标完成",
            (F_TARGET_ID, Field("outcome", "完成情况", T.CHOICE, True, TARGET_OUTCOMES), F_NOTE),
            unique=("target_id",),
        ),
        SheetSpec(
            "季度确认",
            (
                F_RETIREE_ID,
                Field("quarter", "季度", T.QUARTER, True, help="如 2026Q4", width=10),
                Field("signed", "已签字", T.BOOL, True, width=8),
                Field("opinion", "意见", T.TEXT, width=30),
            ),
            unique=("retiree_id", "quarter"),
        ),
    ),
)

# --- 4.6 活动登记 ---------------------------------------------------------------------------
ACTIVITIES = WorkbookSpec(
    kind="activities",
    title="活动登记",
    filename="活动登记_{month}.xlsx",
    monthly=True,
    help="服务管理科维护：本月活动及参加人员。",
    sheets=(
        SheetSpec(
            "活动",
            (
                F_ACTIVITY_ID.but(lookup=None),
                Field("activity_name", "活动名称", T.TEXT, True, width=24),
                Field("activity_class", "类别", T.CHOICE, True, ACTIVITY_CLASSES, width=8),
                Field("project", "项目", T.CHOICE, True, ACTIVITY_PROJECTS, width=12),
                F_DATE,
                Field("total_cost", "总费用", T.MONEY, help="元；外省旅游必填", width=12),
            ),
            unique=("activity_id",),
        ),
        SheetSpec("参加人员", (F_ACTIVITY_ID, F_RETIREE_ID), unique=("activity_id", "retiree_id")),
    ),
)

# --- 4.7 民主评议 ---------------------------------------------------------------------------
EVALUATION = WorkbookSpec(
    kind="evaluation",
    title="民主评议",
    filename="民主评议_{year}.xlsx",
    help="年度民主评议：军休人员评价联包工作人员。",
    sheets=(
        SheetSpec(
            "评议",
            (
                F_RETIREE_ID,
                Field("staff_id", "工作人员工号", T.ID, True, lookup=Lookup.STAFF, width=12),
                Field("rating", "评价", T.CHOICE, False, RATINGS, width=10),
            ),
            unique=("retiree_id", "staff_id"),
        ),
    ),
)

WORKBOOKS: dict[str, WorkbookSpec] = {
    w.kind: w for w in (ROSTER, RETIREES, RUBRIC, CALENDAR, PERSONAL, REGISTER, ACTIVITIES, EVALUATION)
}
# Registers kept in data/ (not monthly); the calendar is optional.
WORKSPACE_REGISTERS = (ROSTER, RETIREES, RUBRIC)
MONTHLY_WORKBOOKS = (PERSONAL, REGISTER, ACTIVITIES)

# Reserved automatic-rule codes (SPEC §4.3) with the defaults `jxbatch init` writes.
AUTO_CODES: dict[str, tuple[str, str]] = {
    "AUTO-DAILY": ("日整理缺记", "0.5"),
    "AUTO-WEEKLY": ("周小结缺交", "1"),
    "AUTO-VISIT": ("定期访未完成", "1"),
    "AUTO-HOME": ("季度未上门", "1"),
    "AUTO-MUST": ("必访超期", "2"),
    "AUTO-QUOTA": ("分管领导扣分指标未完成", "1"),
}
AUTO_CATEGORY = "自动规则"
BONUS_CATEGORY = "加分项目"


def meta_rows(kind: str, month: str | None = None, staff_id: str | None = None,
              name: str | None = None) -> list[tuple[str, str]]:
    """Key/value rows of the hidden `_meta` sheet (R-TPL-2)."""
    return [
        ("kind", kind),
        ("template_version", TEMPLATE_VERSION),
        ("month", month or ""),
        ("staff_id", staff_id or ""),
        ("name", name or ""),
        ("generator", "jxbatch"),
    ]


def identify_by_sheets(sheet_names: set[str]) -> WorkbookSpec | None:
    """Guess a template from its sheet names (for workbooks without `_meta`, R-TPL-2)."""
    best: WorkbookSpec | None = None
    for spec in WORKBOOKS.values():
        names = {s.name for s in spec.sheets}
        if names <= sheet_names and (best is None or len(names) > len(best.sheets)):
            best = spec
    return best
