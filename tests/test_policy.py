"""The policy file: every [policy] default of the SPEC, commented, round-trips exactly."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest

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


@pytest.mark.parametrize(("section", "key", "text", "kept"), [
    ("scoring", "decimals", "6", 6),
    ("scoring", "base", '"1"', Decimal(1)),
    ("annual", "evaluation_weight", '"1"', Decimal(1)),
    ("annual", "top_share", '"0.0001"', Decimal("0.0001")),
    ("subsidies", "survivor_month", "1", 1),
    ("mail", "deadline_day", "28", 28),
    ("mail", "port", "65535", 65535),
    ("mail", "port", "1", 1),
    ("allowance", "rate", '"1500"', Decimal(1500)),
    ("visits", "concern_overdue_days", "1000000000", 1000000000),
])
def test_settings_at_the_ends_of_their_ranges_are_taken(tmp_path: Path, section: str, key: str, text: str,
                                                          kept: object) -> None:
    """A setting exactly at an end of its range is a valid setting: taken, no problem. A
    money rate of 1500 yuan per point is unusual, not absurd (only 0..10^9 bounds it)."""
    (tmp_path / "jxbatch.toml").write_text(f"[{section}]\n{key} = {text}\n", encoding="utf-8")
    policy, problems = load_policy(tmp_path)
    assert problems == []
    assert policy.get(section, key) == kept


@pytest.mark.parametrize(("section", "key", "text", "detail"), [
    ("scoring", "decimals", "7", "[scoring] decimals 应为 0 到 6 之间的数"),
    ("scoring", "base", '"0"', "[scoring] base 应为 1 到 1000 之间的数"),
    ("annual", "evaluation_weight", '"1.01"', "[annual] evaluation_weight 应为 0 到 1 之间的数"),
    ("annual", "top_share", '"0"', "[annual] top_share 应为 0.0001 到 1 之间的数"),
    ("subsidies", "survivor_month", "13", "[subsidies] survivor_month 应为 1 到 12 之间的数"),
    ("subsidies", "survivor_month", "0", "[subsidies] survivor_month 应为 1 到 12 之间的数"),
    ("mail", "deadline_day", "29", "[mail] deadline_day 应为 1 到 28 之间的数"),
    ("mail", "port", "0", "[mail] port 应为 1 到 65535 之间的数"),
    ("mail", "port", "65536", "[mail] port 应为 1 到 65535 之间的数"),
    ("visits", "concern_overdue_days", "1000000001", "[visits] concern_overdue_days 应为不小于 0、不大于 1000000000 的数"),
])
def test_settings_just_outside_their_ranges_are_problems(tmp_path: Path, section: str, key: str, text: str,
                                                          detail: str) -> None:
    """One step beyond an end of its range, a setting is an error naming the setting and its
    range (the value as written is the problem's value) and the default is kept — never a
    month with 0 as base, a 13th month or a 29th-day deadline some months lack; beyond the
    general bound of 10^9 the message says that bound."""
    (tmp_path / "jxbatch.toml").write_text(f"[{section}]\n{key} = {text}\n", encoding="utf-8")
    policy, problems = load_policy(tmp_path)
    assert [(p.code, p.loc.file, p.value) for p in problems] == [("file-unreadable", "jxbatch.toml", text.strip('"'))]
    assert problems[0].message == f"无法读取文件：{detail}"
    assert policy.get(section, key) == default_policy().get(section, key)


def test_policy_file_saved_with_a_byte_order_mark_is_read(tmp_path: Path) -> None:
    """Windows Notepad saves "UTF-8" with a byte-order mark; the file still reads, settings
    and all, with no problem."""
    text = policy_toml().replace('chain_points = "0.5"', 'chain_points = "0.25"')
    (tmp_path / "jxbatch.toml").write_text(text, encoding="utf-8-sig")
    assert (tmp_path / "jxbatch.toml").read_bytes()[:3] == b"\xef\xbb\xbf"
    policy, problems = load_policy(tmp_path)
    assert problems == []
    assert policy.get("scoring", "chain_points") == Decimal("0.25")


def test_policy_file_not_in_utf8_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    """A policy file saved in GBK (an old Chinese editor's default) cannot be decoded: one
    file-unreadable error for jxbatch.toml and every setting at its default (SPEC §14)."""
    (tmp_path / "jxbatch.toml").write_bytes('[center]\nname = "某市军休所"\n'.encode("gbk"))
    policy, problems = load_policy(tmp_path)
    assert [(p.code, p.loc.file) for p in problems] == [("file-unreadable", "jxbatch.toml")]
    assert problems[0].message.startswith("无法读取文件：设置文件格式错误：")
    assert policy.values == default_policy().values


def test_section_name_used_as_a_plain_setting_is_unknown(tmp_path: Path) -> None:
    """`scoring = 1` above every table is not the [scoring] table: a warning naming it, and
    the scoring settings keep their defaults — no crash on a value that is not a table."""
    (tmp_path / "jxbatch.toml").write_text('scoring = 1\n\n[allowance]\nrate = "40"\n', encoding="utf-8")
    policy, problems = load_policy(tmp_path)
    assert [(p.code, p.value, p.message) for p in problems] == [
        ("policy-unknown", "scoring", "设置文件中有不认识的设置 [scoring]（拼写错误？），已忽略")]
    assert policy.base == Decimal(100) and policy.get("allowance", "rate") == Decimal(40)


def test_unknown_setting_is_named_with_its_section(tmp_path: Path) -> None:
    """A misspelt key is a warning that names the table and the key as written, so the
    clerk can find the line."""
    (tmp_path / "jxbatch.toml").write_text("[posting]\ndayz = 5\n", encoding="utf-8")
    policy, problems = load_policy(tmp_path)
    assert [(p.code, p.loc.file, p.value, p.message) for p in problems] == [
        ("policy-unknown", "jxbatch.toml", "dayz", "设置文件中有不认识的设置 [posting] dayz（拼写错误？），已忽略")]
    assert policy.get("posting", "days") == 7


def test_true_is_not_a_number_of_years(tmp_path: Path) -> None:
    """TOML `true` for a whole-number setting (the B3 age limit, R-AC-2) is the wrong type,
    even though Python counts a bool as an int: an error, and 70 kept."""
    (tmp_path / "jxbatch.toml").write_text("[activities]\nb3_age_limit = true\n", encoding="utf-8")
    policy, problems = load_policy(tmp_path)
    assert [(p.code, p.value, p.message) for p in problems] == [
        ("file-unreadable", "TRUE", "无法读取文件：[activities] b3_age_limit 的类型不对")]
    assert policy.get("activities", "b3_age_limit") == 70


@pytest.mark.parametrize("rules", ["5", "[1]", '["x"]', '[{amount = "abc"}]'])
def test_subsidy_rules_that_are_not_tables_are_a_problem(tmp_path: Path, rules: str) -> None:
    """R-SUB-4: `rules` must be a list of tables with numeric amounts; a number, a list of
    numbers or strings, or an amount that is no number is one error and the default rules
    stay — never a traceback."""
    (tmp_path / "jxbatch.toml").write_text(f"[subsidies]\nrules = {rules}\n", encoding="utf-8")
    policy, problems = load_policy(tmp_path)
    assert [(p.code, p.message) for p in problems] == [("file-unreadable", "无法读取文件：[[subsidies.rules]] 格式错误")]
    assert policy.subsidy_rules == default_policy().subsidy_rules
