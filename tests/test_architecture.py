"""The layout's rules, checked on every run: the arrows point one way, no
circles, modules and functions small enough to read whole."""
import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "desktop"
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def imports_of(name: str) -> set[str]:
    """Every module of ours that `name` imports, anywhere in the file (lazy imports count)."""
    path = MODULES[name]
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parents = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(parents + ([base] if base else []))
            targets = [base] + [f"{base}.{alias.name}" for alias in node.names]
        else:
            continue
        found.update(target for target in targets if target in MODULES)
    found.discard(name)
    return found


GRAPH = {name: imports_of(name) for name in MODULES}


def third_party_imports(name: str) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(MODULES[name].read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("name", [n for n in MODULES if n.startswith("desktop.core")])
def test_core_knows_no_qt_and_no_front_end(name):
    assert not {"PySide6", "shiboken6"} & third_party_imports(name), f"{name} imports Qt"
    front_ends = [target for target in GRAPH[name] if target.startswith(("desktop.ui", "desktop.cli"))]
    assert front_ends == [], f"{name} imports {front_ends}: core serves the front ends, never the reverse"


@pytest.mark.parametrize("name", [n for n in MODULES if n.startswith("desktop.ui")])
def test_the_window_does_not_use_the_command_line(name):
    assert [t for t in GRAPH[name] if t.startswith("desktop.cli")] == []


def test_no_import_cycles():
    # Tarjan's strongly connected components: any component of two or more is a cycle.
    index, low, on_stack, stack, cycles = {}, {}, set(), [], []
    counter = [0]

    def visit(node):
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for successor in GRAPH[node]:
            if successor not in index:
                visit(successor)
                low[node] = min(low[node], low[successor])
            elif successor in on_stack:
                low[node] = min(low[node], index[successor])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for node in GRAPH:
        if node not in index:
            visit(node)
    assert cycles == []


@pytest.mark.parametrize("name", list(MODULES))
def test_modules_are_small_enough_to_read_whole(name):
    lines = len(MODULES[name].read_text().splitlines())
    assert lines <= MAX_MODULE_LINES, f"{name} has {lines} lines: split it by what it holds"


def test_functions_are_short():
    long = []
    for name, path in MODULES.items():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                length = node.end_lineno - node.lineno + 1
                if length > MAX_FUNCTION_LINES:
                    long.append(f"{name}.{node.name} ({length} lines)")
    assert long == []


def test_the_layout_graph_is_not_empty():
    # Guards the checks above against a path mistake that would make them vacuous.
    assert len(MODULES) > 50 and sum(len(targets) for targets in GRAPH.values()) > 100


def logger_names(name: str) -> list[str]:
    """The names passed to logging.getLogger in a module; a name that is not a string literal counts as ''."""
    calls = [node for node in ast.walk(ast.parse(MODULES[name].read_text()))
             if isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "getLogger"]
    return [call.args[0].value if call.args and isinstance(call.args[0], ast.Constant) else "" for call in calls]


@pytest.mark.parametrize("name", list(MODULES))
def test_every_logger_reaches_the_log_file(name):
    # The file handler sits on "lifeboat" (store/logs.py): a logger named
    # after its module ("desktop.core...") would lose its lines.
    strays = [logger for logger in logger_names(name) if logger != "lifeboat" and not logger.startswith("lifeboat.")]
    assert not strays, f"{name} logs to {strays}, which never reach lifeboat.log"
