"""Change one value of an agreement's YAML text, leaving the rest of the text as it was written.

A value is found by its steps from the top of the document: a mapping key (``"sla"``), a list
index (``0``) or ``("key", "hot")`` for the item of a list whose ``key`` field is ``hot``.
"""

from __future__ import annotations

import copy
from typing import Any

import yaml

from smarketing.agreement.errors import AgreementErrorCode
from smarketing.core.errors import DomainError

Step = str | int | tuple[str, str]


def _missing(steps: tuple[Step, ...]) -> DomainError:
    return DomainError(
        f"The agreement has no value at {steps_path(steps)}.",
        code=AgreementErrorCode.NO_SUCH_VALUE,
        field="path",
    )


def steps_path(steps: tuple[Step, ...]) -> str:
    """The path as the agreement's diff writes it, e.g. ``sla.terms[hot].accept_hours``."""
    path = ""
    for step in steps:
        if isinstance(step, tuple):
            path += f"[{step[1]}]"
        elif isinstance(step, int):
            path += f"[{step}]"
        else:
            path += f".{step}" if path else step
    return path


def document_get(document: Any, steps: tuple[Step, ...]) -> Any:
    """The value at ``steps``; :class:`DomainError` when there is none."""
    value = document
    for step in steps:
        if isinstance(step, tuple):
            field, wanted = step
            items = value if isinstance(value, list) else []
            value = next((i for i in items if isinstance(i, dict) and i.get(field) == wanted), None)
        elif isinstance(step, int):
            value = value[step] if isinstance(value, list) and 0 <= step < len(value) else None
        else:
            value = value.get(step) if isinstance(value, dict) else None
        if value is None:
            raise _missing(steps)
    return value


def document_set(document: dict[str, Any], steps: tuple[Step, ...], value: Any) -> dict[str, Any]:
    """A copy of ``document`` with ``value`` at ``steps`` (which must exist)."""
    last = steps[-1] if steps else None
    if not isinstance(last, str):
        raise _missing(steps)
    changed = copy.deepcopy(document)
    document_get(changed, steps)  # raises when missing
    document_get(changed, steps[:-1])[last] = value
    return changed


def _node(root: yaml.Node, steps: tuple[Step, ...]) -> yaml.ScalarNode:
    node: yaml.Node | None = root
    for step in steps:
        if isinstance(node, yaml.MappingNode) and isinstance(step, str):
            node = next((v for k, v in node.value if k.value == step), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(step, int):
            node = node.value[step] if 0 <= step < len(node.value) else None
        elif isinstance(node, yaml.SequenceNode) and isinstance(step, tuple):
            field, wanted = step
            node = next(
                (
                    item
                    for item in node.value
                    if isinstance(item, yaml.MappingNode)
                    and any(k.value == field and v.value == wanted for k, v in item.value)
                ),
                None,
            )
        else:
            node = None
        if node is None:
            break
    if not isinstance(node, yaml.ScalarNode):
        raise _missing(steps)
    return node


def _scalar(value: int | float) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return f"{value:g}" if isinstance(value, float) else str(value)


def text_value_set(text: str, steps: tuple[Step, ...], value: int | float, note: str = "") -> str:
    """The YAML ``text`` with the number at ``steps`` replaced by ``value``.

    Only that number changes (comments, order and flow style stay); ``note`` is added as a
    comment at the end of its line. Should the text be too unusual for that, the whole document
    is written out again (same content, plain YAML) with the note on the first line.
    """
    expected = document_set(yaml.safe_load(text), steps, value)
    comment = " ".join(note.split())
    root = yaml.compose(text, Loader=yaml.SafeLoader)
    if root is None:
        raise _missing(steps)
    node = _node(root, steps)
    start, end = node.start_mark.index, node.end_mark.index
    edited = text[:start] + _scalar(value) + text[end:]
    if comment:
        line_end = edited.find("\n", start)
        line_end = len(edited) if line_end == -1 else line_end
        edited = f"{edited[:line_end]}  # {comment}{edited[line_end:]}"
    try:
        reread = yaml.safe_load(edited)
    except yaml.YAMLError:
        reread = None  # the edit broke the text: the whole document is written out below
    if reread == expected:
        return edited
    dumped = yaml.safe_dump(expected, sort_keys=False, allow_unicode=True, width=100)
    return f"# {comment}\n{dumped}" if comment else dumped
