"""Channels never import storage: what they need goes through the conversation service."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.conftest import REPO


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def test_no_channel_module_imports_storage() -> None:
    modules = sorted((REPO / "bot" / "channels").rglob("*.py"))
    offenders = {
        str(path.relative_to(REPO)): sorted(m for m in _imports(path)
                                            if m == "storage" or m.startswith("storage."))
        for path in modules
    }
    assert modules and {path: names for path, names in offenders.items() if names} == {}
