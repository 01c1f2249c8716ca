"""The apps depend one way (core ← course ← quizzes ← learners ← classes ← lti, config on top) and no module
imports itself back, not even from inside a function: measured on the import statements of the
code (tests and migrations aside)."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LAYERS = ["core", "course", "quizzes", "learners", "classes", "lti", "config"]  # each may import those before it


def modules():
    for app in LAYERS:
        for path in (ROOT / app).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            if "tests" in parts or "migrations" in parts:
                continue
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            yield name, path


def imported(path):
    """The project modules a file imports."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module
            yield from (f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)


def test_every_app_imports_only_the_apps_below_it():
    wrong = []
    for name, path in modules():
        rank = LAYERS.index(name.split(".")[0])
        for target in imported(path):
            app = target.split(".")[0]
            if app in LAYERS and LAYERS.index(app) > rank:
                wrong.append(f"{name} imports {target}")
    assert sorted(set(wrong)) == []


def test_no_module_imports_itself_back():
    known = dict(modules())
    graph = {
        name: {target for target in imported(path) if target in known and target != name}
        for name, path in known.items()
    }
    cycles = []

    def visit(node, trail):
        for target in graph[node]:
            if target in trail:
                cycles.append(" → ".join([*trail[trail.index(target) :], target]))
            elif target not in done:
                visit(target, [*trail, target])
        done.add(node)

    done = set()
    for start in graph:
        if start not in done:
            visit(start, [start])
    assert cycles == []


def functions():
    for name, path in modules():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                yield name, path, node


def test_views_fit_on_a_screen_and_functions_stay_short():
    """A view 15 lines at most (its queries are selectors, its reply a shared helper); any other
    function 40 lines at most (scripts/ aside)."""
    long = []
    for name, path, node in functions():
        limit = 15 if path.name == "views.py" and node.col_offset == 0 else 40
        if (length := node.end_lineno - node.lineno + 1) > limit:
            long.append(f"{name}.{node.name}: {length} lines")
    assert long == []


def test_no_function_is_graded_d_or_worse_by_radon():
    from radon.complexity import cc_rank, cc_visit

    graded = [
        f"{name}.{block.fullname}: {cc_rank(block.complexity)} ({block.complexity})"
        for name, path in modules()
        for block in cc_visit(path.read_text(encoding="utf-8"))
        if cc_rank(block.complexity) not in "ABC"
    ]
    assert graded == []
