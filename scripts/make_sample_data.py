"""Regenerate the repository's sample workspace ``sample_data/`` (the Changde center, 2026-11).

Usage::

    python scripts/make_sample_data.py [TARGET]      # TARGET defaults to <repo>/sample_data

The generator owns only ``jxbatch.toml`` and ``data/`` inside the target folder. The new
workspace is generated into a temporary folder first; only when that succeeded are the old
``jxbatch.toml`` and ``data/`` replaced. Nothing else in the target (``out/``,
``ledger.sqlite``, notes of your own) is touched.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from jxbatch.demo import generate_workspace  # noqa: E402
from jxbatch.policy import POLICY_FILE  # noqa: E402
from jxbatch.workspace import DATA, LEDGER  # noqa: E402

OWNED = (POLICY_FILE, DATA)  # the only entries of the target this script replaces


def replace_owned(fresh: Path, target: Path) -> None:
    """Swap the generator-owned entries of `target` for those of `fresh`."""
    for name in OWNED:
        old = target / name
        if old.is_symlink():
            raise SystemExit(f"拒绝处理：{old} 是符号链接，请手工检查后删除")
    for name in OWNED:
        old, new = target / name, fresh / name
        if old.is_dir():
            shutil.rmtree(old)
        elif old.exists():
            old.unlink()
        os.replace(new, old)


def main(argv: list[str]) -> int:
    target = Path(argv[0]) if argv else REPO / "sample_data"
    if target.is_symlink():
        raise SystemExit(f"拒绝处理：{target} 是符号链接")
    target.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    tmp = Path(tempfile.mkdtemp(prefix=".generating-", dir=target))
    try:
        fresh = tmp / "workspace"
        generate_workspace(fresh)
        replace_owned(fresh, target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    elapsed = time.perf_counter() - started
    files = sorted(p.relative_to(target).as_posix() for p in (target / DATA).rglob("*") if p.is_file())
    print(f"已生成示例工作区 {target}（{len(files)} 个工作簿，用时 {elapsed:.1f} 秒）")
    if (target / LEDGER).exists():
        print(f"注意：{target / LEDGER} 是旧的台账，若 2026-11 已结账，请先删除它或 reopen 后再结账。")
    print(f"校验：python -m jxbatch validate 2026-11 -w {target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
