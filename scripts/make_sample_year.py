"""Generate a workspace with a whole year of closed months, ready for ``jxbatch close-year``.

Usage::

    python scripts/make_sample_year.py DIR [--year 2026]
    jxbatch close-year 2026 -w DIR

DIR must not exist yet or be an empty folder (the script never writes into an existing
workspace, and never into the repository's sample_data/). It runs `init`, the sample
registers, `issue` / fill / `close-month` for each of the twelve months (see
``jxbatch/demo_year.py`` for what the year contains) and prints the time each month took.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from jxbatch.demo_year import generate_year  # noqa: E402


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description="生成一个十二个月均已结账的示例工作区（供 close-year 使用）")
    parser.add_argument("target", type=Path, help="新工作区文件夹（不存在或为空）")
    parser.add_argument("--year", type=int, default=2026)
    args = parser.parse_args(argv)
    target: Path = args.target
    if target.resolve() == (REPO / "sample_data").resolve():
        raise SystemExit("拒绝处理：请不要写入仓库的 sample_data/，另选一个文件夹")
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise SystemExit(f"拒绝处理：{target} 已存在且不是空文件夹")
    started = time.perf_counter()
    sample = generate_year(target, args.year, progress=print)
    elapsed = time.perf_counter() - started
    print(f"已生成 {args.year} 年示例工作区 {target}（十二个月均已结账，用时 {elapsed:.1f} 秒）")
    print(f"评先评优示例：{sample.star} 有一个月低于 95 分；{sample.joiner} 7 月入职，其联包对象未交民主评议")
    print(f"年总评：jxbatch close-year {args.year} -w {target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
