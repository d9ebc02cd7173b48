"""Layers point down, and no module imports itself back (docs/architecture.md).

The import graph is read from the source with :mod:`ast` (every ``import``, including
ones inside functions and under ``TYPE_CHECKING``: a cycle hidden there is still two
modules that cannot be understood apart). A new back-edge or cycle fails here with
the modules that make it.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

#: Bottom to top: a package may import only the ones before it (and itself).
LAYERS = ("faq", "model", "chat", "bot", "faqbot")
#: Scripts on top of everything; nothing imports them.
TOP = ("benchmarks",)
#: Chat-platform libraries: only their adapter may import them.
PLATFORM_LIBRARIES = {"discord": "bot", "slack_bolt": "slack", "slack_sdk": "slack"}
#: Entry scripts (``python -m bot``) hand over to the composition root: outside the layering.
ENTRY_SCRIPTS = ("__main__",)


def _modules() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for package in (*LAYERS, *TOP):
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    return found


MODULES = _modules()


def _owner(name: str) -> str | None:
    """The project module that ``import name`` loads (its longest known prefix)."""
    while name:
        if name in MODULES:
            return name
        name = name.rpartition(".")[0]
    return None


def imports_of(module: str) -> tuple[set[str], set[str]]:
    """(project modules, third-party top-level names) that ``module`` imports anywhere in it."""
    path = MODULES[module]
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                source = ".".join([*base, *([node.module] if node.module else [])])
            else:
                source = node.module or ""
            # `from faq import text` imports the module faq.text; `from faq.text import clean` the module faq.text
            names += [
                f"{source}.{alias.name}" if f"{source}.{alias.name}" in MODULES else source for alias in node.names
            ]
    internal = {owner for n in names if (owner := _owner(n)) is not None and owner != module}
    external = {n.split(".")[0] for n in names if _owner(n) is None}
    return internal, external


GRAPH = {module: imports_of(module) for module in MODULES}


def _package(module: str) -> str:
    return module.split(".")[0]


def test_packages_only_import_layers_below_them() -> None:
    back_edges = []
    for module, (internal, _) in GRAPH.items():
        here = _package(module)
        if here in TOP or module.rpartition(".")[2] in ENTRY_SCRIPTS:
            continue
        allowed = set(LAYERS[: LAYERS.index(here) + 1])
        back_edges += [f"{module} → {target}" for target in sorted(internal) if _package(target) not in allowed]
    assert not back_edges, "imports that point up or sideways:\n" + "\n".join(back_edges)


def test_nothing_imports_the_entry_scripts_or_benchmarks() -> None:
    bad = [
        f"{module} → {target}"
        for module, (internal, _) in GRAPH.items()
        for target in internal
        if _package(module) not in TOP and (_package(target) in TOP or target.rpartition(".")[2] in ENTRY_SCRIPTS)
    ]
    assert not bad, bad


def test_platform_libraries_only_in_their_adapter() -> None:
    bad = [
        f"{module} imports {lib}"
        for module, (_, external) in GRAPH.items()
        for lib in sorted(external)
        if lib in PLATFORM_LIBRARIES
        and _package(module) not in {PLATFORM_LIBRARIES[lib], "faqbot", *TOP}  # the composition root wires adapters
    ]
    assert not bad, bad


def test_packages_use_only_public_names_of_other_packages() -> None:
    """``from faq.lexical import _kiwi`` from model/ ties model/ to faq's insides."""
    bad = []
    for module, path in MODULES.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and not node.level and node.module:
                other = _owner(node.module)
                if other is not None and _package(other) != _package(module):
                    bad += [
                        f"{module}: from {node.module} import {a.name}" for a in node.names if a.name.startswith("_")
                    ]
    assert not bad, bad


def _cycles() -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for root in MODULES:
        if root in index:
            continue
        work = [(root, iter(sorted(GRAPH[root][0])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(GRAPH[child][0]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_no_import_cycles_between_modules() -> None:
    cycles = _cycles()
    assert not cycles, "modules that import each other (directly or around a loop):\n" + "\n".join(
        " ↔ ".join(c) for c in cycles
    )


def test_the_graph_sees_real_imports() -> None:
    """Guards the checker itself: a known edge of each kind is found."""
    assert "faq.errors" in GRAPH["faq.text"][0]  # from faq.errors import InvalidInput
    assert "discord" in GRAPH["bot.client"][1]
    assert _cycles.__doc__ and LAYERS.index("faq") == 0
