"""The rules of the code's layout that a reader relies on, checked on the source itself.

- outside ``smarketing.agreement`` no code reads an agreement version's raw document;
- no module defines, sends or connects a custom signal (business steps are explicit calls);
- no module is over 400 lines;
- views, API handlers and commands read through selectors, never the ORM;
- every error code raised is an enum member, and every one is in ``docs/errors.md``;
- every app and package is in the architecture document's table;
- no model's relation (a foreign key, one-to-one or many-to-many, string targets such as
  ``"handoff.Handoff"`` included, which import-linter cannot see) points up the layer order.
"""

from __future__ import annotations

import ast
import importlib
import re
import tomllib
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


RELATIONS = frozenset({"ForeignKey", "OneToOneField", "ManyToManyField", "ForeignObject"})


def _layer_ranks() -> dict[str, int]:
    """App → its line in the layer order of pyproject.toml's import-linter contract (the one
    docs/architecture.md draws), 0 at the top."""
    tool = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]
    [contract] = [c for c in tool["importlinter"]["contracts"] if c["type"] == "layers"]
    return {
        name.strip().removeprefix("smarketing."): rank
        for rank, line in enumerate(contract["layers"])
        for name in line.split("|")
    }


def _app_of_label(label: str) -> str | None:
    """The smarketing package of a model label's app (``handoff`` for "handoff.Handoff"), None
    for Django's own apps."""
    from django.apps import apps

    try:
        name = apps.get_app_config(label).name
    except LookupError:
        return label if (PACKAGE / label / "__init__.py").exists() else None
    return name.split(".")[1] if name.startswith("smarketing.") else None


def _target_app(node: ast.expr | None, imported: dict[str, str], here: str) -> str | None:
    """The app a relation's target (a string, a class, ``settings.AUTH_USER_MODEL``) is in."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        if node.value == "self" or "." not in node.value:
            return here
        return _app_of_label(node.value.split(".")[0])
    if isinstance(node, ast.Name):
        return imported.get(node.id, here)
    if isinstance(node, ast.Attribute) and node.attr == "AUTH_USER_MODEL":
        return _app_of_label(settings.AUTH_USER_MODEL.split(".")[0])
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        return imported.get(node.value.id, "?")
    return "?"


def relation_targets(source: str, here: str) -> list[tuple[int, str | None]]:
    """(line, app) of each relation a module of app ``here`` declares in ``source``."""
    tree = ast.parse(source)
    imported = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("smarketing."):
            for alias in node.names:
                imported[alias.asname or alias.name] = (node.module or "").split(".")[1]
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = getattr(node.func, "attr", getattr(node.func, "id", ""))
        if name in RELATIONS:
            target = node.args[0] if node.args else None
            for keyword in node.keywords:
                if keyword.arg == "to":
                    target = keyword.value
            found.append((node.lineno, _target_app(target, imported, here)))
    return found


def relations_upward(source: str, here: str, ranks: dict[str, int]) -> list[str]:
    """The relations in ``source`` (app ``here``) to an app on the same line of the layer
    order or above it, or that cannot be placed."""
    bad = []
    for line, app in relation_targets(source, here):
        if app is None or app == here:
            continue  # Django's own apps sit below every layer; the app's own models
        if app not in ranks or here not in ranks or ranks[app] <= ranks[here]:
            bad.append(f"line {line}: {here} → {app}")
    return bad


def test_the_relation_check_sees_string_and_class_targets_up_the_layers() -> None:
    # given the layer order, and relations of sla (below handoff) and of handoff
    ranks = _layer_ranks()
    assert ranks["sla"] > ranks["handoff"] > ranks["scorecard"]
    upward = (
        "from smarketing.handoff.models import Team\n"
        "from smarketing.scoring.models import ContactScore\n"
        'a = models.ForeignKey("handoff.Handoff", on_delete=models.CASCADE)\n'
        "b = models.OneToOneField(Team, on_delete=models.CASCADE)\n"
        'c = models.ManyToManyField(to="scorecard.Whatever")\n'
        "d = models.ForeignKey(ContactScore, on_delete=models.CASCADE)\n"
    )
    downward = (
        "from smarketing.contacts.models import Contact\n"
        'a = models.ForeignKey("sla.SlaClock", on_delete=models.CASCADE)\n'
        "b = models.ForeignKey(Contact, on_delete=models.CASCADE)\n"
        "c = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)\n"
        'd = models.ForeignKey("self", on_delete=models.CASCADE)\n'
        'e = models.ManyToManyField("auth.Group")\n'
    )
    # then the upward ones (and the sibling scoring, on sla's line) are found, string or class
    assert relations_upward(upward, "sla", ranks) == [
        "line 3: sla → handoff",
        "line 4: sla → handoff",
        "line 5: sla → scorecard",
        "line 6: sla → scoring",
    ]
    assert relations_upward(downward, "handoff", ranks) == []


def test_no_model_relation_points_up_the_layer_order() -> None:
    # given every module's relation fields, as written (string targets included) …
    ranks = _layer_ranks()
    written = [
        f"{path.relative_to(ROOT)} {problem}"
        for path in _modules()
        for problem in relations_upward(
            path.read_text(encoding="utf-8"), path.relative_to(PACKAGE).parts[0], ranks
        )
    ]
    # … and as Django resolved them
    from django.apps import apps

    resolved = []
    for model in apps.get_models():
        here = model.__module__.split(".")
        if here[0] != "smarketing":
            continue
        for field in model._meta.get_fields():
            if not field.is_relation or field.auto_created or field.related_model is None:
                continue
            there = field.related_model.__module__.split(".")  # type: ignore[union-attr]
            upward = ranks.get(there[1], -1) <= ranks.get(here[1], -1)
            if there[0] == "smarketing" and there[1] != here[1] and upward:
                resolved.append(f"{model.__name__}.{field.name}: {here[1]} → {there[1]}")
    # then each points to its own app or down
    assert written == []
    assert resolved == []
