"""The house's one-way road: cli -> api -> warn -> alerts -> notices.plan/rules -> render
-> delivery -> the values the flow carries (notices.message, notices.target) -> config
-> channels -> store -> leaves. A module may import only from its own layer or below, the
library imports its own modules at the top (lazy imports are for the CLI and for heavy
third-party packages), there is no import cycle, and the CLI reaches the library only
through the facade, ``citychan.api``."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src" / "citychan"

# top to bottom; a module belongs to the first entry its dotted name starts with
LAYERS: list[tuple[str, ...]] = [
    ("citychan.cli", "citychan.__main__"),
    ("citychan.api",),
    ("citychan.qr",),  # `citychan qr`: reads the config, nothing else of ours
    ("citychan.testing",),  # the plugin contract suite: drives channels like the publisher
    ("citychan.warn",),
    ("citychan.alerts",),
    ("citychan.notices.plan", "citychan.notices.rules", "citychan.notices.schedule"),
    ("citychan.render",),
    ("citychan.delivery",),
    # the values the flow carries: the parsed notice (message) every stage reads, and the
    # plan's targets the planner makes and delivery consumes
    ("citychan.notices",),
    ("citychan.config",),
    ("citychan.channels",),
    ("citychan.store",),
    ("citychan.kinds", "citychan.render.types", "citychan.clock", "citychan.errors",
     "citychan.findings", "citychan.links", "citychan.fsutil", "citychan.hygiene",
     "citychan.masking", "citychan.timeparse", "citychan.operators", "citychan.geo",
     "citychan.i18n",
     "citychan"),
]
# more specific names first so that render.types is a leaf and notices.plan sits above render
_ORDER = sorted(((p, i) for i, names in enumerate(LAYERS) for p in names),
                key=lambda pi: -len(pi[0]))


def layer(module: str) -> int:
    for prefix, index in _ORDER:
        if module == prefix or module.startswith(prefix + "."):
            return index
    raise AssertionError(f"{module} belongs to no layer: add it to LAYERS")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {module_name(p): p for p in sorted(SRC.rglob("*.py"))}


# a package __init__ that imports nothing of ours adds nothing to what imports its modules
QUIET_INITS = {m for m, p in MODULES.items() if p.name == "__init__.py"
               and "from citychan" not in p.read_text() and "import citychan" not in p.read_text()}


def _target(module: str, name: str) -> str:
    return f"{module}.{name}" if f"{module}.{name}" in MODULES else module


def imports(path: Path) -> list[tuple[str, int, bool]]:
    """(imported citychan module, line, inside a function) for every import of ours: the
    module named, and the ``__init__`` of every package above it, which Python runs first.
    Only the body of ``if TYPE_CHECKING:`` is left out (its ``else`` runs)."""
    tree = ast.parse(path.read_text(), str(path))
    found: list[tuple[str, int, bool]] = []
    ours = module_name(path) + "." if path.is_relative_to(SRC) else ""

    def add(target: str, line: int, nested: bool) -> None:
        parts = target.split(".")
        for i in range(1, len(parts)):
            parent = ".".join(parts[:i])
            if parent in MODULES and parent not in QUIET_INITS and not ours.startswith(parent):
                found.append((parent, line, nested))
        found.append((target, line, nested))

    def visit(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                for other in child.orelse:
                    visit(ast.Module(body=[other], type_ignores=[]), in_function)
                continue
            nested = in_function or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef)
            if isinstance(child, ast.ImportFrom) and child.level == 0 and child.module and (
                    child.module == "citychan" or child.module.startswith("citychan.")):
                # `from citychan.cli import views` imports the module citychan.cli.views
                for a in child.names:
                    add(_target(child.module, a.name), child.lineno, nested)
            elif isinstance(child, ast.Import):
                for a in child.names:
                    if a.name.startswith("citychan."):
                        add(a.name, child.lineno, nested)
            visit(child, nested)

    visit(tree, False)
    return found


def relative_imports(path: Path) -> list[int]:
    return [n.lineno for n in ast.walk(ast.parse(path.read_text())) if
            isinstance(n, ast.ImportFrom) and n.level > 0]


def string_imports(path: Path) -> list[int]:
    """Lines that import one of our modules by name at run time (import_module, __import__),
    which the layer checks cannot see."""
    lines = []
    for n in ast.walk(ast.parse(path.read_text())):
        if isinstance(n, ast.Call) and ast.unparse(n.func).split(".")[-1] in (
                "import_module", "__import__") and n.args:
            arg = n.args[0]
            if not isinstance(arg, ast.Constant) or str(arg.value).startswith("citychan"):
                lines.append(n.lineno)
    return lines


# the registry imports channel types by name: built-ins from its own table, plugins from
# their entry points (that is what a plugin system is)
STRING_IMPORTS_BY_DESIGN = {"citychan.channels.registry"}


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_are_absolute_and_visible(module: str) -> None:
    assert relative_imports(MODULES[module]) == [], f"{module}: relative import"
    if module not in STRING_IMPORTS_BY_DESIGN:
        assert string_imports(MODULES[module]) == [], f"{module}: import by name at run time"


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_only_go_down(module: str) -> None:
    here = layer(module)
    against = sorted({f"line {line}: {module} imports {target} (a layer above)"
                      for target, line, _ in imports(MODULES[module])
                      if layer(target) < here and not target.startswith(module + ".")})
    assert not against, "\n".join(against)


# the package root re-exports the plugin API lazily so that `import citychan` stays cheap
LAZY_BY_DESIGN = {"citychan"}


@pytest.mark.parametrize("module", sorted(m for m in MODULES
                                          if layer(m) > 0 and m not in LAZY_BY_DESIGN))
def test_the_library_imports_its_own_modules_at_the_top(module: str) -> None:
    hidden = sorted({f"line {line}: {target}" for target, line, inner in imports(MODULES[module])
                     if inner})
    assert not hidden, f"{module} imports citychan modules inside functions: {hidden}"


def test_no_import_cycle() -> None:
    # lazy imports count too: a cycle through a function is still a cycle in the design
    graph = {m: {t for t, _, _ in imports(p) if t in MODULES}
             for m, p in MODULES.items()}
    # a package's __init__ importing its own submodules is how packages re-export: not a cycle
    for m in graph:
        graph[m] = {t for t in graph[m] if not t.startswith(m + ".")}
    state: dict[str, int] = {}
    path: list[str] = []

    def walk(m: str) -> list[str] | None:
        state[m] = 1
        path.append(m)
        for t in sorted(graph[m]):
            if state.get(t) == 1:
                return path[path.index(t):] + [t]
            if t not in state and (cycle := walk(t)):
                return cycle
        state[m] = 2
        path.pop()
        return None

    for m in sorted(graph):
        if m not in state and (cycle := walk(m)):
            pytest.fail(" -> ".join(cycle))


def _write(folder: Path, text: str) -> Path:
    path = folder / "other.py"
    path.write_text(text + "\n")
    return path


def test_the_layers_test_catches_an_import_against_the_flow(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("from citychan.api import post\n\ndef f():\n    from citychan import config\n"
                   "if TYPE_CHECKING:\n    import citychan.cli\n"
                   "else:\n    import citychan.store.db\n"
                   "from .x import y\nimport_module('citychan.warn')\n")
    assert imports(bad) == [("citychan", 1, False), ("citychan.api", 1, False),
                            ("citychan", 4, True), ("citychan.config", 4, True),
                            ("citychan", 8, False), ("citychan.store.db", 8, False)]
    assert relative_imports(bad) == [9]
    assert string_imports(bad) == [10]
    # importing a module runs the __init__ of the packages above it: they count
    assert ("citychan.alerts", 1, False) in imports(_write(tmp_path, "import citychan.alerts.cap"))
    assert "citychan.render" in QUIET_INITS and "citychan.alerts" not in QUIET_INITS
    assert layer("citychan.render.types") > layer("citychan.channels.base")
    assert layer("citychan.channels.feed") > layer("citychan.api")


# the interface's language is the CLI's business as much as the library's (issue 14, i18n)
CLI_MAY_IMPORT = ("citychan.api", "citychan.cli", "citychan.errors", "citychan.i18n")


@pytest.mark.parametrize("module", sorted(m for m in MODULES if layer(m) == 0))
def test_the_cli_calls_only_the_facade(module: str) -> None:
    beside = sorted({target for target, _, _ in imports(MODULES[module])
                     if target != "citychan" and not target.startswith(CLI_MAY_IMPORT)})
    assert not beside, f"{module} reaches past citychan.api: {beside}"
