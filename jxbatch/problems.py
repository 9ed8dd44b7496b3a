"""Problems are values, not exceptions.

Every stage (read, validate, compute, publish) returns problems alongside its result. A
`Problem` carries a stable code, a severity, a position (file, sheet, row, column label and
Excel cell) and a Chinese message made from the code's message template (frictionless-style).
The CLI prints them one per line as ``file:sheet!cell 消息 (值)`` (R-TPL-4).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class ProblemType:
    code: str
    severity: Severity
    template: str  # Chinese, str.format placeholders


TYPES: dict[str, ProblemType] = {}


def _t(code: str, severity: Severity, template: str) -> ProblemType:
    if code in TYPES:  # pragma: no cover - programming error
        raise ValueError(f"duplicate problem code {code}")
    TYPES[code] = ProblemType(code, severity, template)
    return TYPES[code]


E, W = Severity.ERROR, Severity.WARNING

# --- files (preflight, R-TPL-2, SPEC §14) ---------------------------------------------
_t("file-not-zip", E, "文件不是 .xlsx 工作簿（{detail}），请用 Excel/WPS 另存为 .xlsx 后放回")
_t("file-xls", E, "文件是旧版 .xls 格式，请用 Excel/WPS 另存为 .xlsx 后放回")
_t("file-encrypted", E, "工作簿设置了打开密码，请取消密码后另存为 .xlsx 放回")
_t("file-truncated", E, "文件已损坏或不完整（{detail}），请重新保存或重新发送")
_t("file-too-large", E, "文件解压后过大或结构异常（{detail}），已拒绝读取")
_t("file-empty", E, "文件为空（0 字节）")
_t("file-locked", E, "文件正被其他程序占用（可能在 Excel 中打开），请关闭后重试")
_t("file-unreadable", E, "无法读取文件：{detail}")
_t("confirmation-unmatched", W, "没有与这一行对应的待签回季度确认表（编号或季度填错、该季度尚未结账，"
   "或这份确认表此前已登记签回），未记入")
_t("ledger-unreadable", W, "台账无法读取（{detail}），走访等按没有往月记录校验；结账时台账必须可用")
_t("policy-unknown", W, "设置文件中有不认识的设置 {detail}（拼写错误？），已忽略")
_t("sheet-too-large", E, "工作表“{sheet}”的数据区域过大（{rows} 行 × {cols} 列），"
                         "请删除表格下方或右侧误填的内容后重新保存")
_t("file-unknown", E, "无法识别的工作簿，请移出本月文件夹")
_t("file-missing", E, "缺少必需的文件：{detail}")
_t("rubric-auto-missing", E, "考核标准中缺少自动规则 {value}（{detail}）；请把这一行加回去（jxbatch init 生成的考核标准里有）")
_t("activities-missing", W, "本月没有活动登记表（{detail}），本月的活动和参加人员都不计；本月确实没有活动时可忽略")
_t("personal-owner-unknown", E, "看起来是个人月度工作簿，但缺少 _meta 隐藏页，文件名也不是“工号_姓名_{month}.xlsx”，"
   "无法确定是谁的；请换用下发的工作簿，或按这个格式改文件名")
_t("file-not-standard", W, "非标准模板（缺少 _meta 隐藏页），已按表头识别为“{detail}”")
_t("meta-kind", E, "工作簿类型不符：应为“{expected}”，实际为“{actual}”")
_t("meta-month", E, "工作簿月份不符：应为 {expected}，实际为 {actual}")
_t("meta-person", E, "个人工作簿的 _meta 工号为 {actual}，与文件所属人员 {expected} 不符")
_t("meta-duplicate", E, "同一人员本月有多个个人工作簿：{detail}")
_t("meta-conflict", E, "隐藏页 _meta 中的 {detail} 出现了两次且取值不同，无法确定这是谁的哪份工作簿；请重新下发")
_t("workbook-duplicate", E, "本月有多份{kind}工作簿：{detail}，请只保留一份")
_t("workbook-missing", W, "{name}（{staff_id}）本月未交个人工作簿，按全部缺记处理")
_t("workbook-unusable", W, "{name}（{staff_id}）交回的这份工作簿无法采用（原因见针对它的错误），改正前按全部缺记处理")
_t("workbook-blank", W, "{name}（{staff_id}）的个人工作簿仍是下发时的空白（未填写任何内容），按全部缺记处理")
# --- sheets and cells (R-TPL-1, R-TPL-3) --------------------------------------------------
_t("sheet-missing", E, "缺少工作表“{sheet}”")
_t("header-missing", E, "工作表“{sheet}”前 10 行中找不到表头")
_t("column-missing", E, "工作表“{sheet}”缺少必需列“{label}”")
_t("column-missing-optional", W, "工作表“{sheet}”缺少“{label}”列，按这一列全部空白处理")
_t("column-extra", W, "多余的列“{label}”已忽略")
_t("column-duplicate", E, "列“{label}”出现了不止一次")
_t("required", E, "“{label}”不能为空")
_t("bad-date", E, "“{label}”不是有效日期，请写成 2026-11-03 这样的格式")
_t("bad-number", E, "“{label}”不是数字")
_t("bad-integer", E, "“{label}”应为整数")
_t("bad-bool", E, "“{label}”只能填 是 或 否")
_t("bad-choice", E, "“{label}”只能填：{choices}")
_t("bad-month", E, "“{label}”应写成 2026-11 这样的年月")
_t("bad-quarter", E, "“{label}”应写成 2026Q4 这样的季度")
_t("out-of-range", E, "“{label}”超出合理范围（{detail}）")
_t("negative", E, "“{label}”不能为负数")
_t("bad-year", E, "“{label}”应为四位年份，如 2026")
_t("policy-changed-since-close", W, "{month} 上次结账后设置 {key} 已改动：上次为 {before}，现在为 {after}；"
   "如这是为以后月份做的修改，请先改回再重新结账")
_t("survivor-paid-already", W, "{name}的遗属年度补助已于 {month} 发放，本月不再发放（每年一次）")
_t("subsidy-zero", W, "活动 {activity} 按“{rule}”每人补助 0 元（总费用由 {n} 人分摊）：请核对总费用")
_t("points-precision", E, "“{label}”最多两位小数（如 0.5、0.25）")
_t("target-deadline-year", E, "完成期限 {value} 不在年度 {year} 内")
_t("money-fen", E, "“{label}”应精确到分（最多两位小数）")
_t("error-value", E, "单元格是错误值，请改正公式或直接填写数值")
_t("formula-no-value", E, "单元格是没有计算结果的公式，请在 Excel 中打开并保存，或直接填写数值")
_t("text-too-long", E, "文字超过 Excel 单元格上限（{detail} 字）")
_t("control-chars", W, "文字中含有不可见的控制字符，已去除")
_t("id-case", W, "“{value}”与“{detail}”只差大小写，已按“{detail}”读取")
_t("merged-cells", W, "数据区域有合并单元格 {detail}，只读取左上角的值")
# --- rows and references --------------------------------------------------------------
_t("duplicate", E, "重复：{detail}")
_t("row-repeated", E, "与第 {first} 行完全相同（重复登记？）；同一件事只登记一次，"
                      "确需两条时请在事由中写明区别")
_t("date-outside-month", E, "日期不在 {month} 内")
_t("date-not-working-day", W, "{date} 不是本人应填日整理的工作日（休息日或不在岗期间），该行不计入日整理")
_t("week-by-period", W, "周次“{value}”不是本月的周次，已按起止日期计入 {week}；请核对")
_t("week-unmatched", W, "这一行对不上本月的任何一周（周次应为 2026-W45 这样的写法，或起止日期写完整年份），不计入周小结")
_t("sheet-extra", W, "工作表“{sheet}”不是模板中的表，其中的内容没有读取；请把数据填到模板的工作表中")
_t("column-unlabeled", W, "这一列没有表头，其中的内容没有读取")
_t("rows-above-header", E, "这一行像是数据，却在表头（第 {header} 行）上方，不会被读取："
                           "数据请写在表头下方（可能是排序时选中了表头）")
_t("note-above-header", W, "表头（第 {header} 行）上方这一行的内容不会被读取；如是数据，请移到表头下方")
_t("org-same-name", W, "姓名“{value}”与第 {row} 行（工号 {other}）相同；两人的公示、通知和提醒都只写姓名时无法区分，"
   "建议在名册中加以区别（如 {value}（大））")
_t("unknown-staff", E, "未知工号“{value}”（人员名册中没有）{hint}")
_t("unknown-retiree", E, "未知军休人员编号“{value}”（军休人员名册中没有）")
_t("unknown-code", E, "未知标准编号“{value}”（考核标准中没有）")
_t("unknown-department", E, "未知科室“{value}”（名册“科室”页中没有）")
_t("unknown-activity", E, "未知活动编号“{value}”")
_t("activity-id-chars", E, "活动编号“{value}”含有文件名不能用的字符（\\ / : * ? \" < > |），请改用字母、数字和汉字")
_t("unknown-target", E, "未知目标编号“{value}”")
_t("wrong-direction", E, "标准编号“{value}”是{actual}项目，不能用于{expected}")
_t("auto-code-in-register", E, "标准编号“{value}”是自动规则，由程序计算，不能手工登记")
# --- organisation (R-ORG-1..4, R-ISS-1, R-CH-6) -----------------------------------------
_t("org-director-count", E, "名册中应有且只有一名所长，现有 {count} 名")
_t("org-no-leader", E, "名册中没有班子成员，无法计算所长得分")
_t("org-department-required", E, "{role}必须填写科室")
_t("org-department-forbidden", E, "{role}不属于任何科室，科室应为空")
_t("org-oversight-count", E, "科室“{department}”应有且只有一名分管班子成员，现有 {count} 名")
_t("org-oversight-not-leader", E, "分管人“{value}”不是班子成员")
_t("org-leader-no-department", E, "班子成员{name}（{staff_id}）没有分管科室")
_t("org-dates", E, "离岗日期早于入职日期")
_t("dates-inconsistent", E, "日期前后矛盾：{detail}")
_t("org-staff-id-chars", E, "工号“{value}”含有不能用于文件名的字符（_ / \\ : * ? \" < > | 或首尾的点、空格），请只用字母、数字和“-”")
_t("leader-no-staff", E, "班子成员{name}（{staff_id}）分管的科室本月没有参加考核的人员，得分无法计算")
_t("issuer-not-allowed", E, "扣分人“{value}”无权扣分（只有所长、班子成员、科室负责人和考核办可以扣分）")
_t("issuer-is-target", E, "扣分人不能给自己扣分")
_t("approver-not-allowed", E, "审批人“{value}”无权审批加分（只有所长、班子成员和考核办可以审批）")
_t("date-not-active", W, "{name}（{staff_id}）在岗期间为 {period}，本行日期 {value} 不在其中；仍按登记计入，请核对日期")
_t("workbook-out-of-scope", W, "{name}（{staff_id}）本月不参加考核（在岗期间 {period}），这份工作簿的日整理、周小结不计分；"
   "其中的走访记录仍计入军休人员的联系情况")
_t("target-out-of-scope", E, "{name}（{staff_id}）本月不参加考核，不能登记")
_t("roster-changed-since-close", W, "{month} 上次结账时{what}为 {before}，现在的人员名册为 {after}；本次按现在的名册计算"
   "（联带扣分、排名随之变化）。如这是之后才生效的调整，请先把名册改回，结账后再改")
# --- calendar (R-CAL-2) -----------------------------------------------------------------
_t("calendar-not-covered", W, "节假日数据未覆盖 {month}，按周一至周五为工作日计算；如需调整请填写日历调整表")
# --- scoring warnings -------------------------------------------------------------------
_t("bonus-pending", W, "申报加分尚未审批（待审批），本月不计分")
_t("visit-unassigned", W, "走访的军休人员“{value}”不是本人联包对象")
_t("points-differ", W, "分值 {value} 与考核标准默认分值 {expected} 不同")
# --- activities and subsidies (SPEC §8: R-AC-2, R-SUB-1..4) -------------------------------
_t("b3-ineligible", W, "{name}（{retiree_id}）不符合 B3 分散活动“{activity}”的参加条件：{conditions}")
_t("b3-survivor", W, "{name}（{retiree_id}）是遗属，B3 分散活动“{activity}”只面向军休干部")
_t("participant-off-register", W, "{name}（{retiree_id}）在活动“{activity}”当日（{date}）不在册（未入所或已去世）")
_t("activity-cost-missing", E, "活动“{activity}”（{project}）缺少总费用，无法按人均费用计算补助")
_t("subsidy-no-participants", W, "活动“{activity}”没有登记参加人员，不发放“{rule}”")
_t("subsidy-all-cadres", W, "活动“{activity}”没有登记参加人员，“{rule}”按全体在册军休干部均未参加计发，请核对参加人员")
_t("subsidy-rule-invalid", E, "活动补助规则 [[subsidies.rules]] 第 {n} 条（{name}）设置有误：{detail}")
_t("subsidy-setting-invalid", E, "设置 [subsidies] {key} 有误：{detail}")
# --- home visits 联包共创 (SPEC §7: R-VI-1..6) ---------------------------------------------
_t("visit-after-death", W, "走访日期 {value} 晚于{name}（{retiree_id}）的去世日期 {death}")
_t("must-visit-no-event", W, "类型为必访但未填写事件编号，不能对应到必访事件")
_t("must-visit-unknown-event", W, "必访的事件编号“{value}”在事件登记中没有（生日必访写 生日-编号-年份）")
_t("visit-unknown-event", W, "事件编号“{value}”在事件登记中没有（生日事件写 生日-编号-年份）")
_t("visit-event-not-must", W, "本行引用了必访事件“{event}”，但类型是“{value}”，不计为该事件的必访；如是必访，请把类型改为必访")
_t("must-visit-event-mismatch", W, "事件编号“{value}”登记的是军休人员 {other}，与本行的军休人员不符，不计为该事件的必访")
_t("concern-no-id", W, "有反映问题但未填写问题编号，无法跟踪处理情况")
_t("concern-id-clash", E, "问题编号“{value}”已用于军休人员 {retiree} 反映的问题（{staff}，{raised}），"
   "不能再用于另一位军休人员；新问题请另编一个编号，更新原问题请核对编号")
_t("concern-unknown", W, "问题编号“{value}”此前没有反映记录（上月可能未结账），从本次走访起跟踪")
_t("visit-staff-out-of-scope", W, "{name}（{staff_id}）本月不参加考核，其联包的 {count} 名军休人员本月不计联包考核，请重新安排联包工作人员")
_t("visit-quarter-unknown", W, "{months} 未结账（或结账时未记录走访），{quarter} 季度上门走访只按已知月份（{known}）的记录判断")
_t("visit-history-gap", W, "{months} 未结账：必访待查、问题跟踪和季度确认从 {prior} 的记录接续，期间的记录未知")
_t("must-visit-registered-late", W, "必访事件“{value}”（{name}，开始 {start}，期限 {deadline}，联包 {staff}）"
                                    "在其月份结账后才登记，结账时未能判定；{visited}。如需扣分，请核实后在考核登记中登记")
_t("must-visit-before-start", W, "必访事件“{value}”（{name}）的期限 {deadline} 在联包工作人员 {staff} 入职（{start}）之前，"
   "不扣分；如需追究，请由考核办在考核登记中登记")
_t("must-visit-after-leaving", W, "必访事件“{value}”（{name}）{start} 开始时，联包工作人员 {staff} 已于 {end} 离岗，"
   "不扣分；请为该军休人员重新安排联包工作人员")
_t("must-visit-unknown", W, "必访事件“{value}”的期限 {deadline} 跨入本月，但 {month} 未结账，无法确认是否已按时走访，本月不扣分")
# --- annual review 年总评 (SPEC §13: R-YR-1..5) -------------------------------------------
_t("target-undecided", W, "年度目标 {target_id}“{target}”的完成期限是本月（{deadline}），“目标完成”页没有它的完成情况，本月不扣分")
_t("target-not-due", W, "年度目标“{value}”的完成期限是 {deadline}，不是 {month}，此行不计分")
_t("target-no-recipient", W, "年度目标“{value}”未完成，但{department}本月没有参加考核的{who}，无人扣分")
_t("target-setting-invalid", E, "设置 [annual] target_deduction_to 有误：只能填 all（扣本科室全体人员）或 head（只扣科室负责人）")
_t("year-months-open", E, "{year} 年有月份未结账：{months}。年总评需要十二个月全部结账")
_t("annual-setting-invalid", E, "设置 [annual] {key} 有误：{detail}")
_t("evaluation-missing", W, "{month} 没有民主评议表（民主评议_{year}.xlsx），满意率全部为“无评价”")
_t("evaluation-changed", E, "民主评议表在 {month} 结账后{change}，与结账时的不一致；请先运行 {reopen} 并重新结账，再运行 close-year")
_t("evaluation-unscored", W, "民主评议中的{name}（{staff_id}）本年度没有月度得分，满意率只列在“民主评议”页")


@dataclass(frozen=True)
class Loc:
    """Where a value came from, as Excel shows it (R-TPL-4)."""

    file: str | None = None
    sheet: str | None = None
    row: int | None = None
    column: str | None = None  # column letter(s), e.g. "D"
    label: str | None = None  # header label, e.g. "日期"

    @property
    def cell(self) -> str | None:
        if self.column and self.row:
            return f"{self.column}{self.row}"
        if self.row:
            return f"第{self.row}行"
        return None

    def at(self, *, column: str | None = None, label: str | None = None) -> Loc:
        return Loc(self.file, self.sheet, self.row, column, label)

    def __str__(self) -> str:
        out = self.file or ""
        if self.sheet:
            out += f":{self.sheet}" if out else self.sheet
            if self.cell:
                out += f"!{self.cell}"
        return out


@dataclass(frozen=True)
class Problem:
    code: str
    severity: Severity
    message: str
    loc: Loc = field(default_factory=Loc)
    value: str | None = None

    @property
    def where(self) -> str:
        return str(self.loc)

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def line(self) -> str:
        """``file:sheet!cell 消息 (值)`` — one problem per console line."""
        parts = [p for p in (self.where, self.message) if p]
        text = " ".join(parts)
        if self.value not in (None, ""):
            text += f" ({self.value})"
        return text

    def sort_key(self) -> tuple:
        loc = self.loc
        return (
            0 if self.is_error else 1,
            loc.file or "",
            loc.sheet or "",
            loc.row or 0,
            len(loc.column or ""),
            loc.column or "",
            self.code,
            self.message,
        )

    def as_dict(self) -> dict[str, str]:
        return {
            "severity": self.severity.value,
            "code": self.code,
            "where": self.where,
            "message": self.message if self.value in (None, "") else f"{self.message} ({self.value})",
        }


def show_value(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime) and value.time() == dt.time(0) and value.tzinfo is None:
        value = value.date()  # a date cell as a date, whichever reader made it a datetime
    if isinstance(value, dt.time):  # a date cell holding 0 (or 0.5) reads as a time of day
        return f"{value.strftime('%H:%M:%S' if value.second else '%H:%M')}（只有时间，没有日期）"
    if isinstance(value, bool):  # a TRUE/FALSE cell, as Excel shows it (not Python's True)
        return "TRUE" if value else "FALSE"
    text = str(value)
    return text if len(text) <= 60 else text[:57] + "…"


def problem(code: str, loc: Loc | None = None, value: object = None, **params: object) -> Problem:
    """Make a problem from its registered type; params fill the Chinese message template."""
    ptype = TYPES[code]
    if loc is not None and loc.label is not None:
        params.setdefault("label", loc.label)
    if loc is not None and loc.sheet is not None:
        params.setdefault("sheet", loc.sheet)
    params.setdefault("value", show_value(value) or "")
    params.setdefault("hint", "")  # an optional tail some templates end with
    message = ptype.template.format(**params)
    return Problem(code, ptype.severity, message, loc or Loc(), show_value(value))


class Report:
    """A flat, ordered collection of problems from every stage."""

    def __init__(self, problems: Iterable[Problem] = ()) -> None:
        self._items: list[Problem] = []
        self._seen: set[Problem] = set()
        self.extend(problems)

    def add(self, p: Problem) -> None:
        if p not in self._seen:
            self._seen.add(p)
            self._items.append(p)

    def extend(self, problems: Iterable[Problem]) -> None:
        for p in problems:
            self.add(p)

    def __iter__(self) -> Iterator[Problem]:
        return iter(self.sorted())

    def __len__(self) -> int:
        return len(self._items)

    def sorted(self) -> list[Problem]:
        return sorted(self._items, key=Problem.sort_key)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.sorted() if p.is_error]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.sorted() if not p.is_error]

    @property
    def ok(self) -> bool:
        return not any(p.is_error for p in self._items)

    def codes(self) -> list[str]:
        return [p.code for p in self.sorted()]
