"""Which app may import which: the bottom apps name none of those built on them."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
OUR_APPS = {"organizations", "templates_app", "campaigns", "alerts", "audit", "live", "dashboard"}


def imported_apps(app: str) -> dict[str, set[str]]:
    """Each module of `app` (migrations aside) → the apps of ours it imports."""
    found: dict[str, set[str]] = {}
    for path in (ROOT / app).rglob("*.py"):
        if "migrations" in path.parts:
            continue
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module.split(".")[0])
        found[str(path.relative_to(ROOT))] = (names & OUR_APPS) - {app}
    return found


@pytest.mark.parametrize(
    ("app", "may_import"),
    [
        ("organizations", set()),
        ("live", {"organizations", "templates_app"}),
        ("templates_app", {"organizations"}),
    ],
)
def test_an_app_imports_only_the_apps_below_it(app, may_import):
    forbidden = {
        module: sorted(names - may_import)
        for module, names in imported_apps(app).items()
        if names - may_import
    }

    assert forbidden == {}
