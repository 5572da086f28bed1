"""Words for the agreement's codes in templates: ``{% agreement_label agreement "reason" code %}``.

The label comes from :meth:`smarketing.agreement.document.Agreement.label` in the active
language (English, then the first language written, then the code in words as fallbacks); an
empty code shows nothing and a missing agreement shows the code in words.
"""

from __future__ import annotations

from django import template

from smarketing.agreement.document import Agreement, humanised

register = template.Library()


@register.simple_tag
def agreement_label(agreement: Agreement | None, kind: str, code: str | None) -> str:
    """The label of ``code`` (a reason, persona or SLA term) in the active language."""
    if not code:
        return ""
    if agreement is None:
        return humanised(code)
    return agreement.label(kind, code)
