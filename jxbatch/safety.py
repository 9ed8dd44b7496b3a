"""Start-up safety checks: openpyxl must parse XML through defusedxml (SPEC §14)."""

from __future__ import annotations


class UnsafeEnvironment(RuntimeError):
    """Fatal: the environment cannot read untrusted workbooks safely."""


def check_defusedxml() -> None:
    try:
        import defusedxml  # noqa: F401
        from openpyxl import xml as oxml
    except ImportError as exc:  # pragma: no cover - install problem
        raise UnsafeEnvironment(f"缺少依赖：{exc.name}，请重新安装 jxbatch") from exc
    if not getattr(oxml, "DEFUSEDXML", False):  # pragma: no cover - depends on install
        raise UnsafeEnvironment("openpyxl 没有使用 defusedxml 解析 XML，拒绝读取工作簿（请安装 defusedxml）")


check_defusedxml()
