"""What each KPI is called on the pages, in the reader's language (the command and the API
name them in English, docs/kpis.md)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from smarketing.contacts.choices import LifecycleStage

FIXED = {
    "days MQL → won (median)": gettext_lazy("Days MQL → won (median)"),
    "days MQL → won (p75)": gettext_lazy("Days MQL → won (p75)"),
    "deals won": gettext_lazy("Deals won"),
    "deals lost": gettext_lazy("Deals lost"),
    "win rate": gettext_lazy("Win rate"),
    "won revenue": gettext_lazy("Won revenue"),
    "average deal size": gettext_lazy("Average deal size"),
    "days to close a won deal (median)": gettext_lazy("Days to close a won deal (median)"),
    "days to close a won deal (p75)": gettext_lazy("Days to close a won deal (p75)"),
    "open deals at the end": gettext_lazy("Open deals at the end"),
    "open pipeline": gettext_lazy("Open pipeline"),
    "weighted forecast": gettext_lazy("Weighted forecast"),
    "sales velocity (per day)": gettext_lazy("Sales velocity (per day)"),
    "revenue target": gettext_lazy("Revenue target"),
    "won revenue ÷ target": gettext_lazy("Won revenue ÷ target"),
    "new customers target": gettext_lazy("New customers target"),
    "new customers ÷ target": gettext_lazy("New customers ÷ target"),
    "total cost": gettext_lazy("Total cost"),
    "cost per lead": gettext_lazy("Cost per lead"),
    "cost per MQL": gettext_lazy("Cost per MQL"),
    "cost per customer (CAC)": gettext_lazy("Cost per customer (CAC)"),
}
# the attribution models (docs/kpis.md, "Attribution")
MODEL_LABELS = {
    "first_touch": gettext_lazy("First touch"),
    "last_touch": gettext_lazy("Last touch"),
    "linear": gettext_lazy("Linear"),
    "u_shaped": gettext_lazy("U-shaped"),
    "w_shaped": gettext_lazy("W-shaped"),
    "full_path": gettext_lazy("Full path"),
    "time_decay": gettext_lazy("Time decay"),
}


def _stage(value: str) -> str:
    if value == "won":
        return str(_("won"))
    return str(LifecycleStage(value).label) if value in LifecycleStage.values else value


def kpi_label(name: str) -> str:
    """The figure ``name`` as the pages show it."""
    if name in FIXED:
        return str(FIXED[name])
    if name.startswith("entered "):
        return _("Entered %(stage)s") % {"stage": _stage(name.removeprefix("entered "))}
    if name.startswith("at ") and name.endswith(" at the end"):
        stage = name.removeprefix("at ").removesuffix(" at the end")
        return _("At %(stage)s at the end") % {"stage": _stage(stage)}
    if name.startswith("MQL → "):
        return _("MQL → %(stage)s") % {"stage": _stage(name.removeprefix("MQL → "))}
    if name.startswith("→ "):
        return _("→ %(stage)s") % {"stage": _stage(name.removeprefix("→ "))}
    if name.startswith("days in "):
        stage, _sep, which = name.removeprefix("days in ").partition(" ")
        return _("Days in %(stage)s %(which)s") % {"stage": _stage(stage), "which": which}
    if name == "MQLs":
        return str(_("MQLs"))
    return name
