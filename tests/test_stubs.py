"""The hand-written stubs of orbitwin._core name exactly what the build exports."""

from __future__ import annotations

import ast
from pathlib import Path

import orbitwin._core as core

STUB = Path(__file__).resolve().parents[1] / "python" / "orbitwin" / "_core.pyi"


def _stub_names() -> dict[str, set[str] | None]:
    tree = ast.parse(STUB.read_text())
    names: dict[str, set[str] | None] = {}
    for node in tree.body:
        if isinstance(node, ast.ClassDef):
            members = set()
            for item in node.body:
                if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef):
                    members.add(item.name)
                elif isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name):
                    members.add(item.target.id)
                elif isinstance(item, ast.Assign):
                    members.update(t.id for t in item.targets if isinstance(t, ast.Name))
            names[node.name] = {m for m in members if not m.startswith("_")}
        elif isinstance(node, ast.FunctionDef):
            names[node.name] = None
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names[node.target.id] = None
    return names


def _runtime_names() -> dict[str, set[str] | None]:
    out: dict[str, set[str] | None] = {}
    for name in dir(core):
        if name.startswith("_"):
            continue
        obj = getattr(core, name)
        if isinstance(obj, type) or type(obj).__name__ == "module":
            out[name] = {m for m in dir(obj) if not m.startswith("_")}
        else:
            out[name] = None
    return out


def test_stub_matches_the_build() -> None:
    stub, runtime = _stub_names(), _runtime_names()
    assert set(stub) == set(runtime), "top-level names differ between _core.pyi and _core"
    for name, members in runtime.items():
        assert stub[name] == members, f"members of {name} differ between _core.pyi and _core"
