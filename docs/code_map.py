"""Print the shape of the code: modules and lines per app, and import arrows between apps.

Run from the project root: ``python docs/code_map.py``. It reads the source with ``ast`` (no
Django needed). An arrow is one ``import``/``from ... import`` statement in a module of one app
that names a module of another app (``compliance``, ``jurisdictions``, ``grants``); imports
inside functions count too, and are listed apart because they hide a dependency. Migrations
are left out.
"""

from __future__ import annotations

import ast
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APPS = ("compliance", "jurisdictions", "grants")
# Parts of compliance that know no app (DESIGN.md): arrows into them are allowed from below.
DOMAIN_FREE = ("compliance.core", "compliance.risk")


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(tree: ast.Module, module: str) -> list[tuple[str, bool]]:
    """(imported module, imported inside a function) for every import statement."""
    found: list[tuple[str, bool]] = []

    def visit(node: ast.AST, nested: bool) -> None:
        for child in ast.iter_child_nodes(node):
            inside = nested or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef)
            if isinstance(child, ast.Import):
                found.extend((alias.name, inside) for alias in child.names)
            elif isinstance(child, ast.ImportFrom):
                if child.level:
                    base = module.split(".")
                    package = base[: len(base) - child.level + (1 if _is_package(module) else 0)]
                    name = ".".join([*package, child.module] if child.module else package)
                else:
                    name = child.module or ""
                found.append((name, inside))
            visit(child, inside)

    visit(tree, False)
    return found


_PACKAGES: set[str] = set()


def _is_package(module: str) -> bool:
    return module in _PACKAGES


def main() -> int:
    files = [
        path
        for app in APPS
        for path in sorted((ROOT / app).rglob("*.py"))
        if "migrations" not in path.parts
    ]
    for path in files:
        if path.name == "__init__.py":
            _PACKAGES.add(_module_name(path))
    lines: Counter[str] = Counter()
    modules: Counter[str] = Counter()
    long_modules: list[tuple[int, str]] = []
    arrows: Counter[tuple[str, str]] = Counter()
    hidden: list[str] = []
    upward: list[str] = []
    for path in files:
        module = _module_name(path)
        app = module.split(".")[0]
        count = len(path.read_text().splitlines())
        lines[app] += count
        modules[app] += 1
        if count > 400:
            long_modules.append((count, module))
        for target, nested in _imports(ast.parse(path.read_text()), module):
            target_app = target.split(".")[0]
            if target_app not in APPS:
                continue
            if nested and target_app in APPS:
                hidden.append(f"{module} -> {target}")
            if target_app != app:
                arrows[(app, target_app)] += 1
                below = app in ("jurisdictions", "grants")
                if below and target_app == "compliance" and not target.startswith(DOMAIN_FREE):
                    upward.append(f"{module} -> {target}")
    print("modules and lines (migrations aside)")
    for app in APPS:
        print(f"  {app:14} {modules[app]:4} modules {lines[app]:6} lines")
    print(f"  {'total':14} {sum(modules.values()):4} modules {sum(lines.values()):6} lines")
    print("modules over 400 lines")
    for count, module in sorted(long_modules, reverse=True):
        print(f"  {count:5}  {module}")
    print("import arrows between apps (statements)")
    for (source, target), count in sorted(arrows.items()):
        print(f"  {source:14} -> {target:14} {count:4}")
    print(f"arrows from a reference app into compliance beyond core/risk: {len(upward)}")
    for line in sorted(upward):
        print(f"  {line}")
    print(f"imports of project modules inside functions: {len(hidden)}")
    for line in sorted(hidden):
        print(f"  {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
