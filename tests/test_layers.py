"""The house's floors, read from the imports (docs/layers.md says why).

- community/ is the ground floor; groups/ (chat) stands on it; events/,
  mentorship/ and recovery/ stand on both and never import each other; alumni/ (the top
  package) is the only one that composes apps, and nothing imports it.
- No import cycle between modules.
- No import inside a function (they existed to dodge cycles), except an app
  config's ready() that connects signal receivers.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
APPS = ("community", "groups", "events", "mentorship", "recovery", "alumni")
# What each app may import besides itself.
ALLOWED = {
    "community": set(),
    "groups": {"community"},
    "events": {"community", "groups"},
    "mentorship": {"community", "groups"},
    "recovery": {"community", "groups"},
    "alumni": {"community", "groups", "events", "mentorship", "recovery"},
}
FUNCTION_IMPORTS_ALLOWED = {
    ("community/apps.py", "community.realtime"),
    ("community/apps.py", "community.realtime.signals"),
    # Registers its push send check with the ground floor (community.push.delivery).
    ("groups/apps.py", "community.push.delivery"),
    ("groups/apps.py", "groups.permissions"),
}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _sources():
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            yield path


def _imports(path: Path):
    """(imported module, line, inside a function?) for every import of our apps."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    tree = ast.parse(path.read_text(), filename=str(path))
    functions = [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]
    nested = {id(inner) for f in functions for inner in ast.walk(f) if inner is not f}
    in_function = {id(n) for f in functions for n in ast.walk(f)} | nested
    for node in ast.walk(tree):
        targets = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            targets = [module]
            # "from . import actions" names a module, not an attribute.
            targets += [f"{module}.{alias.name}" for alias in node.names if _is_module(f"{module}.{alias.name}")]
        for target in targets:
            if target.split(".")[0] in APPS:
                yield target, node.lineno, id(node) in in_function


def _is_module(dotted: str) -> bool:
    path = ROOT.joinpath(*dotted.split("."))
    return path.with_suffix(".py").exists() or (path / "__init__.py").exists()


def _resolve(dotted: str) -> str:
    """The longest prefix that is one of our modules."""
    parts = dotted.split(".")
    while parts and not _is_module(".".join(parts)):
        parts.pop()
    return ".".join(parts)


def test_each_app_imports_only_the_floors_below_it():
    wrong = []
    for path in _sources():
        app = path.relative_to(ROOT).parts[0]
        for target, line, _ in _imports(path):
            other = target.split(".")[0]
            if other != app and other not in ALLOWED[app]:
                wrong.append(f"{path.relative_to(ROOT)}:{line} imports {target}")
    assert wrong == []


def test_no_import_inside_a_function():
    wrong = []
    for path in _sources():
        rel = str(path.relative_to(ROOT))
        for target, line, in_function in _imports(path):
            if in_function and (rel, target) not in FUNCTION_IMPORTS_ALLOWED:
                wrong.append(f"{rel}:{line} imports {target} inside a function")
    assert wrong == []


def test_no_import_cycle_between_modules():
    graph: dict[str, set[str]] = {}
    for path in _sources():
        name = _module_name(path)
        edges = graph.setdefault(name, set())
        for target, _, in_function in _imports(path):
            resolved = _resolve(target)
            if resolved and resolved != name and not in_function:
                edges.add(resolved)
                # Importing a.b.c runs a/__init__ and a/b/__init__ first.
                parts = resolved.split(".")
                edges |= {".".join(parts[:i]) for i in range(1, len(parts)) if _is_module(".".join(parts[:i]))}
    # A package's __init__ importing its own submodules is how packages work,
    # not a cycle; leave out edges from a module to the packages that hold it.
    for name, edges in graph.items():
        edges -= {p for p in edges if p == name or name.startswith(p + ".")}
    cycles = []
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node):
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                cycles.append(" -> ".join([*stack[stack.index(nxt) :], nxt]))
            elif nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node)
    assert cycles == []


@pytest.mark.parametrize("app", ["community", "groups", "events", "mentorship", "recovery"])
def test_each_app_owns_its_privacy(app):
    """Export and erasure of an app's rows live in the app (alumni.privacy calls them)."""
    source = (ROOT / app / "privacy.py").read_text()
    tree = ast.parse(source)
    names = {n.name for n in tree.body if isinstance(n, ast.FunctionDef)}
    assert {"export", "erase"} <= names
