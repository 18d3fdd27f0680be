"""The shape of the code: no import cycle anywhere in the project, and no service locator in web.

Both read the source only (grimp, import-linter's own graph library), so they need neither
PostgreSQL nor Redis.
"""

from __future__ import annotations

from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parents[3]
PACKAGES = ("web", "domain", "jobs", "observability", "sim")
# Only the lifespan (it stores what it built) and the providers (they hand it out) touch app.state.
STATE_OWNERS = {ROOT / "web" / "app.py", ROOT / "web" / "deps.py"}


def import_cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """Every group of modules that import each other, directly or round a loop (Tarjan's strongly
    connected components). Imports under ``if TYPE_CHECKING`` count: they are a loop in the design
    even when Python does not trip on them."""
    modules = sorted(graph.modules)
    imports = {module: sorted(graph.find_modules_directly_imported_by(module)) for module in modules}
    order: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(module: str) -> None:
        order[module] = low[module] = len(order)
        stack.append(module)
        on_stack.add(module)
        for imported in imports[module]:
            if imported not in order:
                visit(imported)
                low[module] = min(low[module], low[imported])
            elif imported in on_stack:
                low[module] = min(low[module], order[imported])
        if low[module] == order[module]:
            group: list[str] = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == module:
                    break
            if len(group) > 1:
                cycles.append(sorted(group))

    for module in modules:
        if module not in order:
            visit(module)
    return cycles


def test_the_project_has_no_import_cycle() -> None:
    graph = grimp.build_graph(*PACKAGES, cache_dir=None)
    assert "web.routes.conversations" in graph.modules, "the graph covers the project"
    assert import_cycles(graph) == []


def test_the_cycle_finder_finds_a_loop_round_three_modules() -> None:
    graph = grimp.ImportGraph()
    for importer, imported in (
        ("a.one", "a.two"),
        ("a.two", "a.three"),
        ("a.three", "a.one"),
        ("a.one", "a.x"),
    ):
        graph.add_import(importer=importer, imported=imported)
    assert import_cycles(graph) == [["a.one", "a.three", "a.two"]]


def test_no_handler_reaches_into_the_application_state() -> None:
    """Handlers declare their dependencies (web/deps.py); a locator hides what a handler needs."""
    offenders = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in sorted((ROOT / "web").rglob("*.py"))
        if path not in STATE_OWNERS
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if "app.state" in line or "litestar_app" in line
    ]
    assert offenders == []
