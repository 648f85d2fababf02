"""The apps form layers (docs/architecture.md): each may import the ones below it, never one
above. This reads every module's imports, those inside functions included."""

import ast
from pathlib import Path

import pytest

import mentorcircle

# Lowest first. The project package itself (settings, urls) sits above them all.
LAYERS = ["core", "accounts", "programs", "groupsessions", "conversations", "notifications"]
PACKAGE = Path(mentorcircle.__file__).parent


def imported_apps(path: Path) -> set[str]:
    apps = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        for name in names:
            parts = name.split(".")
            if parts[0] == "mentorcircle" and len(parts) > 1 and parts[1] in LAYERS:
                apps.add(parts[1])
    return apps


def upward_imports() -> list[str]:
    found = []
    for app in LAYERS:
        for path in sorted((PACKAGE / app).rglob("*.py")):
            for other in imported_apps(path):
                if LAYERS.index(other) > LAYERS.index(app):
                    found.append(f"{path.relative_to(PACKAGE.parent)} imports {other}")
    return found


def test_every_app_is_a_layer():
    apps = {path.parent.name for path in PACKAGE.glob("*/apps.py")}
    assert apps == set(LAYERS)


def test_no_app_imports_an_app_above_it():
    assert upward_imports() == []


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("from mentorcircle.notifications import tasks", {"notifications"}),
        ("from mentorcircle import notifications", {"notifications"}),
        ("def f():\n    import mentorcircle.groupsessions.services", {"groupsessions"}),
        ("from mentorcircle.core.events import publish", {"core"}),
        ("from . import models", set()),
    ],
)
def test_the_reader_sees_every_kind_of_import(tmp_path, source, expected):
    module = tmp_path / "module.py"
    module.write_text(source)
    assert imported_apps(module) == expected
