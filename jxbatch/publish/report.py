"""校验报告_YYYY-MM.xlsx — every problem with its position (SPEC §9, R-TPL-4)."""

from __future__ import annotations

from pathlib import Path

from ..problems import Problem, Report
from .styles import new_workbook, page_setup, title_rows, write_cell, write_header

COLUMNS = [("序号", "int", 6), ("级别", "text_c", 8), ("文件", "text", 30), ("工作表", "text", 12),
           ("单元格", "text_c", 9), ("列", "text", 12), ("问题", "text", 50), ("值", "text", 24),
           ("代码", "text", 18)]


def problem_row(i: int, p: Problem) -> list[object]:
    return [i, "错误" if p.is_error else "警告", p.loc.file or "", p.loc.sheet or "", p.loc.cell or "",
            p.loc.label or "", p.message, p.value or "", p.code]


def write_validation_report(path: Path, report: Report, center: str, month: str) -> None:
    title = f"{center} {month} 精细化考核数据校验报告"
    wb, fmts = new_workbook(path, title, center)
    ws = wb.add_worksheet("校验报告")
    ncols = len(COLUMNS)
    errors, warnings = len(report.errors), len(report.warnings)
    title_rows(ws, title, f"错误 {errors} 条，警告 {warnings} 条。有错误时本月不能结账，请改正后重新运行。",
               ncols, fmts)
    top = 2
    write_header(ws, top, COLUMNS, fmts)
    for i, p in enumerate(report.sorted(), start=1):
        row = problem_row(i, p)
        for j, value in enumerate(row):
            kind = COLUMNS[j][1]
            if j == 6:
                kind = "error" if p.is_error else "warning"
            write_cell(ws, top + i, j, value, fmts, kind)
    if not len(report):
        ws.write_string(top + 1, 0, "未发现问题。", fmts["plain"])
    page_setup(ws, top, ncols, landscape=True)
    ws.autofilter(top, 0, top + max(len(report), 1), ncols - 1)
    wb.close()
