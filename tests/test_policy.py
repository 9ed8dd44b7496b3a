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
