"""The shape of the code: no module imports one that imports it back (house style 9).

Every ``import`` counts, also those inside functions: a lazy import only hides a circle
from the interpreter, not from the reader who has to follow the calls.
"""

import ast
from pathlib import Path

import networkx as nx

SRC = Path(__file__).resolve().parents[1] / "src"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def import_graph() -> nx.DiGraph:
    """Modules of the project and the project modules each one imports."""
    modules = {_module_name(p): p for p in SRC.rglob("*.py") if "migrations" not in p.parts}
    graph = nx.DiGraph()
    for name, path in modules.items():
        graph.add_node(name)
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    base = ".".join(
                        [*package.split(".")[: len(package.split(".")) - node.level + 1], base]
                    ).strip(".")
                # ``from pkg import module`` imports the module; ``from module import name``
                # imports the module that defines the name.
                targets = [
                    f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base
                    for alias in node.names
                ]
            for target in targets:
                if target in modules and target != name:
                    graph.add_edge(name, target)
    return graph


def test_the_import_graph_is_read_from_the_source() -> None:
    graph = import_graph()
    assert graph.has_edge("shequ.payments.services", "shequ.payments.models")
    assert graph.has_edge("shequ.payments.api", "shequ.payments.services")


def test_no_module_imports_one_that_imports_it_back() -> None:
    circles = [sorted(c) for c in nx.simple_cycles(import_graph())]
    assert circles == []
