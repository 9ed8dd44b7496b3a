"""The publish-ready workbooks of close-month (SPEC §9), written with xlsxwriter.

- ``考核排名公示_YYYY-MM.xlsx`` — the three ranking tables (R-RK-1, R-RK-2), the posting period,
  the out-of-scope list (R-ORG-4) and a native column chart of the department scores.
- ``津补贴增减通知_YYYY-MM.xlsx`` — the finance notice (R-AL-1, R-AL-2).
- ``考核明细_YYYY-MM.xlsx`` — every scored item with its origin, and one statement sheet per person.

Every number shown is the published ``Decimal`` of the computation (never recomputed here,
except the finance total, which is the exact sum of the printed rows, R-AL-2). Every text that
came from an input (names, reasons, requirements, duties, origins) is written with
``write_string``, so ``=SUM(1,1)``, ``http://x`` or ``0012`` shows literally. Document
properties are fixed by ``styles.new_workbook`` so two runs give identical files (R-LG-4).
Nothing here reads or writes private retiree data.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from xlsxwriter.worksheet import Worksheet

from ..compute.allowance import total
from ..compute.month import MonthResult
from ..compute.ranking import id_key
from ..compute.rounding import publish
from ..compute.types import AUTO, BONUS, CHAINED, QUOTA, REGISTER, PersonScore
from ..model import DEPT_HEAD, DIRECTOR, LEADER, STAFF, Duty
from .styles import Pager, new_workbook, page_setup, title_rows, write_cell, write_header

ROLE_ZH = {DIRECTOR: "所长", LEADER: "班子成员", DEPT_HEAD: "科室负责人", STAFF: "工作人员"}
SOURCE_ZH = {REGISTER: "登记扣分", AUTO: "自动规则", CHAINED: "联带扣分", QUOTA: "扣分指标", BONUS: "加分"}
SIGNATURES = "经办人：＿＿＿＿  审核人：＿＿＿＿  负责人：＿＿＿＿"
SIGN_SELF = "本人签字：＿＿＿＿"
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")


@dataclass(frozen=True)
class PublishInfo:
    """What the publication needs beyond the computed month (SPEC §9)."""

    center: str  # e.g. 常德市军休所
    month: str  # "2026-11"
    issuing_office: str  # e.g. 精细化考核办公室
    publish_date: dt.date
    posting_days: int  # 公示期 in days [policy, 7]
    base: Decimal  # R-SC-1 [policy, 100]
    rate: Decimal  # R-AL-1 yuan per point [policy, 50]
    out_of_scope: tuple[tuple[str, str], ...] = ()  # (staff_id, name): 本月不参加考核 (R-ORG-4)
    duties: Mapping[str, Sequence[Duty]] = field(default_factory=dict)  # staff_id -> 岗位职责 rows


# ---------------------------------------------------------------- text helpers

def month_zh(month: str) -> str:
    """"2026-11" -> "2026年11月"; "2026-03" -> "2026年3月"."""
    year, mon = month.split("-")
    return f"{int(year)}年{int(mon)}月"


def date_zh(d: dt.date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def plain_number(value: Decimal) -> str:
    """50 -> "50", 0.5 -> "0.5" (no exponent, no trailing zeros)."""
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def yuan_text(value: Decimal) -> str:
    return f"{value:,.2f}元"


def posting_period(info: PublishInfo) -> str:
    """公示期：publish_date .. publish_date + posting_days − 1 (SPEC §9)."""
    end = info.publish_date + dt.timedelta(days=info.posting_days - 1)
    return f"公示期：{date_zh(info.publish_date)}至{date_zh(end)}（{info.posting_days}天）"


def out_of_scope_line(info: PublishInfo) -> str:
    """R-ORG-4: persons out of scope are listed, not ranked."""
    names = "、".join(name for _, name in info.out_of_scope)
    return f"本月不参加考核：{names or '无'}"


def sheet_name(staff_id: str, name: str, used: set[str]) -> str:
    """`<工号> <姓名>`: no []:*?/\\ characters, at most 31 characters, unique (case-insensitive)."""
    text = _BAD_SHEET_CHARS.sub("_", f"{staff_id} {name}".strip()).strip("'") or "_"
    if text.lower() == "history":
        text = f"{text}_"
    candidate, n = _cut(text, 31), 1
    while candidate.lower() in used:
        n += 1
        suffix = f"({n})"
        candidate = _cut(text, 31 - len(suffix)) + suffix
    used.add(candidate.lower())
    return candidate


def _cut(text: str, limit: int) -> str:
    """At most `limit` UTF-16 units (Excel counts a rare CJK extension character as two), and
    no apostrophe at either end of the result (Excel refuses such a sheet name)."""
    out, size = [], 0
    for c in text:
        size += 2 if ord(c) > 0xFFFF else 1
        if size > limit:
            break
        out.append(c)
    return "".join(out).strip("'") or "_"


@functools.lru_cache(maxsize=65536)  # the same lines recur (a payment line per retiree)
def text_width(text: str) -> int:
    """Display width in Excel character units (CJK and full-width characters count 2)."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def lines_needed(text: str, width: float) -> int:
    usable = max(width - 1, 1)
    return sum(max(1, math.ceil(text_width(part) / usable)) for part in text.split("\n"))


def row_height(cells: Sequence[tuple[str, float]], line: float = 15.0) -> float:
    """Row height for wrapped text in merged cells (Excel does not auto-fit those)."""
    return line * max([1] + [lines_needed(t, w) for t, w in cells])


def role_label(p: PersonScore) -> str:
    return ROLE_ZH.get(p.role, p.role)


def person_name(res: MonthResult, staff_id: str | None) -> str:
    if not staff_id:
        return ""
    p = res.people.get(staff_id)
    return p.name if p is not None else staff_id


def issuer_label(res: MonthResult, issuer: str) -> str:
    p = res.people.get(issuer)
    return f"{p.name}（{issuer}）" if p is not None else issuer


def supervised(res: MonthResult, leader_id: str) -> list[str]:
    return [d.name for d in res.departments if d.leader == leader_id]


def start_note(p: PersonScore) -> str:
    if p.role == DIRECTOR:
        return "起算分：班子成员得分平均分（R-CH-5）"
    return "起算分：分管科室全体工作人员得分平均分（R-CH-1）"


def shown(value: Decimal | None) -> Decimal | None:
    """A mean as it is shown (2 decimals, half up); the score uses the unrounded value."""
    return None if value is None else publish(value)


def _header(ws: Worksheet, row: int, labels: Sequence[str], fmts: dict[str, Any]) -> None:
    for j, label in enumerate(labels):
        ws.write_string(row, j, label, fmts["header"])


def _signoff(ws: Worksheet, row: int, info: PublishInfo, ncols: int, fmts: dict[str, Any]) -> int:
    """The issuing office and the date, right-aligned; returns the row after a blank line."""
    _line(ws, row, info.issuing_office, ncols, fmts["right"])
    ws.merge_cells(row + 1, 0, row + 1, ncols - 1, fmts["date_right"])
    write_cell(ws, row + 1, 0, info.publish_date, fmts, "date_right")
    return row + 3


def write_rows(ws: Worksheet, top: int, kinds: Sequence[str], rows: Sequence[Sequence[Any]],
               fmts: dict[str, Any], widths: Sequence[float] | None, pager: Pager | None = None,
               header: Callable[[int], None] | None = None) -> int:
    """Data rows; a row whose wrapped text needs more than one line gets its height set
    (LibreOffice does not auto-fit the rows of a file written by xlsxwriter; `widths` None:
    every row one line). With a pager, a row that would start a new printed page gets
    `header(row)` above it (续表). Returns the next free row."""
    i = top
    for row in rows:
        height = 15.0 if widths is None else row_height(
            [(value, widths[j]) for j, value in enumerate(row) if kinds[j] == "text" and isinstance(value, str) and value])
        if pager is not None and header is not None and not pager.fits(i, height):
            header(i)
            i += 1
        for j, value in enumerate(row):
            write_cell(ws, i, j, value, fmts, kinds[j])
        if height > 15:
            ws.set_row(i, height)
        i += 1
    return i


def _line(ws: Worksheet, row: int, text: str, ncols: int, fmt: Any, height: float | None = None) -> None:
    """One line of text across the table width (merged), written as a string."""
    if ncols > 1:
        ws.merge_cells(row, 0, row, ncols - 1, fmt)
    ws.write_string(row, 0, text, fmt)
    if height is not None:
        ws.set_row(row, height)


# ---------------------------------------------------------------- 考核排名公示

IND_COLS = ["名次", "工号", "姓名", "科室", "基础分", "扣分", "加分", "得分"]
IND_KINDS = ["int", "text_c", "text_c", "text_c", "score", "points", "points", "score"]
DEPT_COLS = ["名次", "科室", "人数", "得分", "分管领导"]
DEPT_KINDS = ["int", "text_c", "int", "score", "text_c"]
LEAD_COLS = ["名次", "工号", "姓名", "职务/角色", "起算分", "联带扣分", "指标扣分", "本人扣分", "加分", "得分"]
LEAD_KINDS = ["int", "text_c", "text_c", "text", "score", "points", "points", "points", "points", "score"]
RANK_WIDTHS = [6, 10, 10, 24, 9, 9, 9, 9, 9, 9]


def ranking_rows(res: MonthResult) -> tuple[list[list[Any]], list[list[Any]], list[list[Any]]]:
    """The three tables of R-RK-1 in R-RK-2 order, as printed (published Decimals)."""
    ind = [[p.rank, p.staff_id, p.name, p.department or "", p.base, p.deductions, p.bonuses, p.score]
           for p in res.individual]
    dept = [[d.rank, d.name, d.headcount, d.score, person_name(res, d.leader)] for d in res.departments]
    lead = []
    for p in res.leadership:
        role = role_label(p)
        if p.role == LEADER and supervised(res, p.staff_id):
            role = f"{role}（分管{'、'.join(supervised(res, p.staff_id))}）"
        lead.append([p.rank, p.staff_id, p.name, role, shown(p.start), p.chained, p.quota_shortfall,
                     p.deductions, p.bonuses, p.score])
    return ind, dept, lead


def write_ranking(path: Path, res: MonthResult, info: PublishInfo) -> None:
    """考核排名公示_YYYY-MM.xlsx (SPEC §9): one sheet `考核排名公示` with three titled blocks.

    R-RK-1 individuals (department heads and staff), departments, leadership (leaders and the
    director); R-RK-2 order and competition ranks as computed. Then 本月不参加考核 (R-ORG-4),
    公示期 [policy, 7 days], where to raise objections, the issuing office and date, and a
    native column chart `各科室得分` of the department table's 得分 cells.
    """
    title = f"{info.center}{month_zh(info.month)}精细化服务管理考核排名公示"
    wb, fmts = new_workbook(path, title, info.center)
    ws = wb.add_worksheet("考核排名公示")
    ncols = len(RANK_WIDTHS)
    for j, width in enumerate(RANK_WIDTHS):
        ws.set_column(j, j, width)
    title_rows(ws, title, f"考核月份：{month_zh(info.month)}　基础分：{plain_number(info.base)}分　"
                          f"得分按四舍五入保留两位小数，得分相同名次并列", ncols, fmts)
    ind, dept, lead = ranking_rows(res)

    # three tables share the sheet, so the printed pages repeat the title rows only and each
    # table repeats its own header where it runs onto a new page
    pager = Pager(ws, RANK_WIDTHS)
    row = 2
    pager.keep(row, 3 * 15)  # heading, header, first row
    _line(ws, row, "一、个人排名（科室负责人、工作人员）", ncols, fmts["heading"])
    header_row = row + 1
    _header(ws, header_row, IND_COLS, fmts)
    row = write_rows(ws, header_row + 1, IND_KINDS, ind, fmts, RANK_WIDTHS, pager,
                     lambda r: _header(ws, r, IND_COLS, fmts)) + 1

    # the chart reads the department table's cells: no header inside it; it starts on a new
    # page when it would not fit whole on this one (only past about 40 departments is it
    # longer than a page, and then its later pages have no header)
    pager.keep(row, (len(dept) + 2) * 15)
    _line(ws, row, "二、科室排名（科室得本科室工作人员平均分）", ncols, fmts["heading"])
    _header(ws, row + 1, DEPT_COLS, fmts)
    dept_top = row + 2
    row = write_rows(ws, dept_top, DEPT_KINDS, dept, fmts, RANK_WIDTHS) + 1

    pager.keep(row, 3 * 15)
    _line(ws, row, "三、领导班子排名（班子成员、所长）", ncols, fmts["heading"])
    _header(ws, row + 1, LEAD_COLS, fmts)
    row = write_rows(ws, row + 2, LEAD_KINDS, lead, fmts, RANK_WIDTHS, pager,
                     lambda r: _header(ws, r, LEAD_COLS, fmts)) + 1
    pager.close()

    notes = [
        out_of_scope_line(info),
        posting_period(info),
        f"如对考核结果有异议，请于公示期内向{info.issuing_office}书面或当面反映，逾期视为无异议。",
        "说明：班子成员起算分为分管科室全体工作人员平均分，所长起算分为班子成员得分平均分；"
        "起算分四舍五入显示，得分按未舍入值计算后四舍五入。",
    ]
    for text in notes:
        _line(ws, row, text, ncols, fmts["body"], row_height([(text, sum(RANK_WIDTHS))]))
        row += 1
    row += 1
    row = _signoff(ws, row, info, ncols, fmts)

    if dept:
        chart = wb.add_chart({"type": "column"})
        last = dept_top + len(dept) - 1
        chart.add_series({
            "name": "科室得分",
            "categories": ["考核排名公示", dept_top, 1, last, 1],
            "values": ["考核排名公示", dept_top, 3, last, 3],
            "data_labels": {"value": True, "num_format": "0.00", "font": {"size": 8}},
            "fill": {"color": "#4472C4"},
        })
        chart.set_title({"name": "各科室得分", "name_font": {"name": "宋体", "size": 12}})
        chart.set_legend({"none": True})
        chart.set_y_axis({"num_format": "0.00", "name": "得分"})
        chart.set_x_axis({"num_font": {"name": "宋体"}})
        chart.set_size({"width": 640, "height": 300})
        ws.insert_chart(row, 0, chart, {"x_offset": 10, "y_offset": 5})

    page_setup(ws, header_row, ncols)
    ws.repeat_rows(0, 1)  # the title only: each table repeats its own header (Pager)
    wb.close()


# ---------------------------------------------------------------- 津补贴增减通知

AL_COLS = [("序号", "int", 6), ("工号", "text_c", 10), ("姓名", "text_c", 10), ("科室/职务", "text", 18),
           ("得分", "score", 10), ("分差", "diff", 10), ("增减金额", "money", 16)]


def allowance_people(res: MonthResult) -> list[PersonScore]:
    """R-AL-1 rows: everyone ranked with an allowance; director, leaders, then by department and 工号.

    A person without a rank has no defined score (R-CH-6) and is never paid from it.
    """
    dept_order = {d: i for i, d in enumerate(dict.fromkeys(p.department for p in res.people.values()
                                                            if p.department))}
    role_order = {DIRECTOR: 0, LEADER: 1}

    def key(p: PersonScore) -> tuple:
        return (role_order.get(p.role, 2), dept_order.get(p.department or "", -1), id_key(p.staff_id))

    return sorted((p for p in res.people.values() if p.allowance is not None and p.rank > 0), key=key)


def post_label(p: PersonScore) -> str:
    if p.role in (DIRECTOR, LEADER):
        return role_label(p)
    if p.role == DEPT_HEAD:
        return f"{p.department or ''} 科室负责人".strip()
    return p.department or ""


def write_allowance(path: Path, res: MonthResult, info: PublishInfo) -> None:
    """津补贴增减通知_YYYY-MM.xlsx (SPEC §9): the written notice to 财务科.

    R-AL-1 amount = (published score − base) × rate, as computed; R-AL-2 the 合计 is the exact
    Decimal sum of the printed rows (written as a number, no formula).
    """
    title = f"关于{month_zh(info.month)}精细化考核津补贴增减的通知"
    wb, fmts = new_workbook(path, f"{info.center}{title}", info.center)
    ws = wb.add_worksheet("津补贴增减通知")
    ncols = len(AL_COLS)
    width = sum(w for _, _, w in AL_COLS)
    for j, (_, _, w) in enumerate(AL_COLS):
        ws.set_column(j, j, w)
    title_rows(ws, title, f"{info.center}　{info.issuing_office}", ncols, fmts)
    ws.write_string(2, 0, "财务科：", fmts["bold"])
    rate = plain_number(info.rate)
    body = (f"根据精细化服务管理考核“3挂钩”奖惩办法，工作人员月津补贴按考核得分计发：扣1分减{rate}元、"
            f"加1分奖{rate}元，即增减金额 =（公示得分 − 基础分{plain_number(info.base)}分）× {rate}元。"
            f"现将{month_zh(info.month)}考核结果对应的津补贴增减金额通知如下，请按此计发到个人工资津贴账户。")
    _line(ws, 3, body, ncols, fmts["body"], row_height([(body, width)]))

    header_row = 4
    _header(ws, header_row, [c for c, _, _ in AL_COLS], fmts)
    people = allowance_people(res)
    rows: list[list[Any]] = []
    amounts: list[Decimal] = []
    for i, p in enumerate(people, start=1):
        assert p.allowance is not None
        amounts.append(p.allowance)
        rows.append([i, p.staff_id, p.name, post_label(p), p.score, p.score - p.base, p.allowance])
    row = write_rows(ws, header_row + 1, [k for _, k, _ in AL_COLS], rows, fmts, [w for _, _, w in AL_COLS])
    grand = total(amounts)  # R-AL-2
    ws.merge_cells(row, 0, row, ncols - 2, fmts["total_label"])
    ws.write_string(row, 0, "合计", fmts["total_label"])
    write_cell(ws, row, ncols - 1, grand, fmts, "total_money")
    row += 1

    plus = [a for a in amounts if a > 0]
    minus = [a for a in amounts if a < 0]
    summary = (f"共{len(amounts)}人，其中增发{len(plus)}人计{yuan_text(total(plus))}，"
               f"减发{len(minus)}人计{yuan_text(-total(minus))}，合计{yuan_text(grand)}。")
    lines = [summary]
    if info.out_of_scope:
        lines.append(f"本月不参加考核人员（{'、'.join(n for _, n in info.out_of_scope)}）津补贴不作增减。")
    lines.append("特此通知。")
    for text in lines:
        _line(ws, row, text, ncols, fmts["body"], row_height([(text, width)]))
        row += 1
    row += 1
    row = _signoff(ws, row, info, ncols, fmts)
    _line(ws, row, SIGNATURES, ncols, fmts["plain"])

    page_setup(ws, header_row, ncols)
    wb.close()


# ---------------------------------------------------------------- 考核明细

DETAIL_COLS = [("工号", "text_c", 9), ("姓名", "text_c", 10), ("日期", "date", 14), ("标准编号", "text_c", 12),
               ("要求", "text", 26), ("分值", "points", 9), ("来源", "text_c", 10),
               ("扣分人/审批人", "text", 14), ("事由", "text", 32), ("出处", "text", 34)]
# statement sheets: 8 columns shared by the score lines, the items and the duties
STMT_WIDTHS = [14, 11, 24, 9, 10, 14, 28, 30]
ITEM_COLS = ["日期", "标准编号", "要求", "分值", "来源", "扣分人/审批人", "事由", "出处"]
ITEM_KINDS = ["date", "text_c", "text", "points", "text_c", "text", "text", "text"]
DUTY_SPANS = [(0, 1), (2, 3), (4, 6), (7, 7)]  # 岗位, 职责, 工作标准, 扣分标准 (merged columns)
DUTY_COLS = ["岗位", "职责", "工作标准", "扣分标准"]


def item_row(res: MonthResult, item) -> list[Any]:
    return [item.date, item.code, item.requirement, item.points, SOURCE_ZH.get(item.source, item.source),
            issuer_label(res, item.issuer), item.reason, item.origin]


def write_details(path: Path, res: MonthResult, info: PublishInfo) -> None:
    """考核明细_YYYY-MM.xlsx (SPEC §9): sheet `明细` with every scored item (register, automatic,
    chained R-CH-2, quota R-CH-3, bonus R-SC-3) and its origin cell or rule id; then one
    statement sheet per person (`<工号> <姓名>`) with the score lines, rank (R-RK-2), allowance
    (R-AL-1), the items, the person's duties and a signature line.
    """
    title = f"{info.center}{month_zh(info.month)}精细化服务管理考核明细"
    wb, fmts = new_workbook(path, title, info.center)
    ws = wb.add_worksheet("明细")
    ncols = len(DETAIL_COLS)
    title_rows(ws, title, f"共{len(res.items)}条记录；分值为负表示扣分，为正表示加分；出处为输入工作簿的单元格或规则编号",
               ncols, fmts)
    header_row = 2
    write_header(ws, header_row, DETAIL_COLS, fmts)
    rows = [[item.person, person_name(res, item.person), *item_row(res, item)] for item in res.items]
    write_rows(ws, header_row + 1, [k for _, k, _ in DETAIL_COLS], rows, fmts, [w for _, _, w in DETAIL_COLS])
    if not res.items:
        ws.write_string(header_row + 1, 0, "本月无扣分、加分记录。", fmts["plain"])
    ws.autofilter(header_row, 0, header_row + max(len(res.items), 1), ncols - 1)
    page_setup(ws, header_row, ncols, landscape=True)

    used = {"明细"}
    sizes = {"individual": len(res.individual), "leadership": len(res.leadership)}
    for p in res.people.values():
        _statement(wb.add_worksheet(sheet_name(p.staff_id, p.name, used)), res, info, p, sizes, fmts)
    wb.close()


def _statement(ws: Worksheet, res: MonthResult, info: PublishInfo, p: PersonScore, sizes: Mapping[str, int],
               fmts: dict[str, Any]) -> None:
    ncols = len(STMT_WIDTHS)
    for j, w in enumerate(STMT_WIDTHS):
        ws.set_column(j, j, w)
    title_rows(ws, f"{info.center}{month_zh(info.month)}精细化考核个人明细",
               f"工号：{p.staff_id}　姓名：{p.name}　角色：{role_label(p)}　"
               f"科室：{p.department or '—'}　考核月份：{month_zh(info.month)}", ncols, fmts)
    row = 3
    _line(ws, row - 1, "一、本月得分", ncols, fmts["heading"])
    lines: list[tuple[str, Any, str, str]] = []  # label, value, kind, note
    leader = p.role in (LEADER, DIRECTOR)
    if leader:
        lines.append(("起算分", shown(p.start), "score", start_note(p) + "，四舍五入显示"))
    else:
        lines.append(("基础分", p.base, "score", "每月基础分（R-SC-1）"))
    lines.append(("本人扣分", p.deductions, "points", "扣分项合计（自动规则、登记扣分）"))
    lines.append(("加分", p.bonuses, "points", "经批准的加分（R-SC-3）"))
    if p.role == LEADER:
        lines.append(("联带扣分", p.chained, "points", "分管科室人员被所长、考核办扣分的联带扣分（R-CH-2）"))
        lines.append(("指标扣分", p.quota_shortfall, "points", "扣分指标未完成部分（R-CH-3）"))
    scored = p.rank > 0
    lines.append(("得分", p.score if scored else None, "score",
                  "公示得分，四舍五入保留两位小数" if scored else "得分无法计算（R-CH-6）"))
    table = "个人排名" if p.table == "individual" else "领导班子排名"
    lines.append(("名次", p.rank if scored else None, "int", f"{table}，共{sizes.get(p.table, 0)}人（R-RK-2）"))
    if p.allowance is not None and scored:
        lines.append(("津补贴增减", p.allowance, "money",
                      f"（得分 − 基础分）× {plain_number(info.rate)}元（R-AL-1）"))
    else:
        lines.append(("津补贴增减", "不适用", "text", ""))
    for label, value, kind, note in lines:
        ws.merge_cells(row, 0, row, 1, fmts["label"])
        ws.write_string(row, 0, label, fmts["label"])
        write_cell(ws, row, 2, value, fmts, kind)
        if note:  # beside the box, unbordered: it runs on over the empty cells to its right
            ws.write_string(row, 3, note, fmts["aside"])
        row += 1

    # the item and duty tables repeat their headers where they run onto a new printed page
    pager = Pager(ws, STMT_WIDTHS, landscape=True)
    row += 1
    pager.keep(row, 3 * 15)  # heading, header, first row
    _line(ws, row, "二、扣分、加分明细", ncols, fmts["heading"])
    row += 1
    items = [item_row(res, i) for i in p.items]
    if items:
        _header(ws, row, ITEM_COLS, fmts)
        row = write_rows(ws, row + 1, ITEM_KINDS, items, fmts, STMT_WIDTHS, pager,
                         lambda r: _header(ws, r, ITEM_COLS, fmts))
    else:  # no empty table: one line says so
        ws.write_string(row, 0, "本月无扣分、加分记录。", fmts["aside"])
        row += 1

    def duty_header(r: int) -> None:
        for (a, b), label in zip(DUTY_SPANS, DUTY_COLS, strict=True):
            if a != b:
                ws.merge_cells(r, a, r, b, fmts["header"])
            ws.write_string(r, a, label, fmts["header"])

    row += 1
    pager.keep(row, 3 * 15)
    _line(ws, row, "三、岗位职责", ncols, fmts["heading"])
    row += 1
    duty_header(row)
    row += 1
    duties = info.duties.get(p.staff_id, ())
    for d in duties:
        texts = [d.post, d.duties, d.work_standard, d.deduction_standard]
        height = row_height([(text or "", sum(STMT_WIDTHS[a:b + 1])) for (a, b), text in zip(DUTY_SPANS, texts,
                                                                                              strict=True)])
        if not pager.fits(row, height):
            duty_header(row)
            row += 1
        for (a, b), text in zip(DUTY_SPANS, texts, strict=True):
            if a != b:
                ws.merge_cells(row, a, row, b, fmts["text"])
            ws.write_string(row, a, text or "", fmts["text"])
        ws.set_row(row, height)
        row += 1
    if not duties:
        ws.merge_cells(row, 0, row, ncols - 1, fmts["text"])
        ws.write_string(row, 0, "岗位职责未登记。", fmts["text"])
        row += 1

    row += 1
    ws.write_string(row, 0, SIGN_SELF, fmts["plain"])
    ws.write_string(row, 5, "日期：＿＿＿＿年＿＿月＿＿日", fmts["plain"])
    pager.close()
    page_setup(ws, 1, ncols, landscape=True)
