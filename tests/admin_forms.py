"""Posting a Django admin form as a person would: the form as shown, with some changes."""

from __future__ import annotations

from typing import Any

from django.contrib.admin.widgets import AdminSplitDateTime as SplitDateTimeWidget
from django.http import HttpResponse
from django.test import Client


def admin_post(client: Client, url: str, **changes: str) -> HttpResponse:
    """Post the admin form at ``url`` (change or add) as shown, with ``changes``."""
    page = client.get(url)
    form = page.context["adminform"].form
    data: dict[str, Any] = {}
    for name, field in form.fields.items():
        value = form[name].value()  # the initial value as shown (a callable default called)
        if isinstance(field.widget, SplitDateTimeWidget):
            shown = field.widget.decompress(value)
            data[f"{name}_0"], data[f"{name}_1"] = ("" if v is None else v for v in shown)
        elif value is not None:
            data[name] = getattr(value, "pk", value)
    for inline in page.context["inline_admin_formsets"]:
        management = inline.formset.management_form
        data.update({management.add_prefix(k): v for k, v in management.initial.items()})
        for row in inline.formset.forms:  # read-only rows: their hidden id and contact
            shown = {row.add_prefix(name): row[name].value() for name in row.fields}
            data.update({k: v for k, v in shown.items() if v is not None})
    return client.post(url, {**data, **changes})


def admin_errors(response: HttpResponse) -> list[Any]:
    """The errors of the main form and its inlines, as the page shows them."""
    context = response.context or {}
    errors = [context["adminform"].form.errors] if "adminform" in context else []
    return errors + [i.formset.errors for i in context.get("inline_admin_formsets", [])]
