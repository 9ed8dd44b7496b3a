"""The orchestrator: read → validate → compute → publish → ledger, top to bottom.

Each stage returns its result and its problems; the problems of every stage are collected
into one :class:`~jxbatch.problems.Report`. Only the CLI turns results into exit codes.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import sqlite3
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import __version__, fsutil, ledger
from .calendar import Calendar, Month
from .compute.month import MonthResult, score_month
from .fastexit import keep_until_exit
from .fsutil import command_line, replace_folder, write_report
from .gather import month_data
from .parallel import background, no_cycle_collection
from .policy import POLICY_FILE, Policy, load_policy
from .problems import Loc, Problem, Report, problem
from .publish.report import write_validation_report
from .publish.results import dumps, results_document
from .schema import CALENDAR, RETIREES, ROLE_CODES, ROSTER, RUBRIC
from .stages import (
    FOLDER_KIND,
    INPUTS_KIND,
    OUTPUTS_KIND,
    OVERSIGHT_KIND,
    POLICY_KIND,
    History,
    oversight_state,
    policy_changes,
    policy_state,
    run_stages,
)
from .validate import Context, match_id_case, run_checks
from .workspace import (
    Workspace,
    input_digest,
    load_inputs,
    month_files,
    unsafe_file_id,
)

if TYPE_CHECKING:
    from .publish.monthly import PublishInfo


@dataclass
class Validation:
    ctx: Context
    report: Report

    @property
    def ok(self) -> bool:
        return self.report.ok


def validate_month(root: Path, month: Month) -> Validation:
    """Stages read + validate for one month."""
    with no_cycle_collection():
        return _validate_month(root, month)


def _validate_month(root: Path, month: Month) -> Validation:
    v = read_month(root, month)
    v.report.extend(run_checks(v.ctx))  # validate
    if v.report.ok:  # the close's stages too, for what only they find (SPEC §11: all problems)
        v.report.extend(stage_problems(v.ctx, root))
    return v


def stage_problems(ctx: Context, root: Path) -> list:
    """The problems close-month's stages (visits, activities) would add — a 季度确认 row that
    matches nothing, an unknown 问题编号, a quarter judged on unknown months — without
    closing anything. Earlier months come from the ledger when there is one."""
    path = Workspace(root).ledger
    problems: list = []
    con = None
    if path.exists():
        try:
            con = ledger.connect_readonly(path)  # validate only looks: no migration, no lock
        except ledger.LedgerError as exc:  # the workbooks are still checked, against no history
            problems.append(problem("ledger-unreadable", Loc(file=path.name), detail=str(exc)))
    try:
        return problems + [p for so in run_stages(ctx, History(con)) for p in so.problems]
    except sqlite3.Error as exc:  # damaged past its header, or held by a close: checked again without it
        busy = "locked" in str(exc) or "busy" in str(exc)
        return [problem("ledger-unreadable", Loc(file=path.name), detail="正被另一个结账占用" if busy else "内容已损坏"),
                *(p for so in run_stages(ctx, History(None)) for p in so.problems)]
    finally:
        if con is not None:
            con.close()


def read_month(root: Path, month: Month, contents: dict[Path, bytes | OSError] | None = None,
               settings: tuple[Policy, list[Problem]] | None = None) -> Validation:
    """Stage read alone: the policy, the registers and the month's workbooks, and the
    problems found reading them (validation's checks not yet run). `contents`: the input
    files as the close's input digest read them: exactly those files are read, from those
    bytes (workspace.load_inputs). `settings`: jxbatch.toml as the close has read it already
    (load_policy's answer): the month is computed with the settings it records."""
    ws = Workspace(root)
    report = Report()
    policy, ps = settings if settings is not None else load_policy(root)
    report.extend(ps)
    import_before_forking()
    regs, ps, inputs, month_ps = load_inputs(ws, month, contents)  # read: registers and the month's workbooks
    report.extend(ps)
    report.extend(month_ps)
    ctx = Context(ws, month, policy, regs, inputs)
    report.extend(match_id_case(ctx))
    return Validation(ctx, report)


def import_before_forking() -> None:
    """Import here, once, the modules that forked helpers use (the readers, the checks, the
    writers): a module a forked child imports for itself is imported again in every child
    (issue 9: about 40 ms of CPU a close at 2,000 people, where pip's bytecode is missing)."""
    import importlib

    for name in ("jxbatch.visits", "jxbatch.activities", "jxbatch.targets", "jxbatch.publish.monthly",
                 "jxbatch.publish.visits", "jxbatch.publish.subsidies", "defusedxml.ElementTree"):
        importlib.import_module(name)
    with suppress(ImportError):  # optional: without it every workbook is read by openpyxl
        importlib.import_module("python_calamine")


# --- close-month -------------------------------------------------------------------------------

CLOSED, UNCHANGED, REFUSED, INVALID = "closed", "unchanged", "refused", "invalid"


@dataclass
class CloseOutcome:
    status: str  # closed | unchanged | refused | invalid
    out_dir: Path
    report: Report
    result: MonthResult | None = None
    document: dict | None = None
    files: list[Path] = field(default_factory=list)
    message: str = ""
    report_path: Path | None = None  # the validation report written (invalid): see write_report


def input_files(ws: Workspace, month: Month) -> list[Path]:
    """Every file whose bytes the month's result depends on (R-LG-1)."""
    regs = [ws.register_path(s) for s in (ROSTER, RETIREES, RUBRIC, CALENDAR)]
    return [p for p in regs if p.exists()] + month_files(ws, month)


def publish_date_for(cal: Calendar, month: Month) -> dt.date:
    """Default publication date: the first working day of the next month (deterministic, R-LG-4)."""
    days = cal.working_days(month.next())
    return days[0] if days else month.next().first


class WorkspaceBusy(Exception):
    """Fatal: another jxbatch process is closing in this workspace."""


@contextmanager
def workspace_lock(root: Path) -> Iterator[None]:
    """One close at a time per workspace. An exclusive SQLite lock on a small lock file: it
    works the same on Windows and Linux and the OS releases it if the process dies."""
    if not root.is_dir():
        from .issuing import WorkspaceError

        raise WorkspaceError(f"找不到工作区文件夹 {root}")
    path = root / ".jxbatch.lock"
    try:
        con = sqlite3.connect(path, timeout=0.2, isolation_level=None)
    except sqlite3.Error as exc:
        raise _lock_failed(root, exc) from exc
    try:
        try:
            con.execute("BEGIN EXCLUSIVE")
        except sqlite3.Error as exc:
            raise _lock_failed(root, exc) from exc
        try:
            yield
        finally:
            con.execute("ROLLBACK")
    finally:
        con.close()


def _lock_failed(root: Path, exc: sqlite3.Error) -> Exception:
    """Another jxbatch holds the lock — or no lock file can be made at all (a read-only
    folder or share), which is no reason to wait."""
    if "locked" in str(exc) or "busy" in str(exc):
        return WorkspaceBusy("工作区正被另一个 jxbatch 进程使用（可能正在结账），请稍后再试")
    from .issuing import WorkspaceError

    return WorkspaceError(f"无法在工作区 {root} 建立锁文件 .jxbatch.lock（文件夹只读或没有写入权限？）：{exc}")


def close_month(root: Path, month: Month, out: Path | None = None, publish_date: dt.date | None = None) -> CloseOutcome:
    """read → validate → compute → publish → ledger, for one month (SPEC §11, §12)."""
    with workspace_lock(root), no_cycle_collection():
        return _close_month(root, month, out, publish_date)


def _close_month(root: Path, month: Month, out: Path | None, publish_date: dt.date | None) -> CloseOutcome:
    ws = Workspace(root)
    out_root = out if out is not None else ws.out
    target = out_root / str(month)
    policy, policy_problems = load_policy(root)
    fingerprints: dict[str, str] = {}
    contents: dict[Path, bytes | OSError] = {}  # the files and bytes the digest read: parsed below (R-LG-1)
    digest = input_digest(input_files(ws, month), root, fingerprints, contents)

    # ledger first: a closed month is locked (R-LG-2)
    con = ledger.connect(ws.ledger)
    try:
        rec = ledger.current(con, str(month))
        if rec is not None:
            settled = not any(p.is_error for p in policy_problems)  # a settings file that loads
            if rec.input_digest == digest and settled and _same_settings(con, month, rec, policy):
                where = published_folder(rec, ws, month, con)
                if rec.publish_date is None and publish_date is not None:  # closed by an older version
                    return CloseOutcome(REFUSED, where, Report(),
                                        message=f"{month} 已于 {rec.closed_shown} 结账（当时未记录公示日期）；"
                                                f"如需改用 {publish_date}，请先运行 "
                                                f"{command_line(root, f'reopen {month} --reason 原因')}")
                if rec.publish_date is not None:  # another date is another publication (R-LG-4)
                    recorded = dt.date.fromisoformat(rec.publish_date)
                    if publish_date is not None and publish_date != recorded:
                        return CloseOutcome(REFUSED, where, Report(),
                                            message=f"{month} 已于 {rec.closed_shown} 结账，公示日期为 {recorded}；"
                                                    f"如需改用 {publish_date}，请先运行 "
                                                    f"{command_line(root, f'reopen {month} --reason 原因')}")
                    publish_date = recorded
                outcome = CloseOutcome(UNCHANGED, where, Report())
                published = ledger.visit_state(con, str(month), OUTPUTS_KIND) or {"results.json": {}}
                if all((where / name).exists() for name in published):
                    return outcome
                # outputs were removed by hand (any of those the close published): publish again
                # below from the same inputs, with the same publication date (R-LG-4: the same
                # bytes as before), where that close published them (whatever --out says now)
                target = where
                out_root = target.parent
                if not out_root.is_dir():  # a share not connected, a folder gone: not created anew
                    return CloseOutcome(REFUSED, where, Report(),
                                        message=f"{month} 已于 {rec.closed_shown} 结账，输出文件夹 {out_root} 不存在"
                                                f"（共享文件夹未连接？），缺失的输出文件未重新生成；连接后重新运行即可")
            elif rec.input_digest != digest and (held := [p for p, got in contents.items() if isinstance(got, OSError)]):
                # not a change of the inputs: they cannot be compared now
                names = "、".join(p.relative_to(root).as_posix() if p.is_relative_to(root) else p.name for p in held)
                return CloseOutcome(REFUSED, published_folder(rec, ws, month, con), Report(),
                                    message=f"{month} 已于 {rec.closed_shown} 结账；输入文件 {names} 现在无法读取"
                                            f"（正被其他程序占用，如在 Excel 中打开？），无法核对输入是否有变化。"
                                            f"请关闭后重新运行")
            elif rec.input_digest == digest and not settled:  # only the settings file is wrong: fix it
                return CloseOutcome(REFUSED, published_folder(rec, ws, month, con), Report(),
                                    message=f"{month} 已于 {rec.closed_shown} 结账（仍然有效），但设置文件 {POLICY_FILE} "
                                            f"现在有错误：请先改正（{command_line(root, f'validate {month}')} 可查看），"
                                            f"改正后重新运行即可，不需要 reopen")
            else:
                return CloseOutcome(REFUSED, published_folder(rec, ws, month, con), Report(),
                                    message=f"{month} 已于 {rec.closed_shown} 结账，"
                                            f"{_what_changed(con, month, rec, digest, policy, settled, fingerprints)}；"
                                            f"如需重新结账，请先运行 {command_line(root, f'reopen {month} --reason 原因')}")
        elif _published_without_record(con, out_root, target, month):
            return CloseOutcome(REFUSED, target, Report(), message=_unrecorded_message(ws, target, month))

        # read, then validate and compute side by side: the checks run in a second process
        # while this one computes (on input the checks reject, that computation is dropped)
        v = read_month(root, month, contents, (policy, policy_problems))
        contents.clear()
        ctx = v.ctx
        computed, failure = _check_and_compute(v, History(con))
        if not v.ok:
            where = report_folder(out_root, month, published=rec is not None)
            written = write_report(where / f"校验报告_{month}.xlsx",
                                   lambda p: write_validation_report(p, v.report, policy.center, str(month)))
            keep_until_exit(v, computed)
            return CloseOutcome(INVALID, where, v.report, message=_not_republished(rec, month), report_path=written)
        if failure is not None:
            raise failure
        assert computed is not None
        stage_outputs, result = computed
        report = Report(v.report.sorted())
        for so in stage_outputs:
            report.extend(so.problems)
        # closed before and reopened: the roster and the settings may have moved on since the
        # last close (publishing a closed month again, compared with the close before it, as
        # that close was: the same warnings, the same bytes)
        before = rec.id if rec is not None else None
        report.extend(roster_changes(month, ledger.last_close(con, str(month), OVERSIGHT_KIND, before),
                                      ctx.regs.roster, ctx.scope))
        report.extend(settings_changes(month, ledger.last_close(con, str(month), POLICY_KIND, before), policy))
        if not report.ok:
            where = report_folder(out_root, month, published=rec is not None)
            written = write_report(where / f"校验报告_{month}.xlsx",
                                   lambda p: write_validation_report(p, report, policy.center, str(month)))
            keep_until_exit(v, computed)
            return CloseOutcome(INVALID, where, report, message=_not_republished(rec, month), report_path=written)
        assert result is not None
        out_of_scope = tuple((p.staff_id, p.name) for p in ctx.regs.roster.people.values()
                             if p.staff_id not in ctx.scope and _recently_left(p, month))
        parts: dict[str, list] = {"visits": [], "subsidies": []}
        state: dict[str, dict[str, dict]] = {}
        for so in stage_outputs:
            for key, rows in so.results.items():
                parts.setdefault(key, []).extend(rows)
            state.update(so.ledger_state)
        state[OVERSIGHT_KIND] = oversight_state(ctx.regs.roster)
        state[POLICY_KIND] = policy_state(policy)
        state[INPUTS_KIND] = {name: {"crc32": crc} for name, crc in fingerprints.items()}
        state[OUTPUTS_KIND] = {name: {} for name in output_names(month, [w for so in stage_outputs for w in so.writers])}
        state[FOLDER_KIND] = {"folder": {"default": out_root.resolve() == ws.out.resolve()}}
        doc = results_document(result, month=str(month), center=policy.center, tool_version=__version__,
                               input_digest=digest, problems=report.sorted(), out_of_scope=out_of_scope,
                               visits=parts["visits"], subsidies=parts["subsidies"])

        # publish into a temporary folder, then move it into place with the ledger commit (R-LG-3)
        from .publish.monthly import PublishInfo

        info = PublishInfo(
            center=policy.center, month=str(month), issuing_office=policy.get("center", "issuing_office"),
            publish_date=publish_date or publish_date_for(ctx.regs.calendar, month),
            posting_days=int(policy.get("posting", "days")), base=policy.base,
            rate=policy.get("allowance", "rate"), out_of_scope=out_of_scope,
            duties=duties_by_person(ctx),
        )
        out_root.mkdir(parents=True, exist_ok=True)
        recover_outputs(out_root, con, month)
        tmp = Path(tempfile.mkdtemp(prefix=f".tmp-{month}-", dir=out_root))
        os.chmod(tmp, 0o755)  # mkdtemp's 0700 would keep the published folder from others on a share
        parked = out_root / f".old-{month}-{tmp.name[-8:]}"
        try:  # named in the ledger first: after a kill, recovery touches these and nothing else
            intent = ledger.begin_publishing(con, str(month), str(out_root.resolve()), tmp.name, parked.name)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        commit = _LedgerCommit(con)
        try:
            commit.begin()

            def record(doc_json: str) -> None:
                if ledger.current(con, str(month)) is None:
                    ledger.record_close(con, doc, policy_digest=policy.digest, out_dir=str(target.resolve()),
                                        visit_state=state, publish_date=info.publish_date.isoformat(),
                                        doc_json=doc_json)

            files = publish_all(tmp, month, result, info, report, doc, policy.center,
                                [w for so in stage_outputs for w in so.writers], meanwhile=record)
            if target.exists():  # notification lists (jxbatch notify) live beside the outputs
                files += renotify(ctx, policy, sorted(p.name for p in target.glob("通知名单_*.xlsx")), tmp)

            replace_folder(tmp, target, parked, commit.after_renames())
        except BaseException as exc:
            commit.roll_back(exc)
            raise
        finally:
            if tmp.exists():
                shutil.rmtree(tmp, ignore_errors=True)
            if not tmp.exists() and not parked.exists():  # else the next run finishes the recovery
                with suppress(sqlite3.Error):  # the close stands; a leftover intent is harmless
                    ledger.end_publishing(con, intent)
        keep_until_exit(v, computed, doc, state, parts, info)  # freed by the process's end, at once
        status = UNCHANGED if rec is not None else CLOSED
        return CloseOutcome(status, target, report, result, doc, [target / f.name for f in files])
    finally:
        con.close()


def renotify(ctx: Context, policy: Any, names: Sequence[str], folder: Path) -> list[Path]:
    """The notification lists `jxbatch notify` wrote into the month's output folder, written
    again into `folder` from the registers as the close reads them (R-AC-3): a list kept as it
    was could name someone a correction has since taken off (a withdrawn application, say). A
    list of an activity no longer on the month's register is not published again."""
    from .activities import month_activities
    from .compute.activities import notify_list
    from .publish.subsidies import write_notification

    acts = month_activities(ctx).activities
    limit = int(policy.get("activities", "b3_age_limit"))
    written = []
    for name in names:
        act = acts.get(name.removeprefix("通知名单_").removesuffix(".xlsx"))
        if act is None or (folder / name).exists() or unsafe_file_id(act.activity_id):
            continue
        people = notify_list(act.activity_class, act.date, ctx.regs.retirees.values(), age_limit=limit,
                             applications=ctx.regs.applications, events=ctx.regs.events)
        write_notification(folder / name, act, people, center=policy.center, age_limit=limit)
        written.append(folder / name)
    return written


def settings_changes(month: Month, previous: tuple[dict, dict[str, dict]] | None, policy: Any) -> list:
    """Re-closing a reopened month: the settings (jxbatch.toml) that differ from the month's
    last close — a cap or a survivor month changed for a later month would re-pay this one
    (warnings; closes before this version kept no settings: nothing to compare)."""
    if previous is None or not previous[1]:
        return []
    return [problem("policy-changed-since-close", Loc(file=POLICY_FILE), key, month=str(month), key=key,
                    before=before, after=after)
            for key, before, after in policy_changes(previous[1], policy)]


def published_folder(rec: Any, ws: Workspace, month: Month, con: sqlite3.Connection) -> Path:
    """Where a closed month's outputs are. A close into the workspace's own out/ keeps that
    fact (not only the absolute path, which a moved or copied workspace — a new PC, another
    drive — leaves behind): then this workspace's out/; a close into another folder (--out):
    that folder. Closed by an older version: the workspace's out/ when it holds the month's
    results.json or the recorded folder was a workspace's out/ that is gone; else as recorded."""
    kept = ledger.visit_state(con, str(month), FOLDER_KIND).get("folder")
    own = ws.out / str(month)
    if kept is not None:
        return own if kept.get("default") else Path(rec.out_dir)
    recorded = Path(rec.out_dir)
    if (own / "results.json").exists():
        return own
    if recorded.name == str(month) and recorded.parent.name == "out" and not recorded.parent.parent.exists():
        return own
    return recorded


def _same_settings(con: sqlite3.Connection, month: Month, rec: Any, policy: Any) -> bool:
    """The settings a closed month was closed with: the same file, or — the close kept its
    settings — the same values (a comment, the mail server or a number's spelling changed)."""
    if rec.policy_digest == policy.digest:
        return True
    kept = ledger.last_close(con, str(month), POLICY_KIND, rec.id + 1)
    return kept is not None and bool(kept[1]) and not policy_changes(kept[1], policy)


def _what_changed(con: sqlite3.Connection, month: Month, rec: Any, digest: str, policy: Any,
                  settled: bool = True, fingerprints: dict[str, str] | None = None) -> str:
    """For the refusal of a closed month: which input files, or which settings, changed (or
    the settings file no longer loads: `settled` False)."""
    said = []
    if rec.input_digest != digest:
        said.append("输入文件已变化" + _files_changed(con, month, rec, fingerprints or {}))
    if not settled:
        said.append(f"设置文件 {POLICY_FILE} 有错误（运行 jxbatch validate 查看）")
        return "，".join(said)
    if rec.policy_digest != policy.digest:
        kept = ledger.last_close(con, str(month), POLICY_KIND, rec.id + 1)  # the close itself
        if kept is None or not kept[1]:  # closed by an older version: only the file's digest
            said.append("设置文件 jxbatch.toml 已变化")
        elif changed := policy_changes(kept[1], policy):  # the same values are no change
            shown = "、".join(f"{k}（{b} → {a}）" for k, b, a in changed[:5])
            said.append(f"设置已变化：{shown}{' 等' if len(changed) > 5 else ''}")
    return "，".join(said) or "输入或设置已变化"


def _files_changed(con: sqlite3.Connection, month: Month, rec: Any, now: dict[str, str]) -> str:
    """"：data/2026-11/考核登记_2026-11.xlsx 有改动" — from the fingerprints the close kept (a
    close by an older version kept none: nothing more to say)."""
    kept = ledger.last_close(con, str(month), INPUTS_KIND, rec.id + 1)
    before = {name: e.get("crc32") for name, e in kept[1].items()} if kept is not None else {}
    if not before:
        return ""
    parts = []
    for label, names in (("有改动", [n for n in now if n in before and before[n] != now[n]]),
                         ("是新放入的", [n for n in now if n not in before]),
                         ("已被移走", [n for n in before if n not in now])):
        if names:
            shown = "、".join(sorted(names)[:5]) + (f" 等 {len(names)} 个" if len(names) > 5 else "")
            parts.append(f"{shown} {label}")
    return "：" + "；".join(parts) if parts else ""


def roster_changes(month: Month, previous: tuple[dict, dict[str, dict]] | None, roster: Any,
                   scope: dict) -> list:
    """Re-closing a reopened month: what the roster says differently from that month's last
    close — a department's supervising leader (R-ORG-3), a person's role or department. The
    分管 sheet and the roles carry no dates, so a change made for a later month would rewrite
    this month's chained deductions and ranks without a word (said as warnings)."""
    if previous is None:
        return []
    doc, kept = previous
    out = []

    def name(sid: str | None) -> str:
        return "无" if not sid else f"{roster.name_of(sid)}（{sid}）" if sid in roster.people else sid

    if kept:
        for d in sorted(set(kept) | set(roster.oversight)):
            before, after = (kept.get(d) or {}).get("leader"), roster.oversight.get(d)
            if before != after:
                out.append(problem("roster-changed-since-close", Loc(file=ROSTER.filename, sheet="分管"), d, month=str(month),
                                   what=f"{d}的分管领导", before=name(before), after=name(after)))
    zh = {code: label for label, code in ROLE_CODES.items()}
    for row in doc.get("people", []):
        person = scope.get(row.get("id"))
        if person is None:
            continue
        before = f"{zh.get(row.get('role'), row.get('role'))}、{row.get('department') or '无科室'}"
        after = f"{zh.get(person.role, person.role)}、{person.department or '无科室'}"
        if before != after:
            out.append(problem("roster-changed-since-close", Loc(file=ROSTER.filename, sheet="工作人员"), person.staff_id,
                               month=str(month), what=f"{person.name}（{person.staff_id}）的角色、科室",
                               before=before, after=after))
    return out


def _check_and_compute(v: Validation, history: History) -> tuple[tuple[Any, ...] | None, Exception | None]:
    """Validate and compute side by side: the checks run in a second process (their problems
    are added to `v.report`) while this one computes. The computation's result, or the
    exception it raised, counts only if the checks pass — on input they reject it is dropped.
    Nothing is computed when reading already found errors."""
    ctx = v.ctx
    checked = background(lambda: run_checks(ctx), size=len(ctx.scope)) if v.ok else None
    computed: tuple[Any, ...] | None = None
    failure: Exception | None = None
    try:
        if v.ok:
            try:
                computed = _compute(ctx, history)
            except Exception as exc:  # judged by the caller once the checks are in
                failure = exc
        v.report.extend(checked() if checked is not None else run_checks(ctx))
    except BaseException:  # interrupted: no checks left running
        if checked is not None:
            checked.cancel()
        raise
    return computed, failure


class _LedgerCommit:
    """The close's one ledger transaction (R-LG-3): begun before publishing, so that the
    inserts run while the writers work; committed by the guard of the folder renames, after
    both; rolled back on any failure before that."""

    def __init__(self, con: sqlite3.Connection) -> None:
        self._txn = ledger.transaction(con)
        self._open = False

    def begin(self) -> None:
        self._txn.__enter__()
        self._open = True

    @contextmanager
    def after_renames(self) -> Iterator[None]:
        self._open = False  # from here this guard commits, or rolls back what failed inside it
        try:
            yield
        except BaseException as exc:
            self._txn.__exit__(type(exc), exc, exc.__traceback__)
            raise
        self._txn.__exit__(None, None, None)

    def roll_back(self, exc: BaseException) -> None:
        if self._open:
            self._open = False
            self._txn.__exit__(type(exc), exc, exc.__traceback__)


def _compute(ctx: Context, history: History) -> tuple[list[Any], MonthResult | None]:
    """compute: the extra stages (visits, activities) first, their items feed the scores
    (no scores when a stage found an error: the month is not closed)."""
    stage_outputs = run_stages(ctx, history)
    if any(p.is_error for so in stage_outputs for p in so.problems):
        return stage_outputs, None
    data = month_data(ctx)
    data.extra_items = [i for so in stage_outputs for i in so.items]
    return stage_outputs, score_month(data)


VALIDATE_FOLDER = "_校验"


def _not_republished(rec: Any, month: Month) -> str:
    """The console's line when a closed month's missing outputs cannot be published again
    (the inputs as they are now fail the checks): it stays closed."""
    if rec is None:
        return ""
    return (f"{month.chinese()}已于 {rec.closed_shown} 结账（仍然有效），但缺失的输出文件无法按现在的输入重新生成："
            f"上面的问题需要先改正，或从备份恢复缺失的文件。")


def report_folder(out_root: Path, month: Month, published: bool = False) -> Path:
    """Where a validation report goes: the month's output folder, unless that folder holds a
    published set (a closed month, or a reopened one not yet re-closed; `published`: a closed
    month being published again, whatever is left of its folder) — published files are never
    touched outside a close (SPEC §12); then out/_校验/. Created by the writing (`write_report`)."""
    target = out_root / str(month)
    return out_root / VALIDATE_FOLDER if published or (target / "results.json").exists() else target


def _recently_left(person, month: Month) -> bool:
    """Out-of-scope people worth naming on the posted sheet (R-ORG-4): left within the last
    year, or on the roster already but joining in this month after its last working day (a
    Saturday the 30th) or later."""
    if person.start_date is not None and person.start_date >= month.first:
        return True
    return person.end_date is not None and person.end_date >= month.first - dt.timedelta(days=366)


def duties_by_person(ctx: Context) -> dict[str, list]:
    """Each person's duties: their own rows, else their department's (rows without 工号),
    else — for the director and leadership members, who have no department — the rows
    without 科室 and 工号 whose 岗位 is their role (所长, 班子成员)."""
    from .model import ROLE_CODES

    role_label = {code: label for label, code in ROLE_CODES.items()}
    by_person: dict[str, list] = {}
    by_department: dict[str, list] = {}
    by_post: dict[str, list] = {}
    for d in ctx.regs.duties:
        if d.staff_id:
            by_person.setdefault(d.staff_id, []).append(d)
        elif d.department:
            by_department.setdefault(d.department, []).append(d)
        else:
            by_post.setdefault(d.post, []).append(d)
    out: dict[str, list] = {}
    for sid, p in ctx.scope.items():
        own = by_person.get(sid, [])
        if not own and p.department:
            own = list(by_department.get(p.department, []))
        if not own and not p.department:
            own = list(by_post.get(role_label.get(p.role, ""), []))
        out[sid] = own
    return out


MONTH_OUTPUTS = ("考核明细_{}.xlsx", "考核排名公示_{}.xlsx", "津补贴增减通知_{}.xlsx", "校验报告_{}.xlsx")


def output_names(month: Month, stage_writers: Sequence[tuple[str, Any]]) -> list[str]:
    """The files a close publishes (publish_all), kept in the ledger: the already-closed no-op
    publishes again when any of them was removed by hand, not only results.json."""
    return [*(name.format(month) for name in MONTH_OUTPUTS), *(name for name, _ in stage_writers), "results.json"]


def publish_all(folder: Path, month: Month, result: MonthResult, info: PublishInfo, report: Report, doc: dict,
                center: str, stage_writers: Sequence[tuple[str, Callable[[Path, Any], None]]] = (),
                meanwhile: Callable[[str], Any] | None = None) -> list[Path]:
    """Write every output into `folder`; independent writers run side by side when it pays.
    This process writes results.json while they do, then calls `meanwhile(text)` (the ledger
    inserts) with the document's JSON text: encoded once for both."""
    from .parallel import run_all
    from .publish import monthly

    m = str(month)
    details, ranking, allowance, checked = MONTH_OUTPUTS
    jobs: list[tuple[Path, Callable[[Path], Any]]] = [
        (folder / details.format(m), lambda p: monthly.write_details(p, result, info)),
        (folder / ranking.format(m), lambda p: monthly.write_ranking(p, result, info)),
        (folder / allowance.format(m), lambda p: monthly.write_allowance(p, result, info)),
        (folder / checked.format(m), lambda p: write_validation_report(p, report, center, m)),
    ]
    # the stage workbooks (subsidies, visits) are the other big ones: start them early
    jobs[1:1] = [(folder / name, (lambda w: lambda p: w(p, result))(write)) for name, write in reversed(stage_writers)]
    results_json = folder / "results.json"

    def here() -> None:
        data = dumps(doc)
        results_json.write_bytes(data)
        if meanwhile is not None:
            meanwhile(data.decode("utf-8"))

    run_all([(lambda path=path, write=write: write(path)) for path, write in jobs], size=len(result.people),
            meanwhile=here)
    paths = [path for path, _ in jobs] + [results_json]
    missing = [path.name for path in paths if not path.exists()]
    if missing:
        raise OSError(f"输出文件未写成：{'、'.join(missing)}")
    return paths


def _published_without_record(con: sqlite3.Connection, out_root: Path, target: Path, month: Month) -> bool:
    """SPEC §12: a published month is locked by its ledger record. A month folder holding a
    published set (results.json) that the ledger knows nothing of — no close, not even a
    reopened one, and no unfinished publishing of this month to recover — means the ledger
    was deleted, emptied (a 0-byte file opens as a new ledger) or swapped for an older copy.
    Closing would replace the posted results without a trace: refused."""
    if not (target / "results.json").exists() or ledger.history(con, str(month)):
        return False
    if out_root.is_dir():
        pending = ledger.publishing(con, str(out_root.resolve()))
        if any(intent.month == str(month) for intent in pending):
            return False  # a first close killed before its commit: recover_outputs decides
    return True


def _unrecorded_message(ws: Workspace, target: Path, month: Month) -> str:
    return (f"{target / 'results.json'} 是已发布的 {month} 结果，但台账 {ws.ledger.name} 中没有这个月的结账记录"
            f"（台账被删除、清空或换成了旧的副本？）。为免覆盖已公示的结果，本次不结账：请从备份恢复 "
            f"{ws.ledger.name}；确需按现在的输入重新结账的，先把文件夹 {target} 移走（留作备查）再运行")


def _published_digest(folder: Path) -> str | None:
    try:
        return json.loads((folder / "results.json").read_text(encoding="utf-8"))["input_digest"]
    except (OSError, ValueError, KeyError, TypeError):
        return None


def recover_outputs(out_root: Path, con: sqlite3.Connection, month: Month | str | None = None) -> None:
    """Finish or undo what a killed close left (R-LG-3), so that the published folder and the
    ledger always agree: the ledger decides. Only the folders a close of this workspace named
    in its ledger before creating them (`ledger.publishing`) are touched — an output folder
    may be shared with other workspaces, whose months are none of this one's business — and
    the temporary folders of `month`, the month being closed now.

    - the temporary folder (`.tmp-*`): an unfinished output folder → removed.
    - the parked folder (`.old-YYYY-MM-*`): the earlier outputs, parked between the two
      renames. If the ledger committed the new close (its digest is the one in the month's
      results.json), the parked folder is removed; otherwise the new folder is removed and the
      parked one put back.
    - no parked folder, and a month folder whose results.json matches no close in the ledger
      (a first close killed after its rename, before its commit) → removed.
    """
    if not out_root.is_dir():
        return
    if month is not None:
        for p in out_root.glob(f".tmp-{month}-*"):
            shutil.rmtree(p, ignore_errors=True) if p.is_dir() else p.unlink(missing_ok=True)
    for intent in ledger.publishing(con, str(out_root.resolve())):
        target, tmp, parked = out_root / intent.month, out_root / intent.tmp, out_root / intent.parked
        if tmp.exists():
            shutil.rmtree(tmp)
        if parked.exists():
            rec = ledger.current(con, intent.month)
            committed = rec is not None and _published_digest(target) == rec.input_digest
            if target.exists() and committed:
                shutil.rmtree(parked)
            else:
                if target.exists():
                    shutil.rmtree(target)
                fsutil.replace(parked, target)
        elif target.is_dir():
            digest = _published_digest(target)
            if digest is not None and not any(h.input_digest == digest for h in ledger.history(con, intent.month)):
                shutil.rmtree(target)
        ledger.end_publishing(con, intent.id)


def later_closed_months(root: Path, month: Month) -> list[str]:
    """Closed months after `month`: they carried its visit state (pending must-visits,
    the quarter's contacts, concerns) as it was when they were closed (R-VI-2, R-VI-3)."""
    path = Workspace(root).ledger
    if not path.exists():
        return []
    con = ledger.connect(path)
    try:
        return [m for m in ledger.closed_months(con) if m > str(month)]
    finally:
        con.close()


def reopen_month(root: Path, month: Month, reason: str) -> ledger.CloseRecord | None:
    with workspace_lock(root):
        con = ledger.connect(Workspace(root).ledger)
        try:
            return ledger.reopen(con, str(month), reason)
        finally:
            con.close()
