"""A small generated year through the real pipeline, then close-year (R-YR-1..5 end to end).

`jxbatch.demo_year.generate_year` issues, fills and closes twelve months (the full-size sample of
`scripts/make_sample_year.py` takes about a minute; a 6-person center keeps this test short).
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import jsonschema

from jxbatch.annual import CLOSED, close_year
from jxbatch.demo_year import generate_year

SCHEMA = json.loads((Path(__file__).resolve().parents[1] / "jxbatch" / "schemas" / "annual.schema.json")
                    .read_text(encoding="utf-8"))


def test_generated_year_closes_and_reviews(tmp_path: Path) -> None:
    root = tmp_path / "示例 年度"
    sample = generate_year(root, 2026, people=6, retirees=6)
    assert sorted(sample.seconds) == [f"2026-{m:02d}" for m in range(1, 13)]
    out = close_year(root, 2026)
    assert out.status == CLOSED, [p.line() for p in out.report.errors]
    # each quarter's confirmation forms come back once (April, July, October): no month says
    # a row matches no open form
    unmatched = {m: sum(p["code"] == "confirmation-unmatched" for p in json.loads(
        (root / "out" / f"2026-{m:02d}" / "results.json").read_text(encoding="utf-8"))["problems"])
        for m in range(1, 13)}
    assert unmatched == dict.fromkeys(range(1, 13), 0)
    doc = json.loads((root / "out" / "2026" / "results.json").read_text(encoding="utf-8"))
    jsonschema.validate(doc, SCHEMA)
    people = {p["id"]: p for p in doc["people"]}
    joiner, former, star = people[sample.joiner], people[sample.former], people[sample.star]
    assert joiner["months_scored"] == 6 and joiner["monthly"][:6] == [None] * 6  # joined in July (R-YR-2)
    assert joiner["evaluation"] is None or joiner["evaluation"]["rate"] is None  # 无评价 (R-YR-3)
    assert former["months_scored"] == 6 and former["monthly"][6:] == [None] * 6  # left in June
    assert any(r == {"reason": "below_floor", "month": "2026-04", "score": star["monthly"][3]}
               for r in star["award"]["reasons"])  # the bad April (R-YR-5)
    assert not star["award"]["listed"]
    assert doc["award"]["listed"] and all(Decimal(people[e["id"]]["lowest"]["score"]) >= Decimal("95.00")
                                          for e in doc["award"]["listed"])
    # the December register marked T02 (服务管理科) 未完成: its members lost its 2 points in December (R-YR-4)
    service = [p for p in doc["people"] if p["department"] == "服务管理科" and p["monthly"][11] is not None]
    assert service
    december = json.loads((root / "out" / "2026-12" / "results.json").read_text(encoding="utf-8"))
    t02 = [i for i in december["items"] if i["source"] == "register" and "T02" in i["reason"]]
    assert {i["person"] for i in t02} == {p["id"] for p in service if p["table"] == "individual"}
    assert all(i["points"] == "-2.00" and i["origin"].endswith("目标完成!B4") for i in t02)
    chained = [i for i in december["items"] if i["source"] == "chained" and "T02" in i["reason"]]
    assert len(chained) == len(t02) and all(i["points"] == "-1.00" for i in chained)  # R-CH-2
