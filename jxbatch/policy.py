"""Workspace policy (`jxbatch.toml`): every [policy] setting of the SPEC, with its default.

The settings are declared once in :data:`SETTINGS` (section, key, default, Chinese comment).
`jxbatch init` writes them as a commented TOML file; :func:`load_policy` reads it back, fills
defaults for anything missing and reports bad values as problems. Decimal settings are kept
as strings in the file so that no float ever touches a score or a yuan.
"""

from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from .problems import Loc, Problem, problem
from .schema import EVENT_TYPES, ROLES

POLICY_FILE = "jxbatch.toml"


@dataclass(frozen=True)
class Setting:
    section: str
    key: str
    default: Any
    comment: str
    kind: str = "auto"  # "decimal" keeps the value as a Decimal


SETTINGS: tuple[Setting, ...] = (
    Setting("center", "name", "常德市军休所", "单位名称（出现在所有公示表和通知的标题中）"),
    Setting("center", "issuing_office", "精细化考核办公室", "津补贴增减通知的发文单位"),
    Setting("scoring", "base", "100", "R-SC-1 每人每月基础分", "decimal"),
    Setting("scoring", "decimals", 2, "公示分数保留的小数位数（四舍五入）"),
    Setting("scoring", "chain_points", "0.5", "R-CH-2 所长/考核办对科室人员每扣 1 分，分管班子成员联带扣分", "decimal"),
    Setting("scoring", "auto_items_chain", True, "R-CH-2 自动规则扣分是否视为考核办扣分（参与联带）"),
    Setting("scoring", "leader_quota", "2", "R-CH-3 分管班子成员每月必须完成的扣分指标（分）", "decimal"),
    Setting("allowance", "rate", "50", "R-AL-1 每分对应的津补贴金额（元）", "decimal"),
    Setting("allowance", "roles", list(ROLES), "R-AL-1 参加津补贴增减的角色"),
    Setting("posting", "days", 7, "排名公示期（天）"),
    Setting("visits", "regular_min", 1, "R-VI-1 每名联包对象每月至少联系次数"),
    Setting("visits", "home_min_per_quarter", 1, "R-VI-2 每季度至少上门（或医院探望）次数"),
    Setting("visits", "must_visit_types", [t for t in EVENT_TYPES if t != "其他"], "R-VI-3 六必访事件类型"),
    Setting("visits", "must_visit_days", 3, "R-VI-3 必访期限：事件开始日起若干天内（含）"),
    Setting("visits", "birthday_events", True, "R-VI-3 是否按出生日期自动生成生日必访事件"),
    Setting("visits", "concern_overdue_days", 30, "R-VI-4 反映问题超过若干天未解决列为逾期"),
    Setting("activities", "b3_age_limit", 70, "R-AC-2 B3 分散活动年龄上限（周岁，不含）"),
    Setting("subsidies", "survivor_amount", "100", "R-SUB-3 遗属每年补助（元）", "decimal"),
    Setting("subsidies", "survivor_month", 12, "R-SUB-3 遗属补助随哪个月发放"),
    Setting("annual", "evaluation_weight", "0", "R-YR-3 民主评议满意率计入年度得分的权重（0 为只展示）", "decimal"),
    Setting("annual", "top_share", "0.20", "R-YR-5 评先评优名单比例", "decimal"),
    Setting("annual", "top_share_rounding", "down",
            "R-YR-5 名额（人数 × 比例）的取整：down 向下取整（不超过比例）/ half_up 四舍五入；至少 1 人"),
    Setting("annual", "floor", "95", "R-YR-5 入选者任何月份得分不得低于", "decimal"),
    Setting("annual", "target_deduction_to", "all", "R-YR-4 年度目标未完成扣分对象：all 全科室 / head 仅科室负责人"),
    Setting("mail", "host", "", "发送个人工作簿的 SMTP 服务器（密码只放在环境变量 JXBATCH_SMTP_PASSWORD）"),
    Setting("mail", "port", 465, "SMTP 端口号"),
    Setting("mail", "security", "ssl", "加密方式：none 不加密 / ssl / starttls"),
    Setting("mail", "user", "", "SMTP 用户名"),
    Setting("mail", "sender", "", "发件人地址"),
    Setting("mail", "deadline_day", 3, "个人工作簿交回期限：次月几日（逢休息日顺延到下一个工作日）"),
)

# R-SUB-1/2/4: subsidy rules are a list so a center can add one without code.
DEFAULT_SUBSIDY_RULES: tuple[dict[str, Any], ...] = (
    {"name": "钓鱼未参加补助", "class": "B3", "project": "钓鱼", "kind": "fixed", "amount": "100"},
    {"name": "外省旅游未参加补助", "class": "B3", "project": "外省旅游", "kind": "share",
     "share": "0.5", "cap": "800"},
)


@dataclass(frozen=True)
class Policy:
    values: dict[str, dict[str, Any]]
    subsidy_rules: tuple[dict[str, Any], ...]
    digest: str

    def get(self, section: str, key: str) -> Any:
        return self.values[section][key]

    # convenient typed accessors for the most used settings
    @property
    def center(self) -> str:
        return self.values["center"]["name"]

    @property
    def base(self) -> Decimal:
        return self.values["scoring"]["base"]


def _setting_map() -> dict[tuple[str, str], Setting]:
    return {(s.section, s.key): s for s in SETTINGS}


def default_policy() -> Policy:
    values: dict[str, dict[str, Any]] = {}
    for s in SETTINGS:
        values.setdefault(s.section, {})[s.key] = Decimal(s.default) if s.kind == "decimal" else s.default
    rules = tuple(_rule_decimals(r) for r in DEFAULT_SUBSIDY_RULES)
    return Policy(values, rules, hashlib.sha256(policy_toml().encode()).hexdigest())


def _rule_decimals(rule: dict[str, Any]) -> dict[str, Any]:
    out = dict(rule)
    for k in ("amount", "share", "cap"):
        if k in out:
            out[k] = Decimal(str(out[k]))
    return out


def _toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, list | tuple):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    return '"' + str(v).replace("\\", "\\\\").replace('"', '\\"') + '"'


def policy_toml() -> str:
    """The commented default policy file written by `jxbatch init`."""
    lines = [
        "# jxbatch 工作区设置（政策参数）",
        "# 每一项都有默认值；修改后重新运行即可生效。已结账月份不受影响（需先 reopen）。",
        "# 小数请写在引号中（如 \"0.5\"），避免浮点误差。",
        "",
    ]
    section = None
    for s in SETTINGS:
        if s.section != section:
            if section is not None:
                lines.append("")
            lines.append(f"[{s.section}]")
            section = s.section
        lines.append(f"# {s.comment}")
        lines.append(f"{s.key} = {_toml_value(s.default)}")
    lines.append("")
    lines.append("# R-SUB-1/2/4 活动补助规则：class 活动类别，project 项目，kind fixed 定额 / share 按人均费用比例；")
    lines.append("# 补助对象为活动当天在册、未参加该活动的军休干部。")
    for r in DEFAULT_SUBSIDY_RULES:
        lines.append("[[subsidies.rules]]")
        for k, v in r.items():
            lines.append(f"{k} = {_toml_value(v)}")
        lines.append("")
    return "\n".join(lines)


# Ranges beyond "a finite number from 0 to _MAX" (SPEC: bad settings are problems, never tracebacks).
_MAX = 10**9
_RANGES: dict[tuple[str, str], tuple[Decimal, Decimal]] = {
    ("scoring", "decimals"): (Decimal(0), Decimal(6)),
    ("scoring", "base"): (Decimal(1), Decimal(1000)),
    ("annual", "evaluation_weight"): (Decimal(0), Decimal(1)),
    ("annual", "top_share"): (Decimal("0.0001"), Decimal(1)),
    ("annual", "floor"): (Decimal(0), Decimal(1000)),
    ("subsidies", "survivor_month"): (Decimal(1), Decimal(12)),
    ("mail", "deadline_day"): (Decimal(1), Decimal(28)),
    ("mail", "port"): (Decimal(1), Decimal(65535)),
}


# List settings: every entry one of these (a misspelt role or event type would otherwise match
# nobody and change the allowance or the must-visits without a word, SPEC §14)
_ENTRIES: dict[tuple[str, str], tuple[str, ...]] = {
    ("allowance", "roles"): tuple(ROLES),
    ("visits", "must_visit_types"): tuple(EVENT_TYPES),
}


def _bad_entries(s: Setting, v: list) -> list:
    allowed = _ENTRIES.get((s.section, s.key))
    if allowed is None:
        return []
    return [e for e in v if not isinstance(e, str) or e not in allowed]


def _in_range(s: Setting, d: Decimal) -> bool:
    lo, hi = _RANGES.get((s.section, s.key), (Decimal(0), Decimal(_MAX)))
    return lo <= d <= hi


def _hint(s: Setting) -> str:
    lo, hi = _RANGES.get((s.section, s.key), (Decimal(0), None))
    return f" {lo} 到 {hi} 之间的数" if hi is not None else f"不小于 0、不大于 {_MAX} 的数"


def load_policy(workspace: Path) -> tuple[Policy, list[Problem]]:
    """Read `jxbatch.toml`; missing settings take their defaults, bad ones are problems."""
    path = workspace / POLICY_FILE
    base = default_policy()
    if not path.exists():
        return base, []
    loc = Loc(file=POLICY_FILE)
    raw_bytes = path.read_bytes()
    try:
        data = tomllib.loads(raw_bytes.decode("utf-8-sig"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        return base, [problem("file-unreadable", loc, detail=f"设置文件格式错误：{exc}")]
    problems: list[Problem] = []
    values = {sec: dict(v) for sec, v in base.values.items()}
    smap = _setting_map()
    sections = {s.section for s in SETTINGS}
    for section, table in data.items():
        if not isinstance(table, dict) or section not in sections:
            problems.append(problem("policy-unknown", loc, section, detail=f"[{section}]"))
            continue
        for key, v in table.items():
            if section == "subsidies" and key == "rules":
                continue
            s = smap.get((section, key))
            if s is None:
                problems.append(problem("policy-unknown", loc, key, detail=f"[{section}] {key}"))
                continue
            if s.kind == "decimal":
                try:
                    d = Decimal(str(v))
                except InvalidOperation:
                    d = None
                if d is None or not d.is_finite() or d < 0 or not _in_range(s, d):
                    problems.append(problem("file-unreadable", loc, v, detail=f"[{section}] {key} 应为{_hint(s)}"))
                else:
                    values[section][key] = d
            elif type(v) is not type(s.default) and not (isinstance(s.default, list) and isinstance(v, list)):
                problems.append(problem("file-unreadable", loc, v, detail=f"[{section}] {key} 的类型不对"))
            elif isinstance(v, int) and not isinstance(v, bool) and (v < 0 or not _in_range(s, Decimal(v))):
                problems.append(problem("file-unreadable", loc, v, detail=f"[{section}] {key} 应为{_hint(s)}"))
            elif isinstance(v, list) and (bad := _bad_entries(s, v)):
                allowed = "、".join(_ENTRIES[(section, key)])
                problems.append(problem("file-unreadable", loc, "、".join(map(str, bad)),
                                        detail=f"[{section}] {key} 中的取值应为 {allowed} 之一"))
            else:
                values[section][key] = v
    rules = base.subsidy_rules
    sub = data.get("subsidies", {})
    if isinstance(sub, dict) and "rules" in sub:
        try:
            rules = tuple(_rule_decimals(r) for r in sub["rules"])
        except (InvalidOperation, TypeError, AttributeError, ValueError):
            problems.append(problem("file-unreadable", loc, detail="[[subsidies.rules]] 格式错误"))
    return Policy(values, rules, hashlib.sha256(raw_bytes).hexdigest()), problems
