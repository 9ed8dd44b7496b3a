"""Build small input workbooks for tests with plain openpyxl (independent of templates.py)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import openpyxl

from jxbatch.schema import META_SHEET, WORKBOOKS, meta_rows


def write_xlsx(path: Path, sheets: Mapping[str, Sequence[Sequence[Any]]], meta: Sequence[tuple[str, str]] | None = None,
               title: str | None = "标题行") -> Path:
    """Each sheet: first item is the header labels, then data rows. A title row sits above."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        if title is not None:
            ws.append([title])
        for row in rows:
            ws.append(list(row))
            for cell in ws[ws.max_row]:
                if isinstance(cell.value, str) and cell.value.startswith("="):
                    cell.data_type = "s"  # text typed by a person, as Excel stores '=SUM(1,1)
    if meta is not None:
        ws = wb.create_sheet(META_SHEET)
        for k, v in meta:
            ws.append([k, v])
        ws.sheet_state = "hidden"
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def write_spec(path: Path, kind: str, data: Mapping[str, Sequence[Mapping[str, Any]]] | None = None, *,
               month: str | None = None, staff_id: str | None = None, with_meta: bool = True) -> Path:
    """A workbook of template `kind`; data rows are dicts by field key."""
    spec = WORKBOOKS[kind]
    sheets = {}
    for s in spec.sheets:
        rows: list[list[Any]] = [list(s.labels)]
        for d in (data or {}).get(s.name, []):
            rows.append([d.get(f.key) for f in s.fields])
        sheets[s.name] = rows
    meta = meta_rows(kind, month, staff_id) if with_meta else None
    return write_xlsx(path, sheets, meta)


D = dt.date

ROSTER = {
    "工作人员": [
        {"staff_id": "D1", "name": "张所长", "role": "所长", "start_date": D(2010, 1, 1)},
        {"staff_id": "L1", "name": "李副所长", "role": "班子成员", "start_date": D(2010, 1, 1)},
        {"staff_id": "L2", "name": "王副所长", "role": "班子成员", "start_date": D(2010, 1, 1)},
        {"staff_id": "H1", "name": "赵科长", "role": "科室负责人", "department": "办公室", "start_date": D(2012, 1, 1)},
        {"staff_id": "A1", "name": "钱一", "role": "工作人员", "department": "办公室", "start_date": D(2015, 1, 1)},
        {"staff_id": "A2", "name": "孙二", "role": "工作人员", "department": "办公室", "start_date": D(2015, 1, 1)},
        {"staff_id": "H2", "name": "周科长", "role": "科室负责人", "department": "财务科", "start_date": D(2012, 1, 1)},
        {"staff_id": "B1", "name": "吴三", "role": "工作人员", "department": "财务科", "start_date": D(2016, 1, 1)},
        {"staff_id": "X1", "name": "郑离", "role": "工作人员", "department": "财务科", "start_date": D(2016, 1, 1),
         "end_date": D(2026, 10, 15)},
    ],
    "分管": [{"leader_id": "L1", "department": "办公室"}, {"leader_id": "L2", "department": "财务科"}],
    "科室": [{"department": "办公室"}, {"department": "财务科"}],
}

RETIREES = {
    "军休人员": [
        {"retiree_id": "R1", "name": "老甲", "category": "军休干部", "rank": "团职", "birth_date": D(1950, 3, 1),
         "disabled": "否", "assigned_staff": "A1", "entry_date": D(2005, 1, 1)},
        {"retiree_id": "R2", "name": "老乙", "category": "军休干部", "rank": "师职", "birth_date": D(1945, 11, 20),
         "disabled": "否", "assigned_staff": "A1", "entry_date": D(2005, 1, 1)},
        {"retiree_id": "R3", "name": "老丙", "category": "遗属", "rank": "无", "birth_date": D(1948, 6, 1),
         "disabled": "否", "assigned_staff": "B1", "entry_date": D(2005, 1, 1)},
    ],
}

RUBRIC = {
    "考核标准": [
        {"code": "B01", "category": "行为标准", "requirement": "工作区卫生", "points": 1, "direction": "扣分"},
        {"code": "B02", "category": "行为标准", "requirement": "迟到早退", "points": "0.5", "direction": "扣分",
         "monthly_cap": 1},
        {"code": "J01", "category": "加分项目", "requirement": "受到表彰", "points": 2, "direction": "加分"},
        *[{"code": c, "category": "自动规则", "requirement": t, "points": p, "direction": "扣分"}
          for c, (t, p) in __import__("jxbatch.schema", fromlist=["AUTO_CODES"]).AUTO_CODES.items()],
    ],
}


def mini_workspace(root: Path, month: str = "2026-11", register: Mapping[str, Sequence[Mapping[str, Any]]] | None = None,
                   roster: Mapping[str, Sequence[Mapping[str, Any]]] | None = None) -> Path:
    """Registers for a small center (director D1, leaders L1/L2, two departments) and a month."""
    write_spec(root / "data" / "roster.xlsx", "roster", roster or ROSTER)
    write_spec(root / "data" / "retirees.xlsx", "retirees", RETIREES)
    write_spec(root / "data" / "rubric.xlsx", "rubric", RUBRIC)
    write_spec(root / "data" / month / f"考核登记_{month}.xlsx", "register", register or {}, month=month)
    return root


def refuse_replace(monkeypatch: Any, refused: Callable[[Path, Path], bool]) -> list[tuple[Path, Path]]:
    """os.replace refusing, as Windows does for a file another program holds (PermissionError,
    errno 13, both names), whenever `refused(src, dst)`; every other rename goes through. The
    refused calls are listed in the list returned."""
    import os

    real, calls = os.replace, []

    def replace(src: Any, dst: Any, *a: Any, **k: Any) -> None:
        if refused(Path(src), Path(dst)):
            calls.append((Path(src), Path(dst)))
            raise PermissionError(13, "Permission denied", str(src), None, str(dst))
        return real(src, dst, *a, **k)

    monkeypatch.setattr(os, "replace", replace)
    return calls


def fill_issued(path: Path, skip_days: Sequence[int] = ()) -> None:
    """Fill an issued personal workbook as a diligent staff member does: every prefilled day of
    日整理 在岗 with its work and reflection (R-DAY-1), every week of 周小结 summarised
    (R-WK-1) — but the days of the month in `skip_days`, left blank."""
    book = openpyxl.load_workbook(path)
    for row in book["日整理"].iter_rows(min_row=3):
        if row[0].value is not None and row[0].value.day not in skip_days:
            row[1].value, row[2].value, row[4].value = "在岗", "接待来访", "有收获"
    for row in book["周小结"].iter_rows(min_row=3):
        if row[0].value is not None:
            row[2].value = "完成本周工作"
    book.save(path)
