"""The policy file: every [policy] default of the SPEC, commented, round-trips exactly."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

from jxbatch.policy import default_policy, load_policy, policy_toml


def test_default_toml_parses_to_the_defaults(tmp_path: Path) -> None:
    (tmp_path / "jxbatch.toml").write_text(policy_toml(), encoding="utf-8")
    policy, problems = load_policy(tmp_path)
    assert problems == []
    assert policy.values == default_policy().values
    assert policy.get("scoring", "chain_points") == Decimal("0.5")  # R-CH-2
    assert policy.get("scoring", "leader_quota") == Decimal("2")  # R-CH-3
    assert policy.get("allowance", "rate") == Decimal("50")  # R-AL-1
    assert policy.get("activities", "b3_age_limit") == 70  # R-AC-2
    assert policy.get("visits", "must_visit_days") == 3  # R-VI-3
    assert [r["cap"] for r in policy.subsidy_rules if "cap" in r] == [Decimal("800")]  # R-SUB-2


def test_every_setting_is_commented_in_chinese() -> None:
    """Each setting line is preceded by its Chinese comment (subsidy rule tables excepted)."""
    lines = policy_toml().splitlines()
    in_rules = False
    settings = 0
    for i, line in enumerate(lines):
        if line.startswith("["):
            in_rules = line.startswith("[[")
        elif re.match(r"^[a-z0-9_]+ = ", line) and not in_rules:
            settings += 1
            assert lines[i - 1].startswith("# ") and re.search(r"[\u4e00-\u9fff]", lines[i - 1]), line
    assert settings == sum(len(v) for v in default_policy().values.values())


def test_changed_and_bad_values(tmp_path: Path) -> None:
    text = policy_toml().replace('chain_points = "0.5"', 'chain_points = "0.25"').replace(
        "days = 7", 'days = "seven"')
    (tmp_path / "jxbatch.toml").write_text(text, encoding="utf-8")
    policy, problems = load_policy(tmp_path)
    assert policy.get("scoring", "chain_points") == Decimal("0.25")
    assert policy.get("posting", "days") == 7  # bad value: default kept, problem reported
    assert [p.code for p in problems] == ["file-unreadable"]
    assert policy.digest != default_policy().digest


def test_broken_toml_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    (tmp_path / "jxbatch.toml").write_text("[scoring\nbase = ", encoding="utf-8")
    policy, problems = load_policy(tmp_path)
    assert [p.code for p in problems] == ["file-unreadable"] and policy.base == Decimal(100)


def test_out_of_range_and_unknown_settings_are_problems(tmp_path: Path) -> None:
    """Bad settings are problems with the default kept, never a traceback later."""
    text = (policy_toml().replace('survivor_amount = "100"', 'survivor_amount = "NaN"')
            .replace("decimals = 2", "decimals = 30").replace('top_share = "0.20"', 'top_share = "1.5"')
            .replace("[scoring]", "[scoring]\nbsae = '90'", 1))
    text += "\n[typo]\nx = 1\n"
    (tmp_path / "jxbatch.toml").write_text(text, encoding="utf-8")
    policy, problems = load_policy(tmp_path)
    assert sorted(p.code for p in problems) == ["file-unreadable"] * 3 + ["policy-unknown"] * 2
    assert policy.get("subsidies", "survivor_amount") == Decimal(100)
    assert policy.get("scoring", "decimals") == 2
    assert policy.get("annual", "top_share") == Decimal("0.20")
    (tmp_path / "jxbatch.toml").write_text('[subsidies]\nrules = "x"\n', encoding="utf-8")
    _, problems = load_policy(tmp_path)
    assert [p.code for p in problems] == ["file-unreadable"]


def test_settings_compare_by_value_and_rules_by_name(tmp_path: Path) -> None:
    """What a close keeps of its settings (stages.policy_state) compares numbers by value and
    subsidy rules by name: "50" and "50.00", 800 and "800.0", the two default rules in the
    other order — no change; a cap of 900 — one, named."""
    from jxbatch.stages import policy_changes, policy_state

    kept = policy_state(default_policy())
    (tmp_path / "jxbatch.toml").write_text(
        '[allowance]\nrate = "50.00"\n\n'
        '[[subsidies.rules]]\nname = "外省旅游未参加补助"\nclass = "B3"\nproject = "外省旅游"\nkind = "share"\n'
        'share = "0.50"\ncap = "800.0"\n\n'
        '[[subsidies.rules]]\nname = "钓鱼未参加补助"\nclass = "B3"\nproject = "钓鱼"\nkind = "fixed"\namount = "100"\n',
        encoding="utf-8")
    same, problems = load_policy(tmp_path)
    assert not [p for p in problems if p.is_error]
    assert [r["name"] for r in same.subsidy_rules] == ["外省旅游未参加补助", "钓鱼未参加补助"]
    assert policy_changes(kept, same) == []
    (tmp_path / "jxbatch.toml").write_text((tmp_path / "jxbatch.toml").read_text(encoding="utf-8")
                                           .replace('cap = "800.0"', 'cap = "900"'), encoding="utf-8")
    other, _ = load_policy(tmp_path)
    changed = policy_changes(kept, other)
    assert [k for k, _, _ in changed] == ["subsidies.rules.外省旅游未参加补助"]
    assert '"cap": "800"' in changed[0][1] and '"cap": "900"' in changed[0][2]


def test_a_list_setting_with_an_unknown_entry_is_a_problem(tmp_path: Path) -> None:
    """SPEC §14 (bad settings are problems): allowance.roles with 工作人 for 工作人员 (R-AL-1)
    would match nobody — staff would silently get no allowance adjustment — and a must-visit
    type 生病 (R-VI-3) would match no event. Each is an error naming the setting and the
    entries it does not know; the setting keeps its default. Known entries in another choice
    (no 科室负责人; 其他 as a must-visit type) are taken as written."""
    (tmp_path / "jxbatch.toml").write_text(
        '[allowance]\nroles = ["所长", "班子成员", "科室负责人", "工作人"]\n'
        '[visits]\nmust_visit_types = ["住院", "生病", 3]\n', encoding="utf-8")
    policy, problems = load_policy(tmp_path)
    assert [(p.code, p.is_error, p.value) for p in problems] == [
        ("file-unreadable", True, "工作人"), ("file-unreadable", True, "生病、3")]
    assert problems[0].message == (
        "无法读取文件：[allowance] roles 中的取值应为 所长、班子成员、科室负责人、工作人员 之一")
    assert "[visits] must_visit_types 中的取值应为 住院、家庭变故、生日、重大节日、遇到困难、思想波动、其他 之一" in problems[1].message
    assert policy.get("allowance", "roles") == default_policy().get("allowance", "roles")
    assert policy.get("visits", "must_visit_types") == default_policy().get("visits", "must_visit_types")
    (tmp_path / "jxbatch.toml").write_text(
        '[allowance]\nroles = ["所长", "班子成员", "工作人员"]\n[visits]\nmust_visit_types = ["住院", "其他"]\n',
        encoding="utf-8")
    policy, problems = load_policy(tmp_path)
    assert problems == []
    assert policy.get("allowance", "roles") == ["所长", "班子成员", "工作人员"]
    assert policy.get("visits", "must_visit_types") == ["住院", "其他"]


def test_a_whole_number_above_its_bound_is_told_the_bound(tmp_path: Path) -> None:
    """A whole-number setting above 1,000,000,000 is refused with a message saying so — not
    "应为不小于 0 的数", which the value already is."""
    (tmp_path / "jxbatch.toml").write_text("[visits]\nconcern_overdue_days = 1000000001\n", encoding="utf-8")
    _, problems = load_policy(tmp_path)
    assert [(p.code, p.value) for p in problems] == [("file-unreadable", "1000000001")]
    assert problems[0].message == "无法读取文件：[visits] concern_overdue_days 应为不小于 0、不大于 1000000000 的数"
