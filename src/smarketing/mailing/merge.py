"""Merge fields: the allowlist, the check of a template part, and its rendering.

A part is a Django template run by an engine of its own (no loaders, no ``{% load %}``), with
only a few tags (``if``, ``comment``) and a few text filters allowed, and only the merge fields
below: a template that names anything else is refused when it is saved, naming the field.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from django.template import Context, Engine, Template, TemplateSyntaxError
from django.template.base import FilterExpression, Node, TextNode, Variable, VariableNode
from django.template.defaulttags import CommentNode, IfNode, TemplateLiteral

from smarketing.core.errors import DomainError
from smarketing.mailing.errors import MailingErrorCode

MERGE_FIELDS: dict[str, str] = {
    "contact.first_name": "the contact's first name",
    "contact.last_name": "the contact's last name",
    "contact.full_name": "the contact's first and last name",
    "contact.email": "the contact's e-mail address",
    "contact.job_title": "the contact's job title",
    "account.name": "the contact's company",
    "owner.first_name": "the contact owner's first name",
    "owner.last_name": "the contact owner's last name",
    "owner.full_name": "the contact owner's first and last name",
    "owner.email": "the contact owner's e-mail address",
    "unsubscribe_url": "the one-click unsubscribe page of this message",
    "site_url": "the product's address (BASE_URL)",
}
ALLOWED_FILTERS = frozenset(
    {"default", "upper", "lower", "title", "capfirst", "truncatewords", "truncatechars"}
)
ALLOWED_NODES = (TextNode, VariableNode, IfNode, CommentNode)

_HTML = Engine(autoescape=True, libraries={}, loaders=[])
_PLAIN = Engine(autoescape=False, libraries={}, loaders=[])


@dataclass(frozen=True)
class Part:
    """One template part to check: its field name (``html_fr``), label and source."""

    field: str
    label: str
    source: str
    is_html: bool


def _refuse(part: Part, message: str, code: MailingErrorCode) -> DomainError:
    return DomainError(f"{part.label}: {message}", code=code, field=part.field)


def _filter_expressions(node: Node) -> Iterator[FilterExpression]:
    if isinstance(node, VariableNode):
        yield node.filter_expression
    elif isinstance(node, IfNode):
        for condition, _nodelist in node.conditions_nodelists:
            yield from _condition_expressions(condition)


def _condition_expressions(condition: Any) -> Iterator[FilterExpression]:
    if condition is None:
        return
    if isinstance(condition, TemplateLiteral):
        if isinstance(condition.value, FilterExpression):
            yield condition.value
        return
    for side in ("first", "second"):
        yield from _condition_expressions(getattr(condition, side, None))


def _variables(expression: FilterExpression) -> Iterator[Variable]:
    if isinstance(expression.var, Variable):
        yield expression.var
    for _func, args in expression.filters:
        for is_lookup, arg in args:
            if is_lookup and isinstance(arg, Variable):
                yield arg


def part_check(part: Part) -> Template:
    """Compile ``part`` and check its tags, filters and merge fields; raise :class:`DomainError`
    (with ``field`` set to the part) naming what is wrong."""
    engine = _HTML if part.is_html else _PLAIN
    try:
        template = Template(part.source, engine=engine)
    except TemplateSyntaxError as exc:
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else "?"
        raise _refuse(
            part, f"template error: {first_line}", MailingErrorCode.TEMPLATE_SYNTAX
        ) from None
    for node in template.nodelist.get_nodes_by_type(Node):
        if isinstance(node, TextNode) and ("{{" in node.s or "{%" in node.s):
            raise _refuse(
                part,
                "a {{ or {% is never closed (write }} or %} after it).",
                MailingErrorCode.TEMPLATE_SYNTAX,
            )
        if not isinstance(node, ALLOWED_NODES):
            tag = getattr(node, "token", None)
            shown = tag.contents.split()[0] if tag is not None and tag.contents else "?"
            raise _refuse(
                part,
                f"the tag {{% {shown} %}} is not allowed (only if, elif, else and comment).",
                MailingErrorCode.TEMPLATE_TAG_NOT_ALLOWED,
            )
        for expression in _filter_expressions(node):
            for func, _args in expression.filters:
                name = getattr(func, "_filter_name", func.__name__)
                if name not in ALLOWED_FILTERS:
                    raise _refuse(
                        part,
                        f"the filter |{name} is not allowed (allowed: "
                        f"{', '.join(sorted(ALLOWED_FILTERS))}).",
                        MailingErrorCode.TEMPLATE_FILTER_NOT_ALLOWED,
                    )
            for variable in _variables(expression):
                if variable.literal is not None:
                    continue
                name = ".".join(variable.lookups or ())
                if name not in MERGE_FIELDS:
                    raise _refuse(
                        part,
                        f"unknown merge field {{{{ {name} }}}} (allowed: "
                        f"{', '.join(MERGE_FIELDS)}).",
                        MailingErrorCode.UNKNOWN_MERGE_FIELD,
                    )
    return template


def part_render(source: str, values: Mapping[str, Mapping[str, str] | str], *, html: bool) -> str:
    """Render a checked template part with the merge values (HTML parts escape them)."""
    engine = _HTML if html else _PLAIN
    return Template(source, engine=engine).render(Context(dict(values), autoescape=html))
