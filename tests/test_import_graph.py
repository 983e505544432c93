"""The import graph of the project's own code runs one way, without circles.

`bookings → terms → accounts`, all of them may use `portal`, and `portal` uses none of
them; a service never imports a `tasks` module (each task is defined beside its service);
and no module imports one that imports it back, directly or through others. The graph is
read from the source (every `import` statement, module level or inside a function)."""

import ast
import importlib
import pkgutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
APPS = ("portal", "accounts", "terms", "bookings")
# Who may import whom (besides itself and portal).
MAY_USE = {
    "portal": set(),
    "accounts": {"portal"},
    "terms": {"portal", "accounts"},
    "bookings": {"portal", "accounts", "terms"},
}


def own_modules() -> dict[str, Path]:
    found = {}
    for app in APPS:
        package = importlib.import_module(app)
        assert package.__file__ is not None
        found[app] = Path(package.__file__)
        for info in pkgutil.walk_packages(package.__path__, prefix=f"{app}."):
            if ".migrations" in info.name:
                continue
            spec = importlib.util.find_spec(info.name)
            assert spec is not None and spec.origin is not None
            found[info.name] = Path(spec.origin)
    return found


MODULES = own_modules()


def imports_of(name: str, path: Path) -> set[str]:
    """The project modules `name` imports (a `from package import name` that names a
    module counts as importing that module)."""
    is_package = path.name == "__init__.py"
    tree = ast.parse(path.read_text(encoding="utf-8"))
    targets: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = name.split(".")
                base = base if is_package else base[:-1]
                base = base[: len(base) - (node.level - 1)]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            targets.add(module)
            targets.update(f"{module}.{alias.name}" for alias in node.names)
    return {target for target in targets if target in MODULES and target != name}


GRAPH = {name: imports_of(name, path) for name, path in MODULES.items()}


def test_the_graph_covers_the_whole_project():
    assert {"bookings.services.bookings", "bookings.admin.scoping", "accounts.services"} <= set(
        MODULES
    )
    assert sum(len(edges) for edges in GRAPH.values()) > 100


@pytest.mark.parametrize("name", sorted(MODULES))
def test_imports_run_one_way(name):
    app = name.split(".")[0]
    wrong = {target for target in GRAPH[name] if target.split(".")[0] not in {app, *MAY_USE[app]}}
    assert not wrong, f"{name} imports {sorted(wrong)} against the direction {MAY_USE}"


def test_no_service_imports_a_tasks_module():
    wrong = {
        (name, target)
        for name, targets in GRAPH.items()
        if ".services" in name or name.endswith(".services")
        for target in targets
        if target.endswith(".tasks")
    }
    assert not wrong


def test_there_is_no_import_circle():
    """Tarjan's strongly connected components: every component is one module."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    circles: list[list[str]] = []
    counter = [0]

    def visit(node: str) -> None:
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for target in GRAPH[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                circles.append(sorted(component))

    for node in sorted(GRAPH):
        if node not in index:
            visit(node)
    assert not circles, f"import circles: {circles}"
