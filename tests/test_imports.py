"""No import cycles between the project's own modules (agent, tools, memory, bots, evals).

Read with ``ast`` from the source files, nothing imported. Only module-level imports count (those at
the top of a file, or under a module-level ``if``/``try``): they are what runs when a module is first
imported, so a cycle among them breaks or half-initialises a module depending on who imports first.
Imports inside functions are lazy by design here (heavy libraries, a backend chosen at run time) and
are not counted; neither are imports under ``if TYPE_CHECKING:``, which never run.
"""

from __future__ import annotations

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PACKAGES = ("agent", "tools", "memory", "bots", "evals")


def _modules() -> dict[str, Path]:
    """Dotted module name -> its file, for every module of the project's packages."""
    out = {}
    for package in PACKAGES:
        for path in sorted((REPO / package).rglob("*.py")):
            parts = path.relative_to(REPO).with_suffix("").parts
            out[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return out


def _top_level(body: list[ast.stmt]) -> list[ast.Import | ast.ImportFrom]:
    """The imports that run at import time: the body's, and those under its ``if``/``try`` blocks."""
    found: list[ast.Import | ast.ImportFrom] = []
    for node in body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            found.append(node)
        elif isinstance(node, ast.If):
            if not (isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING"):
                found += _top_level(node.body)
            found += _top_level(node.orelse)
        elif isinstance(node, ast.Try):
            found += _top_level(node.body + node.orelse + node.finalbody)
            for handler in node.handlers:
                found += _top_level(handler.body)
    return found


def _imported(name: str, path: Path, node: ast.Import | ast.ImportFrom, modules: dict[str, Path]) -> set[str]:
    """The project modules one import statement of module ``name`` (file ``path``) loads."""
    if isinstance(node, ast.Import):
        targets = [a.name for a in node.names]
    else:
        base = node.module or ""
        if node.level:  # relative: from the module's package, up level - 1
            package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
            base = ".".join(package[: len(package) - node.level + 1] + ([base] if base else []))
        # "from pkg import mod" loads pkg.mod; "from mod import name" loads mod
        targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base for a in node.names]
    out = set()
    for target in targets:
        while target and target not in modules:  # "import tools.catalog.x" -> the deepest project module
            target = target.rpartition(".")[0]
        if target and target != name:
            out.add(target)
    return out


def _import_graph() -> dict[str, set[str]]:
    modules = _modules()
    graph = {}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        graph[name] = set().union(*(_imported(name, path, n, modules) for n in _top_level(tree.body)))
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_the_graph_sees_the_project_imports():
    graph = _import_graph()
    assert len(graph) > 60 and all(name.split(".")[0] in PACKAGES for name in graph)
    assert "tools.catalog" in graph["tools.extract"] and "tools.extract" in graph["tools.extract_llm"]
    assert "tools.schema" in graph["tools.pipeline"]  # a module-level import
    assert "tools.retrieve" not in graph["tools.pipeline"]  # only under TYPE_CHECKING and inside functions


def test_a_cycle_is_found():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycles_between_project_modules():
    assert _cycles(_import_graph()) == []


def test_the_lower_layers_never_import_the_upper_ones():
    """tools/ and memory/ are libraries the agent, the bots and the evaluations use: no import of theirs,
    lazy ones inside functions included, reaches agent/, bots/ or evals/."""
    modules = _modules()
    wrong = []
    for name, path in modules.items():
        if name.split(".")[0] not in ("tools", "memory"):
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                for target in _imported(name, path, node, modules):
                    if target.split(".")[0] in ("agent", "bots", "evals"):
                        wrong.append(f"{name} imports {target} (line {node.lineno})")
    assert not wrong, wrong
