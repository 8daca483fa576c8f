"""The package's import graph: no cycle, and the layers import only downwards."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.conftest import REPO

PACKAGE = REPO / "billify"
# What the pure domain never imports: frameworks, stores and cloud SDKs.
SDKS = frozenset({"boto3", "botocore", "fastapi", "starlette", "sqlite3", "aws_lambda_powertools"})


def modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        name = ".".join(path.relative_to(REPO).with_suffix("").parts)
        found[name.removesuffix(".__init__")] = path
    return found


def imports(path: Path, known: dict[str, Path]) -> set[str]:
    """The billify modules ``path`` imports, anywhere in it (lazy imports inside functions
    too), except under ``if TYPE_CHECKING``; external modules by their top-level name."""
    tree = ast.parse(path.read_text())
    typing_only = {
        id(child)
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
        for child in ast.walk(node)
    }
    names: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names |= {f"{node.module}.{alias.name}" for alias in node.names} | {node.module}
        elif isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
    return {_module_of(name, known) for name in names}


def _module_of(name: str, known: dict[str, Path]) -> str:
    if not name.startswith("billify"):
        return name.split(".")[0]
    while name not in known:
        name = name.rsplit(".", 1)[0]
    return name


def graph() -> dict[str, set[str]]:
    known = modules()
    return {name: imports(path, known) - {name} for name, path in known.items()}


def cycle_from(start: str, edges: dict[str, set[str]]) -> list[str] | None:
    path: list[str] = []
    done: set[str] = set()

    def visit(node: str) -> list[str] | None:
        if node in path:
            return [*path[path.index(node) :], node]
        if node in done or node not in edges:
            return None
        path.append(node)
        for target in sorted(edges[node]):
            if found := visit(target):
                return found
        path.pop()
        done.add(node)
        return None

    return visit(start)


def test_no_import_cycle() -> None:
    edges = graph()
    cycles = [c for name in sorted(edges) if (c := cycle_from(name, edges))]
    assert cycles == [], " -> ".join(cycles[0])


def test_the_domain_imports_no_adapter_entrypoint_or_sdk() -> None:
    for name, targets in graph().items():
        if not name.startswith("billify.domain"):
            continue
        forbidden = {
            t
            for t in targets
            if t.startswith(("billify.adapters", "billify.entrypoints", "billify.bootstrap"))
            or t
            in ("boto3", "botocore", "fastapi", "starlette", "sqlite3", "aws_lambda_powertools")
        }
        assert not forbidden, f"{name} imports {sorted(forbidden)}"


def test_adapters_import_no_entrypoint() -> None:
    for name, targets in graph().items():
        if name.startswith("billify.adapters"):
            assert not {t for t in targets if t.startswith("billify.entrypoints")}, name


def test_a_cycle_is_found_where_there_is_one() -> None:
    edges = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycle_from("d", edges) == ["a", "b", "c", "a"]
    assert cycle_from("a", {"a": {"b"}, "b": set()}) is None
