"""The package's layers (``docs/architecture.md``): every import in spc/ points down, never up,
and no modules import each other in a circle.

Every import is read with ``ast``: module-level ones, those inside functions and
``TYPE_CHECKING`` blocks, and ``importlib.import_module``/``__import__`` calls with a literal
name. The layer table is read from ``docs/architecture.md``, its one source. The only imports
allowed to point up are lazy ones inside a result's own ``plot``, ``describe`` and ``_repr_*_``
methods (``res.plot()`` draws with the plotting layer); they are also left out of the search
for cycles.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "spc"
ARCHITECTURE = REPO / "docs" / "architecture.md"
MAX_LINES = 600
#: Methods whose lazy imports may point up a layer (a result drawing or describing itself).
UPWARD_METHODS = re.compile(r"^(plot|describe|_repr_\w+_)$")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py")) if "_bundled" not in p.parts}


def layer_table() -> dict[str, int]:
    """``{module or package: layer}`` from the rows of the table under "## Layers"."""
    text = ARCHITECTURE.read_text(encoding="utf-8")
    section = text.split("## Layers", 1)[1].split("\n## ", 1)[0]
    table: dict[str, int] = {}
    for row in re.finditer(r"^\|\s*(\d+)\s*\|([^|]*)\|", section, flags=re.M):
        for name in re.findall(r"`(spc(?:\.\w+)*)`", row.group(2)):
            table[name] = int(row.group(1))
    return table


LAYERS = layer_table()


def layer_of(module: str) -> int | None:
    """The layer of the longest table entry that is ``module`` or a package holding it; the
    root ``spc`` entry (the public API) covers only ``spc/__init__.py`` itself."""
    best = None
    for name, layer in LAYERS.items():
        exact = module == name
        inside = name != "spc" and module.startswith(name + ".")
        if (exact or inside) and (best is None or len(name) > len(best[0])):
            best = (name, layer)
    return None if best is None else best[1]


@dataclass(frozen=True)
class Import:
    source: str
    target: str
    line: int
    allowed_up: bool  # inside a result's own plot/describe/_repr_*_ method


def _resolve(name: str) -> str | None:
    """The spc module an imported name refers to (a module, or the module defining a name)."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def _names(node: ast.AST, module: str) -> list[str]:
    """The dotted names an import statement (or an ``import_module``/``__import__`` call with a
    literal name) brings in."""
    if isinstance(node, ast.Import):
        return [a.name for a in node.names]
    if isinstance(node, ast.ImportFrom):
        assert node.level == 0, f"{module}: use absolute imports (line {node.lineno})"
        return [f"{node.module}.{a.name}" for a in node.names]
    if isinstance(node, ast.Call):
        func = node.func
        called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        first = node.args[0] if node.args else None
        if called in ("import_module", "__import__") and isinstance(first, ast.Constant):
            return [str(first.value)]
    return []


def imports_of(module: str, path: Path) -> Iterator[Import]:
    """Every import of an spc module in ``path``, wherever it is in the file."""

    def walk(node: ast.AST, allowed: bool, in_class: bool) -> Iterator[Import]:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                own = in_class and UPWARD_METHODS.match(child.name) is not None
                yield from walk(child, allowed or own, in_class=False)
                continue
            for name in _names(child, module):
                target = _resolve(name) if name.split(".")[0] == "spc" else None
                if target is not None and target != module:
                    yield Import(module, target, child.lineno, allowed)
            yield from walk(child, allowed, in_class=isinstance(child, ast.ClassDef))

    yield from walk(ast.parse(path.read_text(encoding="utf-8")), False, in_class=False)


IMPORTS = [imp for module, path in MODULES.items() for imp in imports_of(module, path)]


def test_the_layer_table_covers_every_module() -> None:
    assert LAYERS, f"no layer table under '## Layers' in {ARCHITECTURE}"
    unplaced = sorted(m for m in MODULES if layer_of(m) is None)
    assert not unplaced, f"modules not in the layer table of docs/architecture.md: {unplaced}"
    stale = sorted(
        name for name in LAYERS if not any(m == name or m.startswith(name + ".") for m in MODULES)
    )
    assert not stale, f"docs/architecture.md names modules that do not exist: {stale}"


def test_every_import_points_down_a_layer() -> None:
    upward = [
        f"{imp.source} (layer {layer_of(imp.source)}, line {imp.line}) imports {imp.target} "
        f"(layer {layer_of(imp.target)})"
        for imp in IMPORTS
        if not imp.allowed_up and layer_of(imp.target) > layer_of(imp.source)
    ]
    assert not upward, "imports that point up a layer:\n" + "\n".join(upward)


def test_upward_imports_only_in_a_result_drawing_or_describing_itself() -> None:
    allowed = sorted(
        {
            (i.source, i.target)
            for i in IMPORTS
            if i.allowed_up and layer_of(i.target) > layer_of(i.source)
        }
    )
    assert allowed == [
        ("spc.engine.result", "spc.plotting"),
        ("spc.engine.result", "spc.text.describe"),
    ]


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Every strongly connected component of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def connect(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                connect(w)
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

    for v in sorted(edges):
        if v not in index:
            connect(v)
    return found


def test_no_import_cycles() -> None:
    edges: dict[str, set[str]] = {}
    for imp in IMPORTS:
        if not imp.allowed_up:
            edges.setdefault(imp.source, set()).add(imp.target)
    assert _cycles(edges) == []


def test_the_cycle_search_finds_a_cycle() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


@pytest.mark.parametrize("module", sorted(MODULES))
def test_no_module_over_600_lines(module: str) -> None:
    lines = MODULES[module].read_text(encoding="utf-8").count("\n")
    assert lines <= MAX_LINES, f"{module} has {lines} lines; split it by job"


def test_no_module_is_shadowed_by_a_function_of_the_same_name() -> None:
    """``spc.<name>`` is either a function or a module, never a function hiding a module."""
    import importlib

    for module in MODULES:
        parent, _, name = module.rpartition(".")
        if not parent:
            continue
        package = importlib.import_module(parent)
        value = package.__dict__.get(name)
        if value is not None:
            assert isinstance(value, type(package)), f"{parent}.{name} is not the module {module}"
