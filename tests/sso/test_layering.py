"""The single sign-on package keeps its layers one-way: no module imports one that imports
it back, not even lazily inside a function (models ← selectors ← services)."""

import re
from pathlib import Path

import shequ.sso

PACKAGE = "shequ.sso"
SOURCE = Path(shequ.sso.__file__).parent
# "import shequ.sso.x" or "from shequ.sso[.x] import a, b" at any indentation.
IMPORT = re.compile(
    r"^[ \t]*(?:import|from)[ \t]+(shequ\.sso[\w.]*)"
    r"(?:[ \t]+import[ \t]+(?:\(([^)]*)\)|([\w, \t]+)))?",
    re.M,
)


def _sso_imports(path: Path) -> set[str]:
    """The shequ.sso modules one file imports, at the top or inside any function."""
    found: set[str] = set()
    for module, wrapped, names in IMPORT.findall(path.read_text(encoding="utf-8")):
        found.add(module)
        names = wrapped or names
        # "from shequ.sso import services" imports the module shequ.sso.services.
        found.update(f"{module}.{name.split()[0]}" for name in names.split(",") if name.strip())
    return {name for name in found if name.startswith(PACKAGE + ".")}


def _graph() -> dict[str, set[str]]:
    modules = {
        PACKAGE + "." + ".".join(path.relative_to(SOURCE).with_suffix("").parts): path
        for path in SOURCE.rglob("*.py")
        if "migrations" not in path.parts and path.name != "__init__.py"
    }
    return {name: _sso_imports(path) & set(modules) for name, path in modules.items()}


def _reachable(graph: dict[str, set[str]], start: str) -> set[str]:
    seen: set[str] = set()
    todo = list(graph[start])
    while todo:
        module = todo.pop()
        if module not in seen:
            seen.add(module)
            todo.extend(graph[module])
    return seen


def _modules_on_a_cycle(graph: dict[str, set[str]]) -> list[str]:
    return sorted(module for module in graph if module in _reachable(graph, module))


def test_graph_sees_lazy_imports_inside_functions() -> None:
    graph = _graph()

    assert "shequ.sso.models" in graph["shequ.sso.services"]
    assert "shequ.sso.selectors" in graph["shequ.sso.validators"]


def test_sso_modules_import_each_other_without_cycles() -> None:
    assert _modules_on_a_cycle(_graph()) == []
