"""The service's modules import each other without a cycle: each can be read, and changed, from the bottom up."""

import ast
import graphlib
import importlib
from pathlib import Path

import pytest

import forms_lambda

PACKAGE = Path(forms_lambda.__file__).parent


def module_name(path, root):
    parts = path.relative_to(root.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph(root):
    """{module: the package's modules it imports}, from every import statement (in functions too) of the package at
    `root`. `from p import x` names the module p.x when there is one, else p."""
    modules = {module_name(path, root): path for path in root.rglob("*.py")}
    graph = {}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        imported = set()
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                imported.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = package.rsplit(".", node.level - 1)[0] if node.level else ""
                source = ".".join(filter(None, [base, node.module]))
                for alias in node.names:
                    imported.add(f"{source}.{alias.name}" if f"{source}.{alias.name}" in modules else source)
        graph[name] = {each for each in imported if each in modules and each != name}
    return graph


def test_every_module_imports():
    for name in import_graph(PACKAGE):
        if not name.endswith("__main__"):  # runs the command line
            importlib.import_module(name)


def test_the_import_graph_has_no_cycle():
    graph = import_graph(PACKAGE)
    assert "forms_lambda.stores.sqlite" in graph["forms_lambda.stores"]  # the graph is read, not empty
    assert "forms_lambda.stores.base" in graph["forms_lambda.stores.sqlite"]
    try:
        order = list(graphlib.TopologicalSorter(graph).static_order())
    except graphlib.CycleError as e:
        pytest.fail(f"import cycle: {' -> '.join(e.args[1])}")
    assert set(order) == set(graph)


@pytest.mark.parametrize(
    "files",
    [
        {"a.py": "from . import b", "b.py": "from .a import name"},
        {"a.py": "def f():\n    from .sub import c", "sub/__init__.py": "", "sub/c.py": "import pkg.a"},
        {"__init__.py": "from .a import x", "a.py": "from pkg import b", "b.py": "from . import x"},
    ],
)
def test_a_cycle_is_found(tmp_path, files):
    root = tmp_path / "pkg"
    for name, text in {"__init__.py": "", **files}.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    with pytest.raises(graphlib.CycleError):
        list(graphlib.TopologicalSorter(import_graph(root)).static_order())
