"""Issue #15's measures of the code's shape, printed as one JSON line (recorded in docs/architecture.md).

Production code is the apps and ``trainingsite/``; migrations, tests, benchmarks and scripts are left out.

- ``app_cycles``: groups of apps that import each other, directly or round a loop (any import, also one
  inside a function); ``module_cycles``: the same between modules, and the modules in them;
- ``imports_in_functions``: project imports placed inside a function body, with the files that hold most;
- ``files_over_600_lines``: production files longer than 600 lines;
- ``duplicate_pairs``: pairs of places in production code sharing six or more lines, from the ``duplicates``
  command when it is on the PATH (None otherwise).

Run: ``python scripts/measure_architecture.py`` from the repository root, or with ``--root DIR``.
"""

from __future__ import annotations

import argparse
import ast
import json
import re
import shutil
import subprocess
from collections import Counter
from pathlib import Path

APPS = ("accounts", "courses", "assessments", "certificates", "notifications", "trainingsite")
LONG = 600


def production_files(root: Path) -> list[Path]:
    return sorted(
        path
        for app in APPS
        for path in (root / app).rglob("*.py")
        if "migrations" not in path.relative_to(root).parts
    )


def module_name(root: Path, path: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(tree: ast.Module) -> list[tuple[list[str], bool]]:
    """(the names one import statement imports, inside a function) for every absolute import."""
    inside: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            inside.update(id(n) for n in ast.walk(node) if n is not node)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [f"{node.module}.{a.name}" for a in node.names] or [node.module]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        else:
            continue
        found.append((names, id(node) in inside))
    return found


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one node (Tarjan), each sorted, largest first."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in graph.get(node, ()):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(found, key=lambda g: (-len(g), g))


def duplicate_pairs(root: Path) -> int | None:
    if shutil.which("duplicates") is None:
        return None
    command = ["duplicates", "--repo", str(root), "--most", "200", "--seconds", "120"]
    # A fixed command found on the PATH, given no outside input.
    out = subprocess.run(command, capture_output=True, text=True, check=False).stdout  # noqa: S603
    production = re.compile(rf"^({'|'.join(APPS)})/(?!.*migrations/)\S+\.py:")
    rows = [line.split() for line in out.splitlines() if re.match(r"D\d+ ", line)]
    return sum(1 for row in rows if production.match(row[1]) and production.match(row[3]))


def known_module(target: str, modules: dict[str, Path]) -> str | None:
    """``from a.b import c`` names module a.b.c or attribute c of a.b: the longest project module it names."""
    parts = target.split(".")
    prefixes = (".".join(parts[:n]) for n in range(len(parts), 0, -1))
    return next((prefix for prefix in prefixes if prefix in modules), None)


def measure(root: Path) -> dict:
    modules = {module_name(root, path): path for path in production_files(root)}
    module_graph: dict[str, set[str]] = {name: set() for name in modules}
    app_graph: dict[str, set[str]] = {app: set() for app in APPS}
    in_functions: Counter[str] = Counter()
    long_files = {}
    for name, path in modules.items():
        text = path.read_text()
        lines = text.count("\n")
        if lines > LONG:
            long_files[str(path.relative_to(root))] = lines
        for names, inside in imports(ast.parse(text)):
            targets = {known_module(target, modules) for target in names} - {None}
            if inside and targets:
                in_functions[str(path.relative_to(root))] += 1
            for known in targets - {name}:
                module_graph[name].add(known)
                app, other = name.split(".")[0], known.split(".")[0]
                if app != other:
                    app_graph[app].add(other)
    module_cycles = cycles(module_graph)
    return {
        "app_cycles": cycles(app_graph),
        "module_cycles": len(module_cycles),
        "modules_in_cycles": sum(len(c) for c in module_cycles),
        "imports_in_functions": sum(in_functions.values()),
        "imports_in_functions_most": dict(in_functions.most_common(5)),
        "files_over_600_lines": dict(sorted(long_files.items(), key=lambda kv: -kv[1])),
        "duplicate_pairs": duplicate_pairs(root),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=Path(__file__).resolve().parent.parent)
    print(json.dumps(measure(parser.parse_args().root.resolve()), ensure_ascii=False))


if __name__ == "__main__":
    main()
