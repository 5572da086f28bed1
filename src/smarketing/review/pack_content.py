"""The third part of the agenda: how content did, with sales' ratings, and the content sales
asked for (the backlog), the most voted first."""

from __future__ import annotations

from typing import Any

from smarketing.marketing.content_report import content_requests, content_results

SHOWN = 10


def content_section() -> dict[str, Any]:
    """The assets consumed or rated (most consumed first) and the open requests."""
    assets = []
    for results in content_results():
        if not (results.touched or results.helped or results.did_not_help):
            continue
        assets.append(
            {
                "asset_id": results.asset.pk,
                "title": results.asset.title,
                "touched": results.touched,
                "mqls": results.mqls,
                "sqls": results.sqls,
                "influenced": ", ".join(
                    f"{amount:,.2f} {currency}"
                    for currency, amount in sorted(results.influenced.items())
                ),
                "helped": results.helped,
                "did_not_help": results.did_not_help,
                "comments": [rating.comment for rating in results.comments],
            }
        )
        if len(assets) == SHOWN:
            break
    requests = [
        {
            "request_id": request.pk,
            "title": request.title,
            "persona": request.persona,
            "stage": request.stage,
            "status": request.get_status_display(),
            "votes": getattr(request, "votes", 0),
        }
        for request in content_requests()[:SHOWN]
    ]
    return {"assets": assets, "requests": requests}
