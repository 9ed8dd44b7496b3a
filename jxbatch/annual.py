"""close-year: the annual review (年总评, SPEC §11, §13) from the ledger.

:func:`close_year` reads the twelve closed months of a year from the ledger (R-YR-1: it stops,
listing them, while any month is not closed), the democratic evaluation workbook of the
year's December (R-YR-3) and the policy, computes the annual tables and the award basis
(:mod:`jxbatch.compute.annual`: R-YR-2, R-YR-3, R-YR-5) and publishes
``年度总评_YYYY.xlsx`` and ``results.json`` into ``DIR/YYYY/`` atomically: both are written
into a temporary folder which then replaces the year's folder by rename (R-LG-3), with the
publication recorded in the ledger (``annual_reviews``) in the same step. Running it again on
the same ledger, evaluation workbook and policy gives byte-identical outputs (R-LG-4); a
different result than the review posted is refused unless a reason is given (recorded).

The evaluation workbook is part of December's inputs (SPEC §4.7). December's close records its
sha256 (:mod:`jxbatch.targets`); close-year refuses a workbook that differs from the one the
December close validated (``evaluation-changed``): reopen December and close it again.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from . import __version__, fsutil, ledger
from .calendar import Month
from .compute.annual import (
    ROUNDINGS,
    AnnualPolicy,
    AnnualResult,
    MonthPerson,
    MonthRecord,
    Ratings,
    annual_review,
    count_ratings,
)
from .fsutil import command_line, replace_folder
from .model import Roster
from .policy import Policy, load_policy
from .problems import Loc, Problem, Report, problem
from .publish.results import dumps
from .stages import OVERSIGHT_KIND
from .targets import STATE_KIND, deduction_to, sha256_of
from .workspace import Registers, Workspace, load_month, load_registers

CLOSED, REFUSED, INVALID = "closed", "refused", "invalid"
UNCHANGED, CHANGED = "unchanged", "changed"  # the same as the review published; another one
WORKBOOK = "年度总评_{year}.xlsx"
RESULTS = "results.json"
_TMP, _OLD = ".year-tmp-", ".year-old-"  # distinct from close-month's .tmp-/.old- leftovers


@dataclass
class YearOutcome:
    status: str  # closed | unchanged | changed (refused: differs from the one published) | refused (months open) | invalid
    year: int
    out_dir: Path
    report: Report
    open_months: list[str] = field(default_factory=list)
    result: AnnualResult | None = None
    document: dict | None = None
    files: list[Path] = field(default_factory=list)
    previous: ledger.AnnualRecord | None = None  # the publication before this run's
    changes: list[str] = field(default_factory=list)  # what differs from it (changed)


def year_months(year: int) -> list[str]:
    return [f"{year}-{m:02d}" for m in range(1, 13)]


def open_months(con, year: int) -> list[str]:
    """R-YR-1: the months of the year without a closed record in the ledger."""
    closed = set(ledger.closed_months(con))
    return [m for m in year_months(year) if m not in closed]


def annual_policy(policy: Policy) -> tuple[AnnualPolicy, list[Problem]]:
    """The [annual] settings, checked: 0 ≤ weight ≤ 1, 0 < share ≤ 1."""
    g = policy.get
    loc = Loc(file="jxbatch.toml")
    problems = []
    weight, share, floor = g("annual", "evaluation_weight"), g("annual", "top_share"), g("annual", "floor")
    if not Decimal(0) <= weight <= Decimal(1):
        problems.append(problem("annual-setting-invalid", loc, weight, key="evaluation_weight",
                                detail="权重应在 0 到 1 之间（0 为只展示）"))
        weight = Decimal(0)
    if not Decimal(0) < share <= Decimal(1):
        problems.append(problem("annual-setting-invalid", loc, share, key="top_share",
                                detail="比例应大于 0、不超过 1（如 0.20）"))
        share = Decimal("0.20")
    rounding = str(g("annual", "top_share_rounding")).strip()
    if rounding not in ROUNDINGS:
        problems.append(problem("annual-setting-invalid", loc, rounding, key="top_share_rounding",
                                detail="应为 down（向下取整）或 half_up（四舍五入）"))
        rounding = "down"
    if deduction_to(policy) is None:
        problems.append(problem("target-setting-invalid", loc, g("annual", "target_deduction_to")))
    return AnnualPolicy(base=policy.base, decimals=int(g("scoring", "decimals")), evaluation_weight=weight,
                        top_share=share, floor=floor, top_share_rounding=rounding), problems


def month_record(doc: dict, m: int) -> MonthRecord:
    people = [MonthPerson(p["id"], p["name"], p["role"], p["department"], Decimal(p["score"]))
              for p in doc["people"] if p.get("score") is not None]
    depts = {d["name"]: Decimal(d["score"]) for d in doc["departments"] if d.get("score") is not None}
    return MonthRecord(m, people, depts)


@dataclass
class Evaluation:
    file: str | None
    ratings: dict[str, Ratings]
    problems: list[Problem]
    as_closed: bool = False  # the very workbook December's close validated: not checked again


def read_evaluation(root: Path, year: int, recorded: dict | None, regs: Registers, policy: Policy) -> Evaluation:
    """R-YR-3: the 民主评议 workbook of data/YYYY-12/ (found by the month loader by its kind),
    its problems, and whether it is still the one December's close recorded."""
    from .validate import Context, check_duplicates, check_evaluation, match_id_case, run_checks

    ws = Workspace(root)
    dec = Month(year, 12)
    inputs, loaded = load_month(ws, dec, regs.roster)
    wb = inputs.evaluation
    problems: list[Problem] = []
    # a second 民主评议 workbook (which one is right?) and, when none was found, files that
    # could not be read or were refused (one may be it) are errors here, as in validation (SPEC §14)
    concerned = {*inputs.extra.get("evaluation", ()), *(inputs.candidates(regs.roster.people) if wb is None else ())}
    problems += [p for p in loaded if p.is_error and p.loc.file in concerned]
    current = None if wb is None else sha256_of(wb)  # of the bytes read above
    if recorded is not None and recorded.get("sha256") != current:
        change = "被移走" if wb is None else "才放入" if recorded.get("sha256") is None else "有改动"
        where = Loc(file=wb.display if wb is not None else f"data/{dec}/")
        problems.append(problem("evaluation-changed", where, month=str(dec), change=change,
                                reopen=command_line(root, f"reopen {dec} --reason 民主评议")))
    if wb is None:
        problems.append(problem("evaluation-missing", Loc(file=f"data/{dec}/"), month=str(dec), year=year))
        return Evaluation(None, {}, problems)
    ctx = Context(ws, dec, policy, regs, inputs)
    loaded = [*loaded, *match_id_case(ctx)]  # read as December's close read it ("r1" as R1)
    as_closed = recorded is not None and recorded.get("sha256") == current
    if not as_closed:  # validated by no close (an older ledger): checked here, against today's registers
        checked = run_checks(ctx, [check_duplicates, check_evaluation])
        problems += [p for p in [*loaded, *checked] if p.loc.file == wb.display]
    # else December's close validated this very workbook: a retiree register corrected or
    # mistyped since (a row deleted, a bad date) changes nothing in it and blocks nothing
    rows = [(r["staff_id"], r["rating"]) for r in wb.tables["评议"] if r["staff_id"]]
    return Evaluation(wb.display, count_ratings(rows), problems, as_closed)


def year_leaders(by_month: Mapping[int, Mapping[str, Mapping[str, str]]], roster: Roster) -> dict[str, str]:
    """Department -> who supervised it in the year reviewed (R-ORG-3), from what each month's
    close kept in the ledger: "李副所长", or "李副所长（1–6月）、王副所长（7–12月）" after a
    change. A month closed before the ledger kept it counts with today's roster."""
    today = {d: roster.name_of(lid) for d, lid in roster.oversight.items()}
    runs: dict[str, list[tuple[str, int, int]]] = {}  # department -> (name, first month, last month)
    for m in range(1, 13):
        kept = by_month.get(m)
        names = {d: e.get("name") or e.get("leader") or "" for d, e in kept.items()} if kept else today
        for d, name in names.items():
            spans = runs.setdefault(d, [])
            if spans and spans[-1][0] == name and spans[-1][2] == m - 1:
                spans[-1] = (name, spans[-1][1], m)
            else:
                spans.append((name, m, m))
    text = {}
    for d, spans in runs.items():
        if len(spans) == 1:
            text[d] = spans[0][0]
        else:
            text[d] = "、".join(f"{name}（{a}月）" if a == b else f"{name}（{a}–{b}月）" for name, a, b in spans)
    return text


def close_year(root: Path, year: int, out: Path | None = None, reason: str | None = None) -> YearOutcome:
    """close-year YYYY (SPEC §11): refuse while a month is open; else compute and publish.

    A published review is posted: each publication is kept in the ledger, and a run whose
    result differs from the last one published (a setting changed, a month re-closed, the
    roster or the evaluation) is refused, saying what differs, unless `reason` is given
    (recorded with the new publication). The same result publishes the same bytes again."""
    from .issuing import WorkspaceError
    from .parallel import no_cycle_collection
    from .pipeline import workspace_lock

    if not Path(root).is_dir():
        raise WorkspaceError(f"找不到工作区文件夹 {root}")
    with workspace_lock(root), no_cycle_collection():
        return _close_year(root, year, out, reason)


def _close_year(root: Path, year: int, out: Path | None, reason: str | None) -> YearOutcome:
    from .publish.annual import AnnualInfo, annual_document, write_annual

    ws = Workspace(root)
    out_root = out if out is not None else ws.out
    target = out_root / str(year)
    report = Report()
    policy, ps = load_policy(root)
    report.extend(ps)
    pol, ps = annual_policy(policy)
    report.extend(ps)

    if not ws.ledger.exists():  # nothing closed yet (and no ledger is created by asking)
        missing = year_months(year)
        report.add(problem("year-months-open", Loc(file=ws.ledger.name), year=year, months="、".join(missing)))
        return YearOutcome(REFUSED, year, target, report, open_months=missing)
    con = ledger.connect(ws.ledger)
    try:
        missing = open_months(con, year)
        if missing:  # R-YR-1
            report.add(problem("year-months-open", Loc(file=ws.ledger.name), year=year, months="、".join(missing)))
            return YearOutcome(REFUSED, year, target, report, open_months=missing)
        docs = {m: ledger.results(con, month) for m, month in enumerate(year_months(year), start=1)}
        digests = [(month, ledger.current(con, month).input_digest) for month in year_months(year)]
        state = ledger.visit_state(con, f"{year}-12", STATE_KIND).get("evaluation")
        oversight = {m: ledger.visit_state(con, month, OVERSIGHT_KIND)
                     for m, month in enumerate(year_months(year), start=1)}
    finally:
        con.close()
    if not report.ok:
        return YearOutcome(INVALID, year, target, report)

    regs, ps = load_registers(ws)
    evaluation = read_evaluation(root, year, state, regs, policy)
    if not evaluation.as_closed:  # the registers it was checked against now count
        report.extend(ps)  # read problems of the registers are shown, never thrown away
    # else the review comes from the ledger and the evaluation December accepted: today's
    # registers give only names and the order of departments (their problems are the next
    # month's, where validate and close-month report them)
    report.extend(evaluation.problems)
    if not report.ok:
        return YearOutcome(INVALID, year, target, report)

    records = [month_record(doc, m) for m, doc in docs.items() if doc is not None]
    order = list(regs.roster.departments)
    for rec in records:  # departments no longer on the roster keep their order of appearance
        order += [d for d in rec.departments if d not in order]
    result = annual_review(year, records, evaluation.ratings, pol, order)
    scored = {p.staff_id for p in result.people}
    for sid in sorted(set(evaluation.ratings) - scored):
        person = regs.roster.people.get(sid)
        report.add(problem("evaluation-unscored", Loc(file=evaluation.file), sid,
                           name=person.name if person else "", staff_id=sid))

    leaders = year_leaders(oversight, regs.roster)
    info = AnnualInfo(
        center=policy.center, year=year, tool_version=__version__, base=policy.base,
        evaluation_weight=pol.evaluation_weight, top_share=pol.top_share, floor=pol.floor,
        target_deduction_to=deduction_to(policy) or "all", month_digests=digests,
        top_share_rounding=pol.top_share_rounding,
        evaluation_file=evaluation.file, leaders=leaders,
        issuing_office=policy.get("center", "issuing_office"),
    )
    problems = report.sorted()
    doc = annual_document(result, info, problems)
    data = dumps(doc)
    sha = _review_sha(doc)
    names = [WORKBOOK.format(year=year), RESULTS]

    con = ledger.connect(ws.ledger)
    try:
        # what is posted is what counts: the ledger's record of it when they agree (it has the
        # time and reason), else the posted review itself (the ledger swapped or emptied, or
        # a review published before the ledger kept them), else the record (folder removed)
        recorded, posted = ledger.last_annual(con, str(year)), _posted_review(target, year)
        if posted is not None:  # the posted review as the ledger knows it, if it does (any record)
            posted = ledger.annual_with_sha(con, str(year), posted.results_sha256) or posted
        # published elsewhere last (--out): this folder is no longer the one to compare with
        elsewhere = recorded is not None and recorded.out_dir != str(target.resolve())
        agree = recorded is not None and (posted is None or elsewhere
                                          or posted.results_sha256 == recorded.results_sha256)
        last = recorded if agree else (posted or recorded)
        same = last is not None and last.results_sha256 == sha
        if last is not None and not same and not reason:
            return YearOutcome(CHANGED, year, target, report, result=result, document=doc, previous=last,
                               changes=what_changed(json.loads(last.results_json), doc))
        here = posted is not None and posted.results_sha256 == sha  # this very result is what out/YYYY holds
        if same and here and all((target / n).exists() for n in names):
            if last is not None and last.id == 0:  # posted, unknown to the ledger: recorded now
                with ledger.transaction(con):
                    ledger.record_annual(con, str(year), data.decode("utf-8"), sha, str(target.resolve()), None)
            return YearOutcome(UNCHANGED, year, target, report, result=result, document=doc,
                               files=[target / n for n in names], previous=last)

        @contextmanager
        def recorded() -> Iterator[None]:  # committed with the folder renames, or neither
            with ledger.transaction(con):
                if not same or last is None or last.id == 0 or last.out_dir != str(target.resolve()):
                    ledger.record_annual(con, str(year), data.decode("utf-8"), sha, str(target.resolve()), reason)
                yield

        out_root.mkdir(parents=True, exist_ok=True)
        clean_stale(out_root)
        tmp = Path(tempfile.mkdtemp(prefix=f"{_TMP}{year}-", dir=out_root))
        os.chmod(tmp, 0o755)  # mkdtemp's 0700 would keep the published folder from others on a share
        try:
            write_annual(tmp / names[0], result, info, problems)
            (tmp / names[1]).write_bytes(data)
            replace_folder(tmp, target, out_root / f"{_OLD}{year}-{tmp.name[-8:]}", recorded())
        finally:
            if tmp.exists():
                shutil.rmtree(tmp, ignore_errors=True)
    finally:
        con.close()
    return YearOutcome(UNCHANGED if same else CLOSED, year, target, report, result=result, document=doc,
                       files=[target / n for n in names], previous=last)


def _review_sha(doc: dict) -> str:
    """The review as posted: a newer jxbatch giving the same numbers is the same review."""
    return hashlib.sha256(dumps({k: v for k, v in doc.items() if k != "tool_version"})).hexdigest()


def _posted_review(target: Path, year: int) -> ledger.AnnualRecord | None:
    """A review in the year's folder the ledger has no record of (published before the ledger
    kept them, or the ledger deleted or replaced since): posted all the same, so it counts as
    the last publication (id 0, dated by its file)."""
    path = target / RESULTS
    try:
        text = path.read_text(encoding="utf-8")
        doc = json.loads(text)
        when = dt.datetime.fromtimestamp(path.stat().st_mtime).astimezone().isoformat(timespec="seconds")
    except (OSError, ValueError):
        return None
    if not isinstance(doc, dict) or doc.get("year") != str(year):
        return None
    return ledger.AnnualRecord(0, str(year), when, _review_sha(doc), text, str(target.resolve()), None)


def published_review(root: Path, year: int) -> ledger.AnnualRecord | None:
    """The annual review of `year` last published, from the ledger (read only)."""
    ws = Workspace(root)
    if not ws.ledger.exists():
        return None
    con = ledger.connect_to_read(ws.ledger)
    try:
        return ledger.last_annual(con, str(year))
    finally:
        con.close()


def _monthly_changes(before: dict, now: dict, table: str) -> set[str]:
    """The months (YYYY-MM) in which someone's (or a department's) published score differs
    (`monthly`: twelve entries, January first; None for a month not scored)."""
    key = "id" if table == "people" else "name"
    year = now.get("year")
    old = {e[key]: e.get("monthly") or [] for e in before.get(table) or ()}
    months: set[str] = set()
    for e in now.get(table) or ():
        was, new = old.get(e[key], []), e.get("monthly") or []
        for i in range(max(len(was), len(new))):
            if (was[i] if i < len(was) else None) != (new[i] if i < len(new) else None):
                months.add(f"{year}-{i + 1:02d}")
    return months


POLICY_ZH = {"evaluation_weight": "民主评议权重", "top_share": "评先评优比例", "floor": "评先评优月度下限",
             "top_share_rounding": "评先评优名额取整",
             "target_deduction_to": "年度目标扣分对象"}


def what_changed(before: dict, now: dict) -> list[str]:
    """What makes this year's review differ from the one published, in the clerk's words."""
    out = []
    old_policy, new_policy = before.get("policy") or {}, now.get("policy") or {}
    for key in sorted(set(old_policy) | set(new_policy)):
        if old_policy.get(key) != new_policy.get(key):
            out.append(f"设置 {POLICY_ZH.get(key, key)}：{old_policy.get(key)} → {new_policy.get(key)}")
    old_months = {m["month"]: m["input_digest"] for m in before.get("months") or ()}
    reclosed = [m["month"] for m in now.get("months") or () if old_months.get(m["month"]) != m["input_digest"]]
    if reclosed:
        out.append(f"{'、'.join(reclosed)} 重新结账过")
    # a month re-closed on the same inputs (under other settings) shows in its scores only
    rescored = sorted({m for table in ("people", "departments") for m in _monthly_changes(before, now, table)}
                      - set(reclosed))
    if rescored:
        out.append(f"{'、'.join(rescored)} 的月度得分与发布时不同（重新结账过）")
    if before.get("evaluation_file") != now.get("evaluation_file"):
        out.append("民主评议工作簿不同")
    if not out:
        out.append("名册或民主评议的内容不同（各月结果和设置未变）")
    return out


def clean_stale(out_root: Path) -> None:
    """Leftovers of an interrupted close-year: temporary folders go; an earlier year folder
    moved aside is put back when nothing took its place."""
    for p in out_root.glob(f"{_TMP}*"):
        shutil.rmtree(p, ignore_errors=True)
    for p in sorted(out_root.glob(f"{_OLD}*")):
        year = p.name[len(_OLD):len(_OLD) + 4]
        if year.isdigit() and not (out_root / year).exists():
            fsutil.replace(p, out_root / year)
        else:
            shutil.rmtree(p, ignore_errors=True)
