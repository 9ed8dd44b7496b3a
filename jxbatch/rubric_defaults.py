"""The sample rubric that `jxbatch init` prefills into data/rubric.xlsx (SPEC §4.3).

Plain data only: lists of dicts keyed by the schema's field keys (SPEC §15), every value a
string (points too, e.g. ``"0.5"``). The point values are **[policy]** data — the center edits
them in its rubric; code never hard-codes them. The reserved automatic-rule rows are derived
from :data:`jxbatch.schema.AUTO_CODES` so the two never disagree.
"""

from __future__ import annotations

import copy

from .schema import AUTO_CATEGORY, AUTO_CODES, BONUS_CATEGORY, RUBRIC

RUBRIC_SHEET, DUTY_SHEET, TARGET_SHEET = (s.name for s in RUBRIC.sheets)

_DEDUCT, _BONUS = "扣分", "加分"


def _row(code: str, category: str, requirement: str, points: str, direction: str = _DEDUCT,
         monthly_cap: str = "") -> dict[str, str]:
    return {
        "code": code,
        "category": category,
        "requirement": requirement,
        "points": points,
        "direction": direction,
        "monthly_cap": monthly_cap,
    }


# The "4S" standards: 行为 4 + 素养 7 + 工作 4 + 绩效 2 = 17 requirements.
_4S_ROWS = [
    _row("B01", "行为标准", "上班后清理工作区卫生，办公桌面整洁、物品摆放有序", "0.5", monthly_cap="2"),
    _row("B02", "行为标准", "按时上下班，不迟到、不早退，外出办事登记去向", "1", monthly_cap="3"),
    _row("B03", "行为标准", "工作时间着装整洁、佩戴工作牌，不做与工作无关的事", "0.5", monthly_cap="2"),
    _row("B04", "行为标准", "接待军休人员坚持一微笑二起立三请坐四倒茶五问候六相送", "1"),
    _row("S01", "素养标准", "严禁与军休人员发生直接冲突，不推诿、不顶撞、不刁难", "2"),
    _row("S02", "素养标准", "使用文明用语，电话铃响三声内接听，落实首问负责制", "0.5", monthly_cap="2"),
    _row("S03", "素养标准", "遵守保密纪律，不泄露军休人员个人信息", "2"),
    _row("S04", "素养标准", "团结同事，服从工作安排，不搬弄是非", "1"),
    _row("S05", "素养标准", "厉行节约，下班随手关灯、关水、关电脑", "0.5", monthly_cap="2"),
    _row("S06", "素养标准", "按时参加政治理论和业务学习，不无故缺席", "1"),
    _row("S07", "素养标准", "廉洁自律，不收受军休人员及其家属的礼品礼金", "2"),
    _row("W01", "工作标准", "日整理当日记录，已完成工作和体会真实具体、不敷衍", "0.5", monthly_cap="3"),
    _row("W02", "工作标准", "周小结按时上交，写明本周小结和下周计划", "1"),
    _row("W03", "工作标准", "按计划开展联包走访，走访记录完整，反映问题及时上报", "1"),
    _row("W04", "工作标准", "军休人员反映的问题按时办结并及时回复", "1", monthly_cap="4"),
    _row("P01", "绩效标准", "按时完成上级和所里交办的各项工作任务，不拖延", "1"),
    _row("P02", "绩效标准", "年度目标任务按完成期限落实到位", "2"),
]

_BONUS_ROWS = [
    _row("J01", BONUS_CATEGORY, "受到上级机关通报表彰", "2", _BONUS),
    _row("J02", BONUS_CATEGORY, "受到军休人员或家属书面表扬", "1", _BONUS, monthly_cap="3"),
    _row("J03", BONUS_CATEGORY, "撰写的工作信息被上级采用", "1", _BONUS, monthly_cap="3"),
    _row("J04", BONUS_CATEGORY, "圆满完成临时急难险重任务", "1", _BONUS),
]

_AUTO_ROWS = [
    _row(code, AUTO_CATEGORY, requirement, points) for code, (requirement, points) in AUTO_CODES.items()
]

#: Sheet 考核标准: the 4S standards, the bonus items and the reserved automatic rules.
RUBRIC_ROWS: list[dict[str, str]] = _4S_ROWS + _BONUS_ROWS + _AUTO_ROWS

#: Sheet 岗位职责: one sample post per default department, plus the leadership.
DUTY_ROWS: list[dict[str, str]] = [
    {
        "department": "",
        "post": "所长",
        "staff_id": "",
        "duties": "主持全所全面工作，组织落实精细化服务管理和月度考核",
        "work_standard": "年度目标分解到科室，每月听取考核情况通报",
        "deduction_standard": "考核标准执行不到位的，按考核标准扣分",
    },
    {
        "department": "",
        "post": "班子成员",
        "staff_id": "",
        "duties": "协助所长工作，分管相应科室，落实分管科室的考核",
        "work_standard": "每月对分管科室人员现场检查，完成扣分指标",
        "deduction_standard": "扣分指标未完成的，按自动规则扣分",
    },
    {
        "department": "办公室",
        "post": "综合文秘",
        "staff_id": "",
        "duties": "公文处理、会议组织、人员名册和考核资料管理",
        "work_standard": "公文当日登记、按时流转，会议纪要两日内印发",
        "deduction_standard": "公文延误或差错的，按工作标准扣分",
    },
    {
        "department": "财务科",
        "post": "会计",
        "staff_id": "",
        "duties": "经费预算与核算，军休人员活动经费和补助发放",
        "work_standard": "账目日清月结，补助按月足额发放",
        "deduction_standard": "账目不清或发放延误的，按工作标准扣分",
    },
    {
        "department": "服务管理科",
        "post": "服务管理",
        "staff_id": "",
        "duties": "联包走访军休人员，组织文体活动，登记和跟踪事件",
        "work_standard": "按计划完成定期访和必访，活动登记完整",
        "deduction_standard": "走访未完成或必访超期的，按自动规则扣分",
    },
    {
        "department": "医疗保健科",
        "post": "医疗保健",
        "staff_id": "",
        "duties": "军休人员健康档案管理、体检组织和住院探望",
        "work_standard": "健康档案及时更新，住院人员及时探望",
        "deduction_standard": "探望不及时的，按工作标准扣分",
    },
]

#: Sheet 年度目标: two sample targets with deadline 2026-12.
TARGET_ROWS: list[dict[str, str]] = [
    {
        "target_id": "T01",
        "year": "2026",
        "department": "全所",
        "target": "军休人员民主评议满意率达到 95% 以上",
        "deadline": "2026-12",
        "code": "P02",
        "points": "2",
    },
    {
        "target_id": "T02",
        "year": "2026",
        "department": "服务管理科",
        "target": "全年组织军休人员集体活动不少于 12 次",
        "deadline": "2026-12",
        "code": "P02",
        "points": "2",
    },
]


def rubric_prefill() -> dict[str, list[dict[str, str]]]:
    """Sheet name -> rows, for ``templates.build_workbook(schema.RUBRIC, prefill=...)``.

    Returns fresh copies: callers may modify them freely.
    """
    return {
        RUBRIC_SHEET: copy.deepcopy(RUBRIC_ROWS),
        DUTY_SHEET: copy.deepcopy(DUTY_ROWS),
        TARGET_SHEET: copy.deepcopy(TARGET_ROWS),
    }
