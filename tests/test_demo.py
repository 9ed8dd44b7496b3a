"""The sample-workspace generator (jxbatch.demo) and the repository's sample_data/."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from jxbatch.calendar import Month
from jxbatch.demo import (
    EXPECTED_WARNINGS,
    FORGOTTEN_ROW_KEEPS_DATE,
    generate_workspace,
    plan_sample,
)
from jxbatch.model import in_scope
from jxbatch.pipeline import Validation, validate_month
from jxbatch.workspace import Workspace, load_registers

REPO = Path(__file__).resolve().parent.parent
MONTH = Month.parse("2026-11")
REGENERATE = "sample_data/ 与生成器不一致，请运行 python scripts/make_sample_data.py 重新生成"


def contents(root: Path) -> dict[str, object]:
    """Every non-empty cell value of every workbook under data/, plus the policy file text."""
    out: dict[str, object] = {"jxbatch.toml": (root / "jxbatch.toml").read_text(encoding="utf-8")}
    for path in sorted((root / "data").rglob("*.xlsx")):
        rel = path.relative_to(root).as_posix()
        wb = openpyxl.load_workbook(path, read_only=True)
        try:
            for ws in wb.worksheets:
                cells = {}
                for i, row in enumerate(ws.iter_rows(values_only=True), start=1):
                    for j, v in enumerate(row, start=1):
                        if v is not None:
                            cells[(i, j)] = v
                out[f"{rel}:{ws.title}"] = cells
        finally:
            wb.close()
    return out


@pytest.fixture(scope="session")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("demo") / "常德示例"
    generate_workspace(root)
    return root


@pytest.fixture(scope="session")
def sample_contents(sample: Path) -> dict[str, object]:
    return contents(sample)


@pytest.fixture(scope="session")
def validation(sample: Path) -> Validation:
    return validate_month(sample, MONTH)


def test_same_seed_same_content(sample_contents: dict[str, object], tmp_path: Path) -> None:
    again = tmp_path / "again"
    generate_workspace(again)
    a, b = sample_contents, contents(again)
    assert sorted(a) == sorted(b)
    for key in a:
        assert a[key] == b[key], key


def test_validates_with_only_the_designed_warnings(validation: Validation) -> None:
    report = validation.report
    assert [p.line() for p in report.errors] == []
    assert [p.code for p in report.warnings] == list(EXPECTED_WARNINGS)
    (pending,) = report.warnings
    assert pending.loc.sheet == "申报加分" and pending.value == "J03"


def test_roster_scope(sample: Path, validation: Validation) -> None:
    regs, problems = load_registers(Workspace(sample))
    assert [p for p in problems if p.is_error] == []
    people = regs.roster.people
    scope = [p for p in people.values() if in_scope(p, MONTH, regs.calendar)]
    assert len(scope) == 16
    assert Counter(p.role for p in scope) == {"director": 1, "leader": 2, "dept_head": 4, "staff": 9}
    assert "S17" in people and people["S17"].end_date == dt.date(2026, 10, 15)
    assert "S17" not in {p.staff_id for p in scope}
    assert regs.roster.departments == ["办公室", "财务科", "服务管理科", "医疗保健科"]
    assert regs.roster.oversight == {"办公室": "S02", "财务科": "S02", "服务管理科": "S03", "医疗保健科": "S03"}
    joiner = people["S14"]
    assert joiner.department == "服务管理科" and joiner.start_date == dt.date(2026, 11, 16)
    assert sorted(validation.ctx.inputs.personal) == [f"S{i:02d}" for i in range(1, 17)]


def test_retirees(sample: Path) -> None:
    regs, _ = load_registers(Workspace(sample))
    rets = list(regs.retirees.values())
    assert len(rets) == 80
    assert Counter(r.rank for r in rets) == {"军职": 1, "师职": 13, "团职": 51, "营职及以下": 3, "无": 12}
    assert Counter(r.category for r in rets) == {"军休干部": 68, "遗属": 12}
    assert [r.death_date for r in rets if r.death_date] == [dt.date(2026, 8, 3)]
    assert len([r for r in rets if r.birth_date.month == 11]) == 1
    assert 5 <= len([r for r in rets if r.birth_date.year >= 1957]) <= 10
    per_staff = Counter(r.assigned_staff for r in rets)
    assert sorted(per_staff) == [f"S{i:02d}" for i in range(1, 17)] and set(per_staff.values()) == {5}


def test_month_scenario(validation: Validation) -> None:
    """The designed imperfections and register rows are in the filled workbooks."""
    ctx = validation.ctx
    assert len(ctx.regs.calendar.working_days(MONTH)) == 21
    daily = {sid: wb.tables["日整理"] for sid, wb in ctx.inputs.personal.items()}
    statuses = Counter(r["status"] for t in daily.values() for r in t)
    expected = Counter({"在岗": 15 * 21 + 11 - 4, "请假": 2, "出差": 1})
    if FORGOTTEN_ROW_KEEPS_DATE:
        expected[None] = 1  # the forgotten day: its date, 状态 blank
    assert statuses == expected  # else the forgotten day's row is empty altogether
    assert [r["date"] for r in daily["S14"]][0] == dt.date(2026, 11, 16)
    weekly = [(sid, r["week"]) for sid, wb in ctx.inputs.personal.items() for r in wb.tables["周小结"]
              if not r["summary"]]
    assert len(weekly) == 1
    # deductions: S02 meets the 2-point quota on the staff of 办公室/财务科, S03 issues only 1.5
    rows = list(ctx.inputs.register.tables["扣分"])
    rubric = ctx.regs.rubric
    issued = Counter()
    for r in rows:
        issued[r["issuer"]] += r["points"] or rubric[r["code"]].points
    assert issued["S02"] >= 2 and issued["S03"] == Decimal("1.5")
    assert {"S01", "考核办"} <= set(issued) and len(rows) == 8
    bonuses = list(ctx.inputs.register.tables["加分审批"])
    assert {r["decision"] for r in bonuses} == {"批准"}
    assert sorted(r["approver"] for r in bonuses) == ["S01", "考核办"]
    # every assigned, living retiree is contacted at least once by their staff member
    for sid, wb in ctx.inputs.personal.items():
        assigned = {r.retiree_id for r in ctx.regs.retirees.values()
                    if r.assigned_staff == sid and r.on_register(MONTH.first)}
        visited = {r["retiree_id"] for r in wb.tables["走访记录"]}
        assert assigned <= visited, sid
    must = [r["event_id"] for wb in ctx.inputs.personal.values() for r in wb.tables["走访记录"]
            if r["visit_type"] == "必访"]
    assert "生日-" in " ".join(must) and len(must) == 4
    # R-VI-3: the month's one slip — the birthday must-visit a working day after its deadline
    sid, eid, deadline, when = plan_sample().notes["late_birthday"]
    rows = [r for r in ctx.inputs.personal[sid].tables["走访记录"] if r["event_id"] == eid]
    assert [(r["visit_type"], r["date"]) for r in rows] == [("必访", when)] and when > deadline


@pytest.mark.parametrize(("people", "retirees"), [(10, 100), (57, 570), (2000, 20000)])
def test_other_sizes_plan(people: int, retirees: int) -> None:
    """Other sizes: departments of 4–12 people, one leadership member per 2–4 departments."""
    s = plan_sample(people=people, retirees=retirees, seed=7)
    staff = [p for p in s.staff if p.end is None]
    assert len(staff) == people and len(s.retirees) == retirees
    sizes = Counter(p.department for p in staff if p.department)
    assert all(4 <= n <= 12 for n in sizes.values()), sizes
    per_leader = Counter(s.oversight.values())
    assert set(s.oversight) == set(s.departments)
    if len(s.departments) > 1:
        assert all(2 <= n <= 4 for n in per_leader.values()), per_leader
    assert len({p.staff_id for p in s.staff}) == len(s.staff)
    assert {r.assigned for r in s.retirees} <= {p.staff_id for p in staff}


def test_repo_sample_data_is_current(sample_contents: dict[str, object]) -> None:
    repo_sample = REPO / "sample_data"
    assert (repo_sample / "data").is_dir(), REGENERATE
    expected, actual = sample_contents, contents(repo_sample)
    assert sorted(actual) == sorted(expected), REGENERATE
    for key in expected:
        assert actual[key] == expected[key], f"{key}: {REGENERATE}"


def test_demo_data_year_generates_a_closed_year_from_the_installed_tool(tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """Annual review check: a year for close-year could only be made by scripts/make_sample_year.py,
    which `pip install .` does not install. `jxbatch demo-data DIR --year YYYY` runs the same
    generator (jxbatch.demo_year, exercised by tests/test_annual_demo.py) and says what next."""
    from click.testing import CliRunner

    from jxbatch import demo_year
    from jxbatch.cli import main

    calls = []
    monkeypatch.setattr(demo_year, "generate_year", lambda *a, **k: calls.append((a, k)))
    out = CliRunner().invoke(main, ["demo-data", str(tmp_path / "年"), "--year", "2025", "--people", "20"])
    assert out.exit_code == 0, out.output
    ((args, kwargs),) = calls
    assert args == (tmp_path / "年", 2025)
    assert {k: kwargs[k] for k in ("people", "retirees", "seed")} == {"people": 20, "retirees": 200, "seed": 2026}
    assert "2025 年十二个月均已结账" in out.output and f"jxbatch close-year 2025 -w {tmp_path / '年'}" in out.output


def test_demo_data_year_refuses_a_year_not_yet_over(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Smoke test: `demo-data --year 2026` on 30 November 2026 closed a December that had not
    begun (close-month itself refuses that month). Refused, naming a year that would do."""
    import datetime as dt

    from click.testing import CliRunner

    from jxbatch import reader
    from jxbatch.cli import main

    monkeypatch.setattr(reader, "today", lambda: dt.date(2026, 11, 30))
    out = CliRunner().invoke(main, ["demo-data", str(tmp_path / "年"), "--year", "2026"])
    assert out.exit_code == 2 and "2026 年 12 月还没有开始" in out.output and "--year 2025" in out.output
    assert not (tmp_path / "年").exists()
