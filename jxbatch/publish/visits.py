"""联包共创 outputs of close-month (SPEC §7, §9), written with xlsxwriter.

- ``联包走访_YYYY-MM.xlsx`` — one postable sheet ``联包走访情况``: coverage per staff member
  (R-VI-1, R-VI-2), the names of the people missed, must-visit status (R-VI-3) shown as 必访
  with its deadline only, open, overdue and solved issues by 问题编号, names and dates (R-VI-4;
  what was raised stays in the staff workbooks, where the 问题编号 leads), confirmation forms
  not returned signed (R-VI-5).
- ``季度确认表_YYYYQn.xlsx`` — at a quarter's end, one printable form per assigned person (one
  sheet and one A4 page each, grouped by staff member): that quarter's contacts with date,
  方式 and 类型, the staff member's name and the signature line.

Nothing on the postable sheet names an event type, a health matter or a birth date: a
must-visit is "必访" with its deadline. All text from inputs is written as text.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from xlsxwriter.worksheet import Worksheet

from ..calendar import Month
from ..compute import visits as rules
from ..model import Person, Retiree
from .monthly import month_zh, row_height, sheet_name, write_rows
from .styles import Pager, new_workbook, page_setup, title_rows, write_cell

SIGN_LINE = "军休人员（家属）签字：＿＿＿＿ 日期：＿＿＿＿"
MUST_ZH = {rules.ON_TIME: "按时", rules.LATE: "超期", rules.PENDING: "期限未到（下月判定）",
           rules.CANCELLED: "已去世，不再要求", rules.UNKNOWN: "上月未结账，未判定"}


# ------------------------------------------------------------------------------ report data

@dataclass(frozen=True)
class CoverageLine:
    staff_id: str
    name: str
    department: str
    assigned: int
    contacted: int
    home_visited: int
    must_due: int
    must_on_time: int
    must_late: int
    must_pending: int
    concerns_open: int
    concerns_overdue: int
    unsigned: int
    missed: str  # names
    home_missing: str  # names


@dataclass(frozen=True)
class MustLine:
    staff: str
    retiree: str
    deadline: dt.date
    visit_date: dt.date | None
    status: str


@dataclass(frozen=True)
class ConcernLine:
    concern_id: str
    retiree: str
    staff: str
    raised: dt.date
    last_date: dt.date | None
    status: str
    days: int
    overdue: bool


@dataclass(frozen=True)
class UnsignedLine:
    quarter: str
    retiree: str
    staff: str
    state: str


@dataclass
class VisitsReport:
    center: str
    month: Month
    rules_line: str
    lines: list[CoverageLine] = field(default_factory=list)
    must: list[MustLine] = field(default_factory=list)
    concerns: list[ConcernLine] = field(default_factory=list)  # open (overdue first), then solved
    unsigned: list[UnsignedLine] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _person(roster: Mapping[str, Person], sid: str) -> str:
    p = roster.get(sid)
    return p.name if p is not None else sid


def _retiree(retirees: Mapping[str, Retiree], rid: str) -> str:
    r = retirees.get(rid)
    return f"{r.name}（{rid}）" if r is not None else rid


def build_report(*, center: str, month: Month, retirees: Mapping[str, Retiree], roster: Mapping[str, Person],
                 scope: Mapping[str, Person], cover: Mapping[str, rules.StaffCoverage],
                 must: Sequence[rules.MustResult], concerns: rules.ConcernOutcome,
                 unsigned: Sequence[rules.Confirmation], unknown_months: Sequence[Month], issued_forms: int,
                 policy: rules.VisitPolicy) -> VisitsReport:
    """Everything the visits report shows, resolved to names (no event types)."""
    quarter_end = month.is_quarter_end
    rep = VisitsReport(center, month, (
        f"定期访：每名联包对象每月至少联系 {policy.regular_min} 次；上门走访：每季度至少 "
        f"{policy.home_min_per_quarter} 次；必访：事件发生之日起 {policy.must_visit_days} 天内走访；"
        f"反映问题超过 {policy.concern_overdue_days} 天未解决列为逾期。"))

    def names(ids: Iterable[str]) -> str:
        return "、".join(_retiree(retirees, rid) for rid in ids)

    order = [sid for sid in scope if sid in cover] + [sid for sid in cover if sid not in scope]
    for sid in order:
        c = cover[sid]
        if sid not in scope:
            if c.assigned:
                rep.notes.append(f"{_person(roster, sid)}（{sid}）本月不参加考核，其联包的 {len(c.assigned)} 名"
                                 f"军休人员（{names(c.assigned)}）本月不计联包考核，请重新安排联包工作人员。")
            continue
        p = roster.get(sid)
        home_missing = c.home_missed if quarter_end else [
            rid for rid in c.assigned if rid not in c.home_visited and rules.alive_on(retirees[rid], month.last)]
        rep.lines.append(CoverageLine(
            sid, _person(roster, sid), (p.department or "—") if p else "", len(c.assigned), len(c.contacted),
            len(c.home_visited), c.must_due, c.must_on_time, c.must_late, c.must_pending, c.concerns_open,
            c.concerns_overdue, c.unsigned, names(c.missed), names(home_missing)))
    for m in sorted(must, key=lambda m: (m.obligation.deadline, m.obligation.staff_id, m.obligation.retiree_id)):
        ob = m.obligation
        status = MUST_ZH[m.status]
        if m.status == rules.LATE and m.visit_date is None:
            status = "超期未走访"
        rep.must.append(MustLine(_person(roster, ob.staff_id), _retiree(retirees, ob.retiree_id), ob.deadline,
                                 m.visit_date, status))
    overdue = {c.concern_id for c in concerns.overdue}
    last = month.last
    open_ = sorted(concerns.open.values(), key=lambda c: (c.concern_id not in overdue, c.raised, c.concern_id))
    for c in [*open_, *concerns.solved]:
        rep.concerns.append(ConcernLine(c.concern_id, _retiree(retirees, c.retiree_id), _person(roster, c.staff_id),
                                        c.raised, c.last_date, c.status, c.days_open(last),
                                        c.concern_id in overdue))
    for f in unsigned:
        state = "已交回，未签字" if f.opinion else "未交回"
        rep.unsigned.append(UnsignedLine(f.quarter, _retiree(retirees, f.retiree_id), _person(roster, f.staff_id),
                                         state))
    if unknown_months:
        rep.notes.append(f"{'、'.join(month_zh(str(m)) for m in unknown_months)}未结账（或结账时未记录走访），"
                         f"本季度上门走访只按已知月份的记录统计。")
    if issued_forms:
        rep.notes.append(f"本季度确认表共 {issued_forms} 份，见 季度确认表_{month.quarter_label}.xlsx；"
                         f"签字交回后请在下月考核登记“季度确认”表中登记。")
    return rep


# ------------------------------------------------------------------------------ writing helpers

def _heading(ws: Worksheet, row: int, text: str, ncols: int, fmt: Any) -> None:
    if ncols > 1:
        ws.merge_cells(row, 0, row, ncols - 1, fmt)
    ws.write_string(row, 0, text, fmt)


def _table(ws: Worksheet, top: int, labels: Sequence[str], kinds: Sequence[str], rows: Sequence[Sequence[Any]],
           widths: Sequence[float], fmts: dict[str, Any], empty: str, pager: Pager | None = None) -> int:
    """Header at `top`, rows below (wrapped text gets its height; with a pager the header
    again at the top of each printed page it runs onto); returns the next free row."""
    height = row_height([(label, w) for label, w in zip(labels, widths, strict=True)])

    def header(r: int) -> None:
        for j, label in enumerate(labels):
            ws.write_string(r, j, label, fmts["header"])
        ws.set_row(r, height)

    header(top)
    row = write_rows(ws, top + 1, kinds, rows, fmts, widths, pager, header)
    if not rows:
        ws.merge_cells(row, 0, row, len(labels) - 1, fmts["text"])
        ws.write_string(row, 0, empty, fmts["text"])
        row += 1
    return row


# ------------------------------------------------------------------------------ 联包走访_YYYY-MM.xlsx

COVER_COLS = [("序号", "int", 5), ("工号", "text_c", 7), ("姓名", "text_c", 9), ("科室", "text_c", 11),
              ("联包人数", "int", 6), ("本月已联系", "int", 7), ("本季已上门", "int", 7), ("必访应访", "int", 6),
              ("按时", "int", 5), ("超期", "int", 5), ("下月判定", "int", 6), ("未解决问题", "int", 7),
              ("其中逾期", "int", 6), ("未签回确认表", "int", 7), ("本月未联系人员", "text", 18),
              ("本季尚未上门人员", "text", 30)]


MUST_HEADING = "二、必访情况（内部资料，请勿张贴）"


def write_visits_report(path: Path, rep: VisitsReport) -> None:
    """联包走访_YYYY-MM.xlsx (SPEC §9)."""
    m = month_zh(str(rep.month))
    title = f"{rep.center}{m}联包共创走访情况"
    wb, fmts = new_workbook(path, title, rep.center)
    ws = wb.add_worksheet("联包走访情况")
    widths = [w for _, _, w in COVER_COLS]
    ncols = len(COVER_COLS)
    for j, w in enumerate(widths):
        ws.set_column(j, j, w)
    title_rows(ws, title, rep.rules_line, ncols, fmts)
    ws.set_row(1, row_height([(rep.rules_line, sum(widths))]))
    labels = [c for c, _, _ in COVER_COLS]
    if rep.month.is_quarter_end:
        labels[-1] = "本季未上门人员（扣分）"
    # several tables share the sheet: the printed pages repeat the title rows only, and each
    # table repeats its own header where it runs onto a new page
    pager = Pager(ws, widths, landscape=True)
    _heading(ws, 2, "一、联包覆盖情况（定期访、上门走访、必访）", ncols, fmts["heading"])
    header_row = 3
    rows = [[i, c.staff_id, c.name, c.department, c.assigned, c.contacted, c.home_visited, c.must_due,
             c.must_on_time, c.must_late, c.must_pending, c.concerns_open, c.concerns_overdue, c.unsigned,
             c.missed or "—", c.home_missing or "—"] for i, c in enumerate(rep.lines, start=1)]
    row = _table(ws, header_row, labels, [k for _, k, _ in COVER_COLS], rows, widths, fmts, "本月无联包对象。",
                 pager)
    if rep.lines:
        ws.merge_cells(row, 0, row, 3, fmts["total_label"])
        ws.write_string(row, 0, "合计", fmts["total_label"])
        for j, attr in enumerate(("assigned", "contacted", "home_visited", "must_due", "must_on_time", "must_late",
                                  "must_pending", "concerns_open", "concerns_overdue", "unsigned"), start=4):
            write_cell(ws, row, j, sum(getattr(c, attr) for c in rep.lines), fmts, "int")
        ws.merge_range(row, 14, row, ncols - 1, "", fmts["text"])
        row += 1

    # must-visits: names, deadline and outcome only (never the event type)
    row += 1
    pager.keep(row, 3 * 15)
    # the deadlines follow from the events and birthdays (SPEC §9: none on a posted sheet)
    _heading(ws, row, MUST_HEADING, ncols, fmts["heading"])
    spans = [(0, 0), (1, 3), (4, 7), (8, 10), (11, 13), (14, 15)]
    heads = ["序号", "联包工作人员", "军休人员", "期限", "走访日期", "结果"]
    row = _spanned(ws, row + 1, spans, heads, [[i, x.staff, x.retiree, x.deadline, x.visit_date, x.status]
                                               for i, x in enumerate(rep.must, start=1)],
                   ["int", "text_c", "text", "date", "date", "text_c"], fmts, "本月无必访事件。", pager)

    # issues: 问题编号, names, dates, days open (the text is on the internal sheet)
    row += 1
    pager.keep(row, 3 * 15)
    _heading(ws, row, "三、反映问题跟踪（未解决及本月解决）", ncols, fmts["heading"])
    heads = ["序号", "问题编号", "军休人员", "联包工作人员", "首次反映日期", "状态（已历天数）"]
    lines = []
    for i, c in enumerate(rep.concerns, start=1):
        state = "已解决" if c.status == rules.SOLVED else f"{'逾期未解决' if c.overdue else '处理中'}（{c.days} 天）"
        lines.append([i, c.concern_id, c.retiree, c.staff, c.raised, state])
    spans3 = [(0, 0), (1, 3), (4, 7), (8, 10), (11, 13), (14, 15)]
    row = _spanned(ws, row + 1, spans3, heads, lines, ["int", "text_c", "text", "text_c", "date", "text_c"], fmts,
                   "无未解决的反映问题。", pager)

    # confirmation forms of closed quarters not returned signed
    row += 1
    pager.keep(row, 3 * 15)
    _heading(ws, row, "四、未签回的季度确认表", ncols, fmts["heading"])
    heads = ["序号", "季度", "军休人员", "联包工作人员", "情况"]
    spans4 = [(0, 0), (1, 3), (4, 7), (8, 10), (11, 15)]
    row = _spanned(ws, row + 1, spans4, heads,
                   [[i, rules.quarter_zh(u.quarter), u.retiree, u.staff, u.state]
                    for i, u in enumerate(rep.unsigned, start=1)],
                   ["int", "text_c", "text", "text_c", "text_c"], fmts, "无未签回的季度确认表。", pager)
    row += 1
    for note in rep.notes:
        _heading(ws, row, f"说明：{note}", ncols, fmts["body"])
        ws.set_row(row, row_height([(f"说明：{note}", sum(widths))]))
        row += 1
    pager.close()
    page_setup(ws, header_row, ncols, landscape=True)
    ws.repeat_rows(0, 1)  # the title only: each table repeats its own header (Pager)

    wb.close()


def _spanned(ws: Worksheet, top: int, spans: Sequence[tuple[int, int]], heads: Sequence[str],
             rows: Sequence[Sequence[Any]], kinds: Sequence[str], fmts: dict[str, Any], empty: str,
             pager: Pager | None = None) -> int:
    """A narrow table laid over the wide one's columns: each column spans `spans[j]` (with a
    pager, its header again at the top of each printed page it runs onto)."""

    def put(row: int, j: int, value: Any, kind: str) -> None:
        a, b = spans[j]
        if a != b:
            ws.merge_cells(row, a, row, b, fmts[kind])
        write_cell(ws, row, a, value, fmts, kind)

    for j, h in enumerate(heads):
        put(top, j, h, "header")
    row = top + 1
    for values in rows:
        if pager is not None and not pager.fits(row, 15):
            for j, h in enumerate(heads):
                put(row, j, h, "header")
            row += 1
        for j, v in enumerate(values):
            put(row, j, v, kinds[j])
        row += 1
    if not rows:
        ws.merge_cells(row, spans[0][0], row, spans[-1][1], fmts["text"])
        ws.write_string(row, 0, empty, fmts["text"])
        row += 1
    return row


# ------------------------------------------------------------------------------ 季度确认表_YYYYQn.xlsx

@dataclass(frozen=True)
class FormContact:
    date: dt.date
    mode: str
    visit_type: str
    staff: str


@dataclass(frozen=True)
class Form:
    retiree_id: str
    retiree: str
    contacts: list[FormContact]


@dataclass
class FormsBook:
    center: str
    quarter: str
    period: str  # 10月1日至12月31日
    note: str  # months whose contacts are unknown
    staff: list[tuple[str, str, list[Form]]] = field(default_factory=list)  # (工号, 姓名, forms)


def build_forms(*, center: str, month: Month, people: Sequence[Retiree], roster: Mapping[str, Person],
                contacts: Mapping[str, Sequence[Any]], unknown_months: Sequence[Month]) -> FormsBook:
    months = rules.quarter_months(month)
    period = f"{months[0].first.month}月{months[0].first.day}日至{month.last.month}月{month.last.day}日"
    note = (f"注：{'、'.join(month_zh(str(m)) for m in unknown_months)}的走访记录未结账，未列入本表。"
            if unknown_months else "")
    book = FormsBook(center, month.quarter_label, period, note)
    by_staff: dict[str, list[Form]] = {}
    for r in people:
        rows = sorted(contacts.get(r.retiree_id, ()), key=lambda c: (c.date, c.staff_id))
        by_staff.setdefault(r.assigned_staff or "", []).append(Form(r.retiree_id, r.name, [
            FormContact(c.date, c.mode, c.visit_type, _person(roster, c.staff_id)) for c in rows]))
    order = [sid for sid in roster if sid in by_staff] + [sid for sid in by_staff if sid not in roster]
    book.staff = [(sid, _person(roster, sid), by_staff[sid]) for sid in order]
    return book


FORM_WIDTHS = [7, 18, 12, 10, 14]


def write_confirmation_forms(path: Path, book: FormsBook) -> None:
    """季度确认表_YYYYQn.xlsx (R-VI-5): one sheet per person (`<编号> <姓名>`), each printing on one
    A4 page, ordered by staff member (roster order) and then by the register's order."""
    qzh = rules.quarter_zh(book.quarter)
    title = f"{book.center}联包共创走访季度确认表"
    wb, fmts = new_workbook(path, f"{title}（{qzh}）", book.center)
    used: set[str] = set()
    for sid, staff_name, forms in book.staff:
        for form in forms:
            ws = wb.add_worksheet(sheet_name(form.retiree_id, form.retiree, used))
            for j, w in enumerate(FORM_WIDTHS):
                ws.set_column(j, j, w)
            _form(ws, form, book, staff_name, sid, title, qzh, len(FORM_WIDTHS), fmts)
            ws.set_paper(9)
            ws.set_portrait()
            ws.set_margins(left=0.7, right=0.7, top=0.8, bottom=0.8)
            ws.fit_to_pages(1, 1)
            ws.center_horizontally()
            ws.set_footer(f"&C{book.quarter} 季度确认表　{form.retiree_id}　第 &P 页，共 &N 页")
            ws.hide_gridlines(2)
    if not book.staff:
        ws = wb.add_worksheet("季度确认表")
        ws.write_string(0, 0, f"{title}（{qzh}）：本季度无联包对象。", fmts["plain"])
    wb.close()


def _form(ws: Worksheet, form: Form, book: FormsBook, staff_name: str, sid: str, title: str, qzh: str,
          ncols: int, fmts: dict[str, Any]) -> None:
    top = 0
    width = sum(FORM_WIDTHS)

    def line(row: int, text: str, fmt: str, height: float | None = None) -> None:
        ws.merge_cells(row, 0, row, ncols - 1, fmts[fmt])
        ws.write_string(row, 0, text, fmts[fmt])
        if height is not None:
            ws.set_row(row, height)

    line(top, title, "title", 28)
    line(top + 1, f"{qzh}（{book.period}）", "subtitle")
    line(top + 3, f"军休人员：{form.retiree}（{form.retiree_id}）", "bold", 20)
    line(top + 4, f"联包工作人员：{staff_name}（{sid}）", "bold", 20)
    row = top + 6
    for j, label in enumerate(("序号", "日期", "方式", "类型", "走访人")):
        ws.write_string(row, j, label, fmts["header"])
    row += 1
    for i, c in enumerate(form.contacts, start=1):
        for j, (value, kind) in enumerate(((i, "int"), (c.date, "date"), (c.mode, "text_c"),
                                           (c.visit_type, "text_c"), (c.staff, "text_c"))):
            write_cell(ws, row, j, value, fmts, kind)
        row += 1
    if not form.contacts:
        line(row, "本季度无走访记录。", "text")
        row += 1
    if book.note:
        line(row, book.note, "note", row_height([(book.note, width)]))
        row += 1
    row += 1
    text = "以上是本季度联包工作人员与您联系、走访的情况，请核对。如有意见或建议，请写在下面："
    line(row, text, "body", row_height([(text, width)]))
    line(row + 1, "意见：", "plain", 22)
    line(row + 2, "＿" * 30, "plain", 22)
    line(row + 4, SIGN_LINE, "plain", 24)
    line(row + 6, "请签字后交回联包工作人员，由服务管理科在考核登记“季度确认”表中登记。", "note")

