"""Activity workbooks (SPEC §8, §9), written with xlsxwriter through `publish.styles`.

- ``活动补助_YYYY-MM.xlsx`` — the payout list (R-SUB-1..4): one row per retiree with a line per
  payment, the retiree's amount and a 签领人签字 cell for the receipt, the grand total (the
  exact sum of the payments), then how each rule was applied (sheet 补助计算).
- ``通知名单_<活动编号>.xlsx`` — the notification list of one activity (R-AC-3).

Both are handed out or posted: they show 编号, 姓名, 所属支部, 居住地 and money only — no
health data, events or birth dates. Every text from an input is written as a string.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from itertools import groupby
from pathlib import Path
from typing import Any

from ..compute.activities import (
    B3,
    FIXED,
    Activity,
    Payment,
    RuleOutcome,
    class_label,
    total,
)
from ..compute.rounding import yuan
from ..model import Retiree
from .monthly import _line, lines_needed, month_zh, plain_number, row_height, write_rows, yuan_text
from .styles import new_workbook, page_room, page_setup, title_rows, write_cell, write_header

SIGNATURES = "经办人：＿＿＿＿  审核人：＿＿＿＿  负责人：＿＿＿＿"
PAY_DATE = "发放日期：＿＿＿＿年＿＿月＿＿日"


@dataclass(frozen=True)
class SubsidyInfo:
    center: str
    month: str  # "2026-11"
    survivor_month: int = 12  # R-SUB-3 [policy]


def short_date(d: dt.date) -> str:
    return f"{d.month}月{d.day}日"


def activity_label(p: Payment, year: str = "") -> str:
    if p.activity_id is None:
        return f"—（{year}年度）" if year else "—"
    when = f"（{short_date(p.date)}）" if p.date else ""
    return f"{p.activity_id} {p.activity_name}{when}"


# ---------------------------------------------------------------- 活动补助

PAY_COLS = [("序号", "int", 6), ("编号", "text_c", 8), ("姓名", "text_c", 10), ("补助明细", "text", 50),
            ("金额", "money", 13), ("签领人签字", "text", 16)]
CALC_COLS = [("活动", "text", 28), ("类别", "text_c", 16), ("项目", "text_c", 10), ("补助项目", "text", 18),
             ("参加人数", "int", 8), ("总费用", "money", 14), ("人均费用", "money", 13), ("每人补助", "money", 13),
             ("发放人数", "int", 8), ("金额合计", "money", 14), ("说明", "text", 30)]
DETAIL_COL, AMOUNT_COL = 3, 4


def payment_line(p: Payment, year: str) -> str:
    """One payment in a retiree's 补助明细 cell: activity, rule, amount."""
    return f"{activity_label(p, year)}　{p.rule}　{yuan_text(p.amount)}"


def write_subsidies(path: Path, payments: Sequence[Payment], outcomes: Sequence[RuleOutcome],
                    info: SubsidyInfo) -> None:
    """活动补助_YYYY-MM.xlsx: sheet 补助发放 (the signed payout list) and sheet 补助计算.

    The payout list has one row per retiree (SPEC §9): each payment a line of the 补助明细
    cell, the retiree's amount (the exact sum of the payments) and one signature cell. One
    row per retiree keeps a retiree on one page and one signature, and at bureau scale
    (tens of thousands of payments) it is a third of the cells of a row per payment with
    merged cells (issue 9).
    """
    year = info.month[:4]
    title = f"{info.center}{month_zh(info.month)}军休活动补助发放表"
    wb, fmts = new_workbook(path, title, info.center)
    ws = wb.add_worksheet("补助发放")
    ncols = len(PAY_COLS)
    widths = [w for _, _, w in PAY_COLS]
    people = {p.retiree_id for p in payments}
    grand = total(payments)
    title_rows(ws, title, f"共{len(people)}人、{len(payments)}笔，合计{yuan_text(grand)}。"
                          f"请领取人核对金额后在“签领人签字”栏签字。", ncols, fmts)
    basis = ("发放依据：军休活动分类开展。钓鱼、外省旅游等 B3 分散活动，活动当日在册、未参加的军休干部按补助规则发放；"
             f"遗属每年一次，随{info.survivor_month}月发放。金额四舍五入到分。")
    ws.set_row(1, 18)
    basis_height = row_height([(basis, sum(widths) * 0.8)])  # room for fonts wider than Excel's
    _line(ws, 2, basis, ncols, fmts["body"], basis_height)
    header_row = 3
    ws.set_row(header_row, 20)
    write_header(ws, header_row, PAY_COLS, fmts)
    row = header_row + 1
    heights: list[float] = []  # of each retiree's row, for the page breaks
    detail_width = widths[DETAIL_COL]
    for n, (rid, group) in enumerate(groupby(payments, key=lambda p: p.retiree_id), start=1):
        rows = list(group)
        lines = [payment_line(p, year) for p in rows]
        write_cell(ws, row, 0, n, fmts, "int")
        write_cell(ws, row, 1, rid, fmts, "text_c")
        write_cell(ws, row, 2, rows[0].name, fmts, "text_c")
        write_cell(ws, row, DETAIL_COL, "\n".join(lines), fmts, "text")
        write_cell(ws, row, AMOUNT_COL, total(rows), fmts, "money")
        write_cell(ws, row, 5, None, fmts, "text")
        height = min(MAX_ROW_HEIGHT, max(ROW_HEIGHT, sum(lines_needed(t, detail_width) for t in lines) * LINE_HEIGHT + 7))
        ws.set_row(row, height)  # room for every line, and for a signature
        heights.append(height)
        row += 1
    if not payments:
        _line(ws, row, "本月无活动补助。", ncols, fmts["plain"])
        row += 1
    else:
        ws.merge_cells(row, 0, row, AMOUNT_COL - 1, fmts["total_label"])
        ws.write_string(row, 0, f"合计（{len(people)}人，{len(payments)}笔）", fmts["total_label"])
        write_cell(ws, row, AMOUNT_COL, grand, fmts, "total_money")
        ws.write_blank(row, 5, None, fmts["text"])
        row += 1
    row += 1
    for text in summary_lines(payments, outcomes):
        _line(ws, row, text, ncols, fmts["body"], row_height([(text, sum(widths))]))
        row += 1
    row += 1
    _line(ws, row, f"{info.center}　{PAY_DATE}", ncols, fmts["right"])
    _line(ws, row + 1, SIGNATURES, ncols, fmts["plain"])
    page_setup(ws, header_row, ncols)
    paginate(ws, widths, 28 + 18 + basis_height + 20, header_row + 1, heights)

    _write_calculation(wb, fmts, outcomes, payments, info, year)
    wb.close()


ROW_HEIGHT = 22  # points: the least height of a payout row, high enough to sign in
LINE_HEIGHT = 15  # points: one wrapped line of 11 pt text
MAX_ROW_HEIGHT = 409  # points: Excel's largest row (about 26 payment lines; more is unheard of)


def paginate(ws: Any, widths: Sequence[float], repeated: float, first_row: int, heights: Sequence[float]) -> None:
    """A manual page break before any row that would cross the bottom of the page, so that a
    retiree's lines and signature cell print on one page.

    The sheet stays "fit to page width" (SPEC §9); the height a page holds is estimated at
    that scale (styles.page_room: below the repeated title and header rows of height
    `repeated`, 10 % to spare), so a row never splits.
    """
    room = page_room(widths, repeated)
    breaks, used = [], 0.0
    for i, h in enumerate(heights):
        if used and used + h > room:
            breaks.append(first_row + i)
            used = 0.0
        used += h
    if breaks:
        ws.set_h_pagebreaks(breaks)


def summary_lines(payments: Sequence[Payment], outcomes: Sequence[RuleOutcome]) -> list[str]:
    """Per activity and rule: recipients × amount = sum; then the survivors' payment."""
    lines = []
    for o in outcomes:
        paid = [p for p in payments if p.activity_id == o.activity.activity_id and p.rule == o.rule.name]
        if paid:
            lines.append(f"{o.activity.activity_id} {o.activity.name}：{o.rule.name} {len(paid)}人 × "
                         f"{yuan_text(paid[0].amount)} ＝ {yuan_text(total(paid))}")
        else:
            lines.append(f"{o.activity.activity_id} {o.activity.name}：{o.rule.name} 不发放（{outcome_note(o)}）")
    survivors = [p for p in payments if p.activity_id is None]
    if survivors:
        lines.append(f"遗属年度补助 {len(survivors)}人，合计{yuan_text(total(survivors))}")
    return lines


def outcome_note(o: RuleOutcome) -> str:
    if o.reason == "no-participants":
        return "没有参加人员"
    if o.reason == "no-cost":
        return "缺少总费用"
    if o.rule.kind == FIXED:
        return f"每次{plain_number(o.rule.amount or Decimal(0))}元"
    if o.amount is not None and o.per_capita is not None:
        share = f"{plain_number((o.rule.share or Decimal(0)) * 100)}%"
        text = f"人均{yuan_text(o.per_capita)}的{share}"
        if o.rule.cap is not None and yuan(o.per_capita * (o.rule.share or 0)) > o.rule.cap:
            text += f"，超过上限按{yuan_text(o.rule.cap)}发放"
        elif o.rule.cap is not None:
            text += f"，上限{yuan_text(o.rule.cap)}"
        return text
    return "无可发放对象" if o.recipients == 0 else ""


def _write_calculation(wb: Any, fmts: dict[str, Any], outcomes: Sequence[RuleOutcome],
                       payments: Sequence[Payment], info: SubsidyInfo, year: str) -> None:
    ws = wb.add_worksheet("补助计算")
    ncols = len(CALC_COLS)
    title_rows(ws, f"{info.center}{month_zh(info.month)}活动补助计算说明",
               "人均费用＝总费用÷参加人数（四舍五入到分）；每人补助＝人均费用×比例（四舍五入到分），不超过上限",
               ncols, fmts)
    header_row = 2
    write_header(ws, header_row, CALC_COLS, fmts)
    rows: list[list[Any]] = []
    for o in outcomes:
        a: Activity = o.activity
        paid = [p for p in payments if p.activity_id == a.activity_id and p.rule == o.rule.name]
        rows.append([f"{a.activity_id} {a.name}（{short_date(a.date)}）", class_label(a.activity_class), a.project,
                     o.rule.name, o.participants, a.total_cost, o.per_capita, o.amount, len(paid), total(paid),
                     outcome_note(o)])
    survivors = [p for p in payments if p.activity_id is None]
    if survivors:
        rows.append([f"遗属年度补助（{year}年）", "", "", survivors[0].rule, None, None, None, survivors[0].amount,
                     len(survivors), total(survivors), f"每年一次，随{info.survivor_month}月发放"])
    row = write_rows(ws, header_row + 1, [k for _, k, _ in CALC_COLS], rows, fmts, [w for _, _, w in CALC_COLS])
    if not rows:
        _line(ws, row, "本月没有适用补助规则的活动。", ncols, fmts["plain"])
        row += 1
    ws.merge_cells(row, 0, row, ncols - 3, fmts["total_label"])
    ws.write_string(row, 0, "合计（与补助发放表一致）", fmts["total_label"])
    write_cell(ws, row, ncols - 2, total(payments), fmts, "total_money")  # under 金额合计
    ws.write_blank(row, ncols - 1, None, fmts["total_label"])  # 说明: empty, framed
    page_setup(ws, header_row, ncols, landscape=True)


# ---------------------------------------------------------------- 通知名单

NOTIFY_COLS = [("序号", "int", 6), ("编号", "text_c", 9), ("姓名", "text_c", 10), ("所属支部", "text_c", 12),
               ("居住地", "text", 20), ("通知方式", "text_c", 12), ("通知人", "text_c", 10), ("备注", "text", 16)]


def notify_rule_text(activity_class: str, age_limit: int) -> str:
    """R-AC-3: who the list holds, in the office's words."""
    if activity_class == B3:
        return (f"B3 分散活动只通知符合条件的军休干部：活动当日年龄未满{age_limit}周岁、无伤残、未在住院期间，"
                "本人书面申请并经家属代表签字、所里审批同意。")
    if activity_class == "A":
        return "A 集中类活动通知活动当日在册的全体军休干部和遗属。"
    return f"{class_label(activity_class)}活动通知活动当日在册的全体军休干部。"


def write_notification(path: Path, activity: Activity, people: Sequence[Retiree], *, center: str,
                       age_limit: int) -> None:
    """通知名单_<活动编号>.xlsx (R-AC-3): a printable list with blank columns for the clerk."""
    title = f"{center}活动通知名单"
    wb, fmts = new_workbook(path, f"{title} {activity.activity_id}", center)
    ws = wb.add_worksheet("通知名单")
    ncols = len(NOTIFY_COLS)
    widths = [w for _, _, w in NOTIFY_COLS]
    title_rows(ws, title, f"{activity.activity_id} {activity.name}　{class_label(activity.activity_class)}　"
                          f"{activity.project}　{activity.date.year}年{short_date(activity.date)}", ncols, fmts)
    note = f"{notify_rule_text(activity.activity_class, age_limit)}共{len(people)}人。"
    _line(ws, 2, note, ncols, fmts["body"], row_height([(note, sum(widths) * 0.8)]))
    header_row = 3
    write_header(ws, header_row, NOTIFY_COLS, fmts)
    kinds = [k for _, k, _ in NOTIFY_COLS]
    for i, r in enumerate(people, start=1):
        values = [i, r.retiree_id, r.name, r.branch, r.residence, None, None, None]
        for j, value in enumerate(values):
            write_cell(ws, header_row + i, j, value, fmts, kinds[j])
        ws.set_row(header_row + i, 20)  # room to note how and by whom
    row = header_row + 1 + len(people)
    if not people:
        _line(ws, row, "没有符合条件的通知对象。", ncols, fmts["plain"])
        row += 1
    _line(ws, row + 1, "服务管理科　制表：＿＿＿＿　日期：＿＿＿＿年＿＿月＿＿日", ncols, fmts["plain"])
    page_setup(ws, header_row, ncols)
    wb.close()
