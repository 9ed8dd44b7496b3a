"""Safety checks: openpyxl must parse XML through defusedxml (SPEC §14).

Run before openpyxl first reads a workbook (reader, templates). The fast reader does not use
openpyxl; its own XML parsing goes through defusedxml directly, which must be installed."""

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


def check_installed() -> None:
    try:
        import defusedxml  # noqa: F401
    except ImportError as exc:  # pragma: no cover - install problem
        raise UnsafeEnvironment(f"缺少依赖：{exc.name}，请重新安装 jxbatch") from exc


check_installed()  # cheap; importing openpyxl (for check_defusedxml) waits until it is needed
