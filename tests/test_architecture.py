"""The rules of the code's layout that a reader relies on, checked on the source itself.

- outside ``smarketing.agreement`` no code reads an agreement version's raw document;
- no module defines, sends or connects a custom signal (business steps are explicit calls);
- no module is over 400 lines;
- views, API handlers and commands read through selectors, never the ORM;
- every error code raised is an enum member, and every one is in ``docs/errors.md``;
- every app and package is in the architecture document's table.
"""

from __future__ import annotations

import ast
import importlib
import re
from pathlib import Path

import pytest
from django.conf import settings

from smarketing.core.errors import ErrorCode

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "smarketing"
MAX_LINES = 400


def _modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "migrations" not in p.parts)


def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _where(path: Path, node: ast.AST) -> str:
    return f"{path.relative_to(ROOT)}:{getattr(node, 'lineno', 0)}"


def _outside(package: str) -> list[Path]:
    return [p for p in _modules() if p.relative_to(PACKAGE).parts[0] != package]


def test_no_code_outside_the_agreement_reads_its_raw_document() -> None:
    # given every module outside smarketing.agreement and every template
    found = []
    for path in _outside("agreement"):
        for node in ast.walk(_tree(path)):
            # version.document, or values_list("pk", "document") and other lookups by name
            if isinstance(node, ast.Attribute) and node.attr == "document":
                found.append(_where(path, node))
            if isinstance(node, ast.Constant) and node.value == "document":
                found.append(_where(path, node))
    for template in sorted(PACKAGE.rglob("templates/**/*.html")):
        for number, line in enumerate(template.read_text(encoding="utf-8").splitlines(), 1):
            if re.search(r"\{[{%][^}]*\.document\b", line):
                found.append(f"{template.relative_to(ROOT)}:{number}")
    # then none reads the document: they read version.agreement (typed) instead
    assert found == []


def test_no_module_defines_sends_or_connects_a_custom_signal() -> None:
    found = []
    for path in _modules():
        for node in ast.walk(_tree(path)):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
                ("django.dispatch", "django.db.models.signals", "django.core.signals")
            ):
                found.append(_where(path, node))
            if isinstance(node, ast.Attribute) and node.attr in {"connect", "send_robust"}:
                found.append(_where(path, node))
            if isinstance(node, ast.Name) and node.id in {"Signal", "receiver"}:
                found.append(_where(path, node))
    assert found == []


def test_no_module_is_over_400_lines() -> None:
    long = {
        str(path.relative_to(ROOT)): lines
        for path in _modules()
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert long == {}


@pytest.mark.parametrize("layer", ["web", "api", "cli"])
def test_views_api_handlers_and_commands_read_through_selectors(layer: str) -> None:
    # given the modules of the layer people and programs talk to
    found = []
    for path in sorted((PACKAGE / layer).rglob("*.py")):
        for node in ast.walk(_tree(path)):
            # Model.objects..., queryset.filter(...) on a model they import
            if isinstance(node, ast.Attribute) and node.attr == "objects":
                found.append(_where(path, node))
    # then none queries the ORM itself
    assert found == []


def _raised_codes() -> list[str]:
    """Every ``code=`` given a text instead of an enum member, and every class ``code = "…"``."""
    found = []
    for path in _modules():
        for node in ast.walk(_tree(path)):
            if isinstance(node, ast.Call):
                for keyword in node.keywords:
                    value = keyword.value
                    if keyword.arg == "code" and isinstance(value, ast.Constant):
                        found.append(f"{_where(path, node)} code={value.value!r}")
            if isinstance(node, ast.ClassDef):
                for statement in node.body:
                    if (
                        isinstance(statement, ast.Assign)
                        and any(getattr(t, "id", "") == "code" for t in statement.targets)
                        and isinstance(statement.value, ast.Constant)
                    ):
                        found.append(f"{_where(path, statement)} code = {statement.value.value!r}")
    return found


def test_error_codes_are_enum_members() -> None:
    assert _raised_codes() == []


def _error_enums() -> list[type[ErrorCode]]:
    for path in sorted(PACKAGE.glob("*/errors.py")):
        importlib.import_module(f"smarketing.{path.parent.name}.errors")
    enums: list[type[ErrorCode]] = []
    pending = list(ErrorCode.__subclasses__())
    while pending:
        enum = pending.pop()
        enums.append(enum)
        pending.extend(enum.__subclasses__())
    return enums


def test_every_error_code_is_in_the_error_reference() -> None:
    # given every domain's error codes
    enums = _error_enums()
    assert len(enums) >= 12  # core, api and each domain that refuses something
    documented = set(re.findall(r"`([a-z_]+)`", (ROOT / "docs" / "errors.md").read_text()))
    # then each one is documented
    missing = sorted(
        f"{enum.__module__}.{enum.__name__}.{member.name}"
        for enum in enums
        for member in enum
        if member.value not in documented
    )
    assert missing == []


def _architecture_table() -> set[str]:
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    return set(re.findall(r"^\| `([a-z_]+)` \|", text, flags=re.MULTILINE))


def test_every_app_and_package_is_in_the_architecture_table() -> None:
    apps = {a.split(".")[1] for a in settings.INSTALLED_APPS if a.startswith("smarketing.")}
    packages = {p.parent.name for p in PACKAGE.glob("*/__init__.py")}
    assert (apps | packages) - _architecture_table() == set()
