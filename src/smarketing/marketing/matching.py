"""What an event says about where it came from: its UTM values, path and referrer, the campaign
and content asset they match, and its channel (docs/kpis.md, "Touchpoints"). Pure functions."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

from smarketing.marketing.choices import Channel, TouchKind

UTM_KEYS = ("utm_source", "utm_medium", "utm_campaign")
UTM_LENGTH = 200

# utm_medium (lower case) → channel
MEDIUMS: dict[str, str] = {
    **dict.fromkeys(("email", "e-mail", "mail", "newsletter"), Channel.EMAIL),
    **dict.fromkeys(("cpc", "ppc", "paid_search", "paidsearch", "paid-search", "sem"), "paid"),
    **dict.fromkeys(
        ("paid_social", "paidsocial", "paid-social", "social_paid", "social-paid"),
        Channel.PAID_SOCIAL,
    ),
    **dict.fromkeys(
        ("social", "social_media", "social-media", "organic_social", "social-network"),
        Channel.ORGANIC_SOCIAL,
    ),
    **dict.fromkeys(("organic", "seo"), Channel.SEO),
    **dict.fromkeys(("display", "banner", "cpm", "programmatic"), Channel.DISPLAY),
    **dict.fromkeys(("partner", "affiliate"), Channel.PARTNER),
    "referral": Channel.REFERRAL,
    **dict.fromkeys(("event", "events", "tradeshow", "trade_show", "trade-show"), Channel.EVENTS),
    "webinar": Channel.WEBINAR,
}
SOCIAL = frozenset(
    (
        "facebook",
        "fb",
        "instagram",
        "linkedin",
        "lnkd",
        "twitter",
        "x",
        "t",
        "youtube",
        "tiktok",
        "reddit",
        "pinterest",
    )
)
SEARCH = frozenset(("google", "bing", "duckduckgo", "yahoo", "ecosia", "qwant", "baidu", "yandex"))
FORM_TYPES = frozenset(("form_submitted", "demo_requested"))
EMAIL_TYPES = frozenset(("email_opened", "email_clicked"))
WEBINAR_TYPES = frozenset(("webinar_registered", "webinar_attended"))


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def path_key(url_or_path: str) -> str:
    """The path a URL or path names: no scheme, host, query or fragment, no final slash (but
    the root), lower case; '' for nothing."""
    text = url_or_path.strip()
    if not text:
        return ""
    parts = urlsplit(text if "://" in text or text.startswith("/") else "/" + text)
    path = parts.path.lower().rstrip("/") or "/"
    return path[:500]


def _query(url: str) -> dict[str, list[str]]:
    if "?" not in url:
        return {}
    return parse_qs(urlsplit(url).query)


@dataclass(frozen=True)
class Origin:
    """Where an event came from, as its properties say."""

    utm_source: str = ""
    utm_medium: str = ""
    utm_campaign: str = ""
    path: str = ""  # path_key of its page
    url_host: str = ""  # the host of its own URL, when it gives one
    referrer: str = ""

    @property
    def utm(self) -> tuple[str, str, str]:
        return (self.utm_source, self.utm_medium, self.utm_campaign)


def origin_of(properties: Mapping[str, Any]) -> Origin:
    """Read an event's properties: each UTM value from the top-level key, else the tracker's
    ``utm`` object, else the query string of ``url`` or ``path``; ``campaign`` stands for
    ``utm_campaign`` when none is given (e-mail events)."""
    if not isinstance(properties, Mapping):
        properties = {}
    nested = properties.get("utm")
    nested = nested if isinstance(nested, Mapping) else {}
    url = _text(properties.get("url")) or _text(properties.get("page"))
    raw_path = _text(properties.get("path"))
    query = _query(url) or _query(raw_path)
    values = []
    for key in UTM_KEYS:
        value = (
            _text(properties.get(key))
            or _text(nested.get(key))
            or next((v.strip() for v in query.get(key, []) if v.strip()), "")
        )
        if not value and key == "utm_campaign":
            value = _text(properties.get("campaign"))
        values.append(value.lower()[:UTM_LENGTH])
    host = (urlsplit(url).hostname or "") if "://" in url else ""
    return Origin(
        utm_source=values[0],
        utm_medium=values[1],
        utm_campaign=values[2],
        path=path_key(raw_path or url),
        url_host=host.lower(),
        referrer=_text(properties.get("referrer"))[:500],
    )


@dataclass(frozen=True)
class CampaignKey:
    """A campaign as matching sees it: its id, UTM values (lower case) and channel."""

    id: int
    utm: tuple[str, str, str]
    channel: str


def campaign_match(
    campaigns: Iterable[CampaignKey], utm: tuple[str, str, str]
) -> CampaignKey | None:
    """The campaign of an event's UTM values: every non-empty value of the campaign equals the
    event's; the most precise one (most values given) wins, then the oldest (smallest id). An
    event without any UTM value, or a campaign without any, matches nothing."""
    if not any(utm):
        return None
    best: CampaignKey | None = None
    best_rank = (0, 0)
    for campaign in campaigns:
        given = [i for i, value in enumerate(campaign.utm) if value]
        if not given or any(campaign.utm[i] != utm[i] for i in given):
            continue
        rank = (len(given), -campaign.id)
        if best is None or rank > best_rank:
            best, best_rank = campaign, rank
    return best


def _labels(host: str) -> set[str]:
    return set(host.lower().split("."))


def _host(url: str) -> str:
    return (urlsplit(url).hostname or "").lower() if "://" in url else ""


def channel_of(
    *, campaign: CampaignKey | None, origin: Origin, event_type: str, own_hosts: frozenset[str]
) -> str:
    """The channel of a touch: its campaign's; else its utm_medium's (a paid medium from a
    social network's source is paid social); else its type's (e-mail, webinar); else its
    referrer's (a search engine: organic search; a social network: organic social; another
    site: referral); else other (direct visits and navigation within one's own site)."""
    if campaign is not None:
        return campaign.channel
    if origin.utm_medium:
        found = MEDIUMS.get(origin.utm_medium, Channel.OTHER)
        if found == "paid":
            social = _labels(origin.utm_source) & SOCIAL
            return Channel.PAID_SOCIAL if social else Channel.PAID_SEARCH
        return found
    if event_type in EMAIL_TYPES:
        return Channel.EMAIL
    if event_type in WEBINAR_TYPES:
        return Channel.WEBINAR
    host = _host(origin.referrer)
    if not host or host == origin.url_host or host in own_hosts:
        return Channel.OTHER
    labels = _labels(host)
    if labels & SEARCH:
        return Channel.SEO
    if labels & SOCIAL:
        return Channel.ORGANIC_SOCIAL
    return Channel.REFERRAL


def kind_of(event_type: str) -> str:
    """A form answer (form submitted, demo requested), an e-mail interaction, or an event."""
    if event_type in FORM_TYPES:
        return TouchKind.FORM
    if event_type in EMAIL_TYPES:
        return TouchKind.EMAIL
    return TouchKind.EVENT


@dataclass(frozen=True)
class Assets:
    """The content assets as matching sees them: by id, by path and by last path segment."""

    ids: frozenset[int]
    by_path: Mapping[str, int]
    by_slug: Mapping[str, int]  # only slugs a single asset has

    @classmethod
    def of(cls, rows: Iterable[tuple[int, str]]) -> Assets:
        """From (id, path_key) pairs."""
        ids: set[int] = set()
        by_path: dict[str, int] = {}
        slugs: dict[str, list[int]] = {}
        for pk, key in rows:
            ids.add(pk)
            if key:
                by_path[key] = pk
                slug = key.rsplit("/", 1)[-1]
                if slug:
                    slugs.setdefault(slug, []).append(pk)
        by_slug = {slug: pks[0] for slug, pks in slugs.items() if len(pks) == 1}
        return cls(frozenset(ids), by_path, by_slug)


def content_match(assets: Assets, properties: Mapping[str, Any], path: str) -> int | None:
    """The content asset of an event: the one its ``asset_id`` names; else the one at its
    path; else the one whose path ends with its ``content`` or ``webinar`` value."""
    if not isinstance(properties, Mapping):
        return None
    given = properties.get("asset_id")
    if isinstance(given, str) and given.strip().isdigit():
        given = int(given.strip())
    if isinstance(given, int) and not isinstance(given, bool) and given in assets.ids:
        return given
    if path and path in assets.by_path:
        return assets.by_path[path]
    for key in ("content", "webinar"):
        slug = _text(properties.get(key)).lower().strip("/")
        if slug and slug in assets.by_slug:
            return assets.by_slug[slug]
    return None
