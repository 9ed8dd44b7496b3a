"""The annual review's outputs (年总评, SPEC §13): ``年度总评_YYYY.xlsx`` and ``results.json``.

- :func:`annual_document` — the machine-readable year (``jxbatch/schemas/annual.schema.json``):
  keys in a fixed order, published values as strings with exactly 2 decimals, no timestamps
  (the same ledger, evaluation workbook and policy give byte-identical bytes, R-LG-4).
- :func:`write_annual` — the workbook, written with xlsxwriter like the monthly outputs: the
  annual tables (individuals, departments, leadership: R-YR-2, R-RK-1/2) with the satisfaction
  rate beside the score (R-YR-3), the award basis (R-YR-5) with the reasons of everyone not
  listed, every person's twelve monthly scores, the departments' monthly scores and the
  center's mean with native line charts, the democratic evaluation per staff member, and the
  notes (rules, settings, warnings). Names and other input text are written with
  ``write_string``. Nothing private about retirees is shown: the evaluation is counted per
  staff member, never who rated whom.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from ..compute.annual import (
    BELOW_FLOOR,
    OUTSIDE_SHARE,
    AnnualPerson,
    AnnualResult,
    AwardEntry,
    Ratings,
    percent,
)
from ..compute.rounding import publish
from ..model import DEPT_HEAD, DIRECTOR, LEADER, STAFF
from ..problems import Problem
from .monthly import plain_number as plain
from .monthly import text_width, write_rows
from .styles import Pager, new_workbook, page_setup, title_rows

ROLE_ZH = {DIRECTOR: "所长", LEADER: "班子成员", DEPT_HEAD: "科室负责人", STAFF: "工作人员"}
NO_RATING = "无评价"
MONTHS = range(1, 13)


@dataclass(frozen=True)
class AnnualInfo:
    center: str
    year: int
    tool_version: str
    base: Decimal
    evaluation_weight: Decimal
    top_share: Decimal
    floor: Decimal
    target_deduction_to: str
    month_digests: Sequence[tuple[str, str]]  # (YYYY-MM, input digest of its close)
    evaluation_file: str | None
    leaders: dict[str, str]  # department -> who supervised it in the year (annual.year_leaders)
    issuing_office: str = "精细化考核办公室"
    top_share_rounding: str = "down"  # R-YR-5 [policy]: down / half_up

    @property
    def rounding_zh(self) -> str:
        return "四舍五入" if self.top_share_rounding == "half_up" else "向下取整"


# ------------------------------------------------------------------------------ text helpers


def dec(value: Decimal | None) -> str | None:
    return None if value is None else f"{publish(value, 2):.2f}"


def month_key(year: int, m: int) -> str:
    return f"{year}-{m:02d}"


def rate_text(ratings: Ratings | None) -> str:
    """83.33% — or 无评价 when nobody rated the person (never 0%)."""
    pct = percent(ratings.rate) if ratings is not None else None
    return NO_RATING if pct is None else f"{pct:.2f}%"




def share_text(share: Decimal) -> str:
    return f"{plain(share * 100)}%"


def weight_note(info: AnnualInfo) -> str:
    w = info.evaluation_weight
    if w == 0:
        return "民主评议满意率只作展示，不计入年度得分（[annual] evaluation_weight = 0）。"
    return (f"年度得分 =（1 − {plain(w)}）× 月均得分 + {plain(w)} × 满意率 × {plain(info.base)}；"
            f"无评价的人员年度得分即月均得分（[annual] evaluation_weight = {plain(w)}）。")


# ------------------------------------------------------------------------------ results.json


def _monthly(months: dict[int, Decimal]) -> list[str | None]:
    return [dec(months.get(m)) for m in MONTHS]


def _evaluation(r: Ratings | None) -> dict[str, Any] | None:
    if r is None:
        return None
    return {"satisfied": r.satisfied, "basic": r.basic, "unsatisfied": r.unsatisfied, "blank": r.blank,
            "rated": r.rated, "rate": dec(percent(r.rate))}


def _reasons(entry: AwardEntry, year: int) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = [{"reason": BELOW_FLOOR, "month": month_key(year, b.month), "score": dec(b.score)}
                                 for b in entry.below]
    if not entry.in_share:
        out.append({"reason": OUTSIDE_SHARE, "rank": entry.person.rank})
    return out


def annual_document(res: AnnualResult, info: AnnualInfo, problems: Sequence[Problem]) -> dict:
    award = {e.person.staff_id: e for e in res.award.entries}
    people = []
    for p in res.people:
        low_m, low_s = p.lowest
        e = award.get(p.staff_id)
        people.append({
            "id": p.staff_id, "name": p.name, "role": p.role, "department": p.department, "table": p.table,
            "monthly": _monthly(p.months), "months_scored": len(p.months), "mean": dec(p.mean),
            "evaluation": _evaluation(p.ratings), "score": dec(p.score), "rank": p.rank,
            "lowest": {"month": month_key(res.year, low_m), "score": dec(low_s)},
            "award": None if e is None else {"listed": e.listed, "reasons": _reasons(e, res.year)},
        })
    departments = [{"name": d.name, "monthly": _monthly(d.months), "months_scored": len(d.months),
                    "score": dec(d.score), "rank": d.rank} for d in res.departments]
    basis = res.award
    return {
        "year": str(res.year),
        "center": info.center,
        "tool_version": info.tool_version,
        "months": [{"month": m, "input_digest": d} for m, d in info.month_digests],
        "policy": {"evaluation_weight": str(info.evaluation_weight), "top_share": str(info.top_share),
                   "top_share_rounding": info.top_share_rounding,
                   "floor": dec(info.floor), "target_deduction_to": info.target_deduction_to},
        "evaluation_file": info.evaluation_file,
        "people": people,
        "departments": departments,
        "center_mean": {"monthly": _monthly(res.center_mean)},
        "award": {
            "ranked": basis.ranked, "quota": basis.quota, "boundary_rank": basis.boundary_rank,
            "boundary_score": dec(basis.boundary_score),
            "listed": [{"id": e.person.staff_id, "name": e.person.name, "rank": e.person.rank,
                        "score": dec(e.person.score)} for e in basis.listed],
            "not_listed": [{"id": e.person.staff_id, "name": e.person.name, "rank": e.person.rank,
                            "score": dec(e.person.score), "reasons": _reasons(e, res.year)}
                           for e in basis.not_listed],
        },
        "problems": [p.as_dict() for p in problems],
    }


# ------------------------------------------------------------------------------ the workbook


def _widths(ws: Any, widths: Sequence[float]) -> None:
    for j, w in enumerate(widths):
        ws.set_column(j, j, w)


def _table(ws: Any, top: int, labels: Sequence[str], kinds: Sequence[str], rows: Sequence[Sequence[Any]],
           fmts: dict[str, Any], pager: Pager | None = None, widths: Sequence[float] | None = None) -> int:
    """Header at `top`, rows below; with `widths`, a row whose wrapped text needs more lines
    gets its height (as monthly.write_rows: LibreOffice does not fit them, the pager counts
    them); with a pager, the header again at the top of each printed page the table runs
    onto. Returns the next free row."""

    def header(r: int) -> None:
        for j, label in enumerate(labels):
            ws.write_string(r, j, label, fmts["header"])

    header(top)
    return write_rows(ws, top + 1, kinds, rows, fmts, widths, pager, header)


def _line(ws: Any, row: int, text: str, ncols: int, fmt: Any, width: float) -> None:
    if ncols > 1:
        ws.merge_cells(row, 0, row, ncols - 1, fmt)
    ws.write_string(row, 0, text, fmt)
    lines = max(1, -(-text_width(text) // max(int(width) - 2, 1)))
    if lines > 1:
        ws.set_row(row, 15 * lines)


def _rated(p: AnnualPerson) -> str:
    return rate_text(p.ratings)


IND_COLS = ["名次", "工号", "姓名", "科室", "考核月数", "月均得分", "民主评议满意率", "年度得分", "最低月得分"]
IND_KINDS = ["int", "text_c", "text_c", "text_c", "int", "score", "text_c", "score", "text_c"]
IND_WIDTHS = [6, 10, 10, 14, 9, 10, 14, 10, 14]
LEAD_COLS = ["名次", "工号", "姓名", "职务/角色", "考核月数", "月均得分", "民主评议满意率", "年度得分", "最低月得分"]
DEPT_COLS = ["名次", "科室", "考核月数", "年度得分", "分管领导"]
DEPT_KINDS = ["int", "text_c", "int", "score", "text_c"]


def _lowest(p: AnnualPerson) -> str:
    m, s = p.lowest
    return f"{m}月 {s:.2f}"


def _person_row(p: AnnualPerson, label: str) -> list[Any]:
    return [p.rank, p.staff_id, p.name, label, len(p.months), publish(p.mean), _rated(p), p.score, _lowest(p)]


def write_annual(path: Path, res: AnnualResult, info: AnnualInfo, problems: Sequence[Problem]) -> None:
    y = info.year
    title = f"{info.center}{y}年度精细化服务管理考核年总评"
    wb, fmts = new_workbook(path, title, info.center)
    w = info.evaluation_weight
    how = ("年度得分为各月公示得分的平均分（只计参加考核的月份）" if not w else
           f"年度得分为各月公示得分平均分×{plain(1 - w)} + 民主评议满意率×{plain(info.base)}×{plain(w)}"
           f"（无评价的即月均分）")
    sub = f"{y}年1月至12月，{how}，四舍五入保留两位小数，得分相同名次并列"

    # 1. annual rankings: individuals, departments, leadership (R-YR-2, R-RK-1/2)
    ws = wb.add_worksheet("年度排名")
    ncols = len(IND_COLS)
    total_w = sum(IND_WIDTHS)
    _widths(ws, IND_WIDTHS)
    title_rows(ws, title, sub, ncols, fmts)
    # three tables share the sheet: the printed pages repeat the title rows only, and each
    # table repeats its own header where it runs onto a new page
    pager = Pager(ws, IND_WIDTHS)
    row = 2
    pager.keep(row, 3 * 15)  # heading, header, first row
    _line(ws, row, "一、个人年度排名（科室负责人、工作人员）", ncols, fmts["heading"], total_w)
    header_row = row + 1
    row = _table(ws, header_row, IND_COLS, IND_KINDS,
                 [_person_row(p, p.department or "") for p in res.individual], fmts, pager) + 1
    pager.keep(row, 3 * 15)
    _line(ws, row, "二、科室年度排名（各月科室得分的平均分）", ncols, fmts["heading"], total_w)
    row = _table(ws, row + 1, DEPT_COLS, DEPT_KINDS,
                 [[d.rank, d.name, len(d.months), d.score, info.leaders.get(d.name, "")] for d in res.departments],
                 fmts, pager) + 1
    pager.keep(row, 3 * 15)
    _line(ws, row, "三、领导班子年度排名（班子成员、所长）", ncols, fmts["heading"], total_w)
    row = _table(ws, row + 1, LEAD_COLS, IND_KINDS,
                 [_person_row(p, ROLE_ZH.get(p.role, p.role)) for p in res.leadership], fmts, pager) + 1
    pager.close()
    for text in (weight_note(info), "满意率 =（满意 + 基本满意）÷ 全部评价人数；没有人评价的显示“无评价”。",
                 "人员按其最后一个参加考核月份的角色和科室列入个人或领导班子排名。"):
        _line(ws, row, text, ncols, fmts["body"], total_w)
        row += 1
    _line(ws, row + 1, info.issuing_office, ncols, fmts["right"], total_w)
    page_setup(ws, header_row, ncols)
    ws.repeat_rows(0, 1)

    # 2. award basis (R-YR-5)
    _award_sheet(wb, fmts, res, info, title)

    # 3. twelve monthly scores per person
    ws = wb.add_worksheet("个人月度得分")
    cols = ["工号", "姓名", "科室/角色"] + [f"{m}月" for m in MONTHS] + ["月均得分"]
    kinds = ["text_c", "text_c", "text_c"] + ["score"] * 12 + ["score"]
    widths = [9, 9, 12] + [7] * 12 + [9]
    _widths(ws, widths)
    title_rows(ws, f"{info.center}{y}年度个人月度得分", "空白表示该月不参加考核", len(cols), fmts)
    rows = [[p.staff_id, p.name, p.department or ROLE_ZH.get(p.role, p.role)]
            + [p.months.get(m) for m in MONTHS] + [publish(p.mean)] for p in res.people]
    _table(ws, 2, cols, kinds, rows, fmts)
    page_setup(ws, 2, len(cols), landscape=True)

    # 4. departments' monthly scores, the center's mean, and the trend charts
    _trend_sheet(wb, fmts, res, info)

    # 5. democratic evaluation per staff member (R-YR-3)
    _evaluation_sheet(wb, fmts, res, info)

    # 6. notes: settings, months read, warnings
    _notes_sheet(wb, fmts, res, info, problems)
    wb.close()


def _award_sheet(wb: Any, fmts: dict[str, Any], res: AnnualResult, info: AnnualInfo, title: str) -> None:
    basis = res.award
    ws = wb.add_worksheet("评先评优依据")
    cols = ["名次", "工号", "姓名", "科室", "年度得分", "最低月得分", "未列入原因"]
    widths = [6, 10, 10, 14, 10, 14, 48]
    kinds = ["int", "text_c", "text_c", "text_c", "score", "text_c", "text"]
    ncols, total_w = len(cols), sum(widths)
    _widths(ws, widths)
    title_rows(ws, f"{info.center}{info.year}年度评先评优、晋级晋职依据",
               f"个人年度排名前 {share_text(info.top_share)}，且全年没有任何月份得分低于 {plain(info.floor)} 分",
               ncols, fmts)
    rule = (f"名额：{basis.ranked} 人 × {share_text(info.top_share)}，{info.rounding_zh}，至少 1 人，即前 {basis.quota} 名；"
            f"与第 {basis.quota} 名得分相同者一并列入；前 {basis.quota} 名中有月份低于 {plain(info.floor)} 分的不列入，"
            "名额不顺延。")
    _line(ws, 2, rule, ncols, fmts["body"], total_w)
    # two tables share the sheet: each repeats its own header where it runs onto a new page
    pager = Pager(ws, widths)
    row = 3
    pager.keep(row, 3 * 15)
    _line(ws, row, f"一、列入名单（{len(basis.listed)} 人）", ncols, fmts["heading"], total_w)
    header_row = row + 1
    listed = [[e.person.rank, e.person.staff_id, e.person.name, e.person.department or "", e.person.score,
               _lowest(e.person)] for e in basis.listed]
    row = _table(ws, header_row, cols[:-1], kinds[:-1], listed, fmts, pager, widths) + 1
    if not listed:
        _line(ws, row, "无", ncols, fmts["body"], total_w)
        row += 1
    pager.keep(row, 3 * 15)
    _line(ws, row, f"二、未列入人员及原因（{len(basis.not_listed)} 人）", ncols, fmts["heading"], total_w)
    others = [[e.person.rank, e.person.staff_id, e.person.name, e.person.department or "", e.person.score,
               _lowest(e.person), "；".join(_reason_texts(e, basis.quota, info.floor))] for e in basis.not_listed]
    row = _table(ws, row + 1, cols, kinds, others, fmts, pager, widths) + 1
    pager.close()
    _line(ws, row, "本名单依据“3挂钩”奖惩：考核结果与晋级晋职、评先评优直接挂钩；最终人选由所务会研究确定。",
          ncols, fmts["body"], total_w)
    page_setup(ws, header_row, ncols)
    ws.repeat_rows(0, 1)


def _reason_texts(entry: AwardEntry, quota: int, floor: Decimal) -> list[str]:
    out = []
    if entry.below:
        months = "、".join(f"{b.month}月 {b.score:.2f}" for b in entry.below)
        out.append(f"有月份得分低于 {plain(floor)} 分：{months}")
    if not entry.in_share:
        out.append(f"年度第 {entry.person.rank} 名，不在前 {quota} 名内")
    return out


def _trend_sheet(wb: Any, fmts: dict[str, Any], res: AnnualResult, info: AnnualInfo) -> None:
    name = "科室月度得分"
    ws = wb.add_worksheet(name)
    cols = ["科室"] + [f"{m}月" for m in MONTHS] + ["年度得分"]
    kinds = ["text_c"] + ["score"] * 12 + ["score"]
    widths = [14] + [7.5] * 12 + [9]
    _widths(ws, widths)
    title_rows(ws, f"{info.center}{info.year}年度各科室月度得分", "科室得分为本科室参加考核人员得分的平均分；"
               "全所平均为当月个人排名（科室负责人、工作人员）公示得分的平均分", len(cols), fmts)
    rows: list[list[Any]] = [[d.name] + [d.months.get(m) for m in MONTHS] + [d.score] for d in res.departments]
    center = [publish(res.center_mean[m]) if m in res.center_mean else None for m in MONTHS]
    known = [v for v in center if v is not None]
    year_mean = publish(sum(res.center_mean.values(), Decimal(0)) / len(res.center_mean)) if known else None
    rows.append(["全所平均"] + center + [year_mean])
    top = 2
    _table(ws, top, cols, kinds, rows, fmts)
    first, last_dept, center_row = top + 1, top + len(res.departments), top + 1 + len(res.departments)
    page_setup(ws, top, len(cols), landscape=True)

    chart = wb.add_chart({"type": "line"})
    palette = ["#4472C4", "#ED7D31", "#A5A5A5", "#FFC000", "#5B9BD5", "#70AD47", "#264478", "#9E480E"]
    for i, r in enumerate(range(first, last_dept + 1)):
        chart.add_series({
            "name": [name, r, 0],
            "categories": [name, top, 1, top, 12],
            "values": [name, r, 1, r, 12],
            "marker": {"type": "circle", "size": 5},
            "line": {"color": palette[i % len(palette)], "width": 2},
        })
    chart.set_title({"name": f"{info.year}年各科室月度得分趋势", "name_font": {"name": "宋体", "size": 12}})
    chart.set_y_axis({"num_format": "0.00", "name": "得分"})
    chart.set_x_axis({"num_font": {"name": "宋体"}})
    chart.set_legend({"position": "bottom", "font": {"name": "宋体"}})
    chart.show_blanks_as("gap")
    chart.set_size({"width": 720, "height": 340})
    ws.insert_chart(center_row + 2, 0, chart, {"x_offset": 10, "y_offset": 5})

    mean_chart = wb.add_chart({"type": "line"})
    mean_chart.add_series({
        "name": [name, center_row, 0],
        "categories": [name, top, 1, top, 12],
        "values": [name, center_row, 1, center_row, 12],
        "marker": {"type": "square", "size": 6},
        "line": {"color": "#C00000", "width": 2.25},
        "data_labels": {"value": True, "num_format": "0.00", "font": {"size": 8}},
    })
    mean_chart.set_title({"name": f"{info.year}年全所月平均得分", "name_font": {"name": "宋体", "size": 12}})
    mean_chart.set_y_axis({"num_format": "0.00", "name": "得分"})
    mean_chart.set_x_axis({"num_font": {"name": "宋体"}})
    mean_chart.set_legend({"none": True})
    mean_chart.show_blanks_as("gap")
    mean_chart.set_size({"width": 720, "height": 300})
    second = center_row + 22  # the department chart takes about 17 rows; the mean chart on its own page
    ws.insert_chart(second + 1, 0, mean_chart, {"x_offset": 10, "y_offset": 5})
    ws.set_h_pagebreaks([second])


def _evaluation_sheet(wb: Any, fmts: dict[str, Any], res: AnnualResult, info: AnnualInfo) -> None:
    ws = wb.add_worksheet("民主评议")
    cols = ["工号", "姓名", "满意", "基本满意", "不满意", "评价人数", "未评价", "满意率"]
    kinds = ["text_c", "text_c", "int", "int", "int", "int", "int", "text_c"]
    widths = [10, 10, 8, 10, 8, 10, 8, 12]
    _widths(ws, widths)
    src = f"（{info.evaluation_file}）" if info.evaluation_file else "（本年度没有民主评议表）"
    title_rows(ws, f"{info.center}{info.year}年度民主评议结果", f"军休人员评价联包工作人员{src}", len(cols), fmts)
    names = {p.staff_id: p.name for p in res.people}
    shown = [p.staff_id for p in res.people] + sorted(sid for sid in res.ratings if sid not in names)
    rows = []
    for sid in shown:
        r = res.ratings.get(sid)
        if r is None:
            rows.append([sid, names.get(sid, ""), 0, 0, 0, 0, 0, NO_RATING])  # nobody asked: counts of 0 as for others
        else:
            rows.append([sid, names.get(sid, ""), r.satisfied, r.basic, r.unsatisfied, r.rated, r.blank,
                         rate_text(r)])
    row = _table(ws, 2, cols, kinds, rows, fmts) + 1
    _line(ws, row, "满意率 =（满意 + 基本满意）÷ 评价人数；未填写评价的不计入评价人数。", len(cols), fmts["body"],
          sum(widths))
    page_setup(ws, 2, len(cols))


def _notes_sheet(wb: Any, fmts: dict[str, Any], res: AnnualResult, info: AnnualInfo,
                 problems: Sequence[Problem]) -> None:
    ws = wb.add_worksheet("说明")
    widths = [14, 80]
    _widths(ws, widths)
    title_rows(ws, f"{info.center}{info.year}年度总评说明", "计算规则、设置和数据来源", 2, fmts)
    to = "本科室全体人员（科室负责人和工作人员）" if info.target_deduction_to == "all" else "科室负责人"
    rows = [
        ["年度得分", "参加考核各月份公示得分（四舍五入后的两位小数）的平均分，不足十二个月的按实际月数平均（R-YR-2）"],
        ["民主评议", weight_note(info)],
        ["评先评优", f"个人年度排名前 {share_text(info.top_share)}（人数{info.rounding_zh}，至少 1 人；与边界名次得分相同者一并列入），"
                  f"且没有任何月份得分低于 {plain(info.floor)} 分（R-YR-5）"],
        ["年度目标", f"年度目标到期未完成的，在完成期限当月结账时扣{to}该目标的分值，"
                  "并按考核办扣分联带分管班子成员（R-YR-4）"],
        ["数据来源", "、".join(m for m, _ in info.month_digests) + " 的结账结果（台账）"],
    ]
    row = _table(ws, 2, ["项目", "说明"], ["text_c", "text"], rows, fmts) + 1
    if problems:
        ws.write_string(row, 0, "提示", fmts["heading"])
        row += 1
        for p in problems:
            ws.write_string(row, 0, "错误" if p.is_error else "警告", fmts["text_c"])
            ws.write_string(row, 1, p.line(), fmts["warning"])
            row += 1
    page_setup(ws, 2, 2)
