"""Reading the cells that name a choice: a country, a company size, a stage, a deal type…

- :func:`country_code`: a country's name or code, in English or French, to its ISO 3166-1
  alpha-2 code (pycountry's names, and its French gettext catalogue).
- :func:`size_band`: a headcount or a band label to a :class:`SizeBand`.
- :func:`choice_value`: the mapping's ``values:`` map, then the text itself, else a default
  with a warning; :func:`unused_value_keys` / :func:`values_unused_report` name the ``values:``
  keys that matched no row of the file (a typo in the mapping).
- :func:`company_key`: a company's name compared as a person would (case, accents,
  punctuation and legal forms such as Inc, Ltd, SAS or GmbH ignored).
"""

from __future__ import annotations

import gettext
import re
import unicodedata
import weakref
from collections.abc import Callable, Collection, Iterable
from functools import cache, lru_cache

import pycountry

from smarketing.contacts.choices import SizeBand
from smarketing.imports.mappings import Mapping
from smarketing.imports.report import ImportReport, Problem
from smarketing.imports.values import shown

# Names pycountry does not hold (checked against pycountry 26.2.16): usual short names, the
# nations of the United Kingdom, and old names still found in CRMs. Keys are normalised.
COUNTRY_EXTRAS = {
    "uk": "GB",
    "great britain": "GB",
    "england": "GB",
    "scotland": "GB",
    "wales": "GB",
    "northern ireland": "GB",
    "grande bretagne": "GB",
    "angleterre": "GB",
    "ecosse": "GB",
    "pays de galles": "GB",
    "irlande du nord": "GB",
    "russia": "RU",
    "turkey": "TR",
    "holland": "NL",
    "hollande": "NL",
    "ivory coast": "CI",
    "cape verde": "CV",
    "burma": "MM",
    "swaziland": "SZ",
    "macedonia": "MK",
    "macau": "MO",
    "palestine": "PS",
    "vatican": "VA",
    "uae": "AE",
    "america": "US",
    "amerique": "US",
}
_ARTICLES = ("the ", "la ", "le ", "les ", "l ")
COUNTRY_CODES = frozenset(c.alpha_2 for c in pycountry.countries)


def text_key(text: str) -> str:
    """``text`` folded for comparing names: accents, case and punctuation ignored (``U.S.A.``
    is ``usa``, ``Royaume-Uni`` is ``royaume uni``, ``&`` is ``and``)."""
    folded = unicodedata.normalize("NFKD", text.casefold())
    folded = "".join(ch for ch in folded if not unicodedata.combining(ch))
    folded = folded.replace("&", " and ").replace(".", "")
    return " ".join(re.sub(r"[\W_]+", " ", folded).split())


def _country_key(text: str) -> str:
    key = text_key(text)
    for article in _ARTICLES:
        if key.startswith(article) and len(key) > len(article):
            return key[len(article) :]
    return key


@cache
def _countries() -> dict[str, str]:
    """Every name and code of every country, normalised, to its alpha-2 code (built once)."""
    french = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["fr"])
    exact: dict[str, str] = {}
    derived: dict[str, set[str]] = {}  # "Bolivia" from "Bolivia, Plurinational State of"
    for country in pycountry.countries:
        code = country.alpha_2
        exact[code.casefold()] = code
        exact[country.alpha_3.casefold()] = code
        for attribute in ("name", "common_name", "official_name"):
            name = getattr(country, attribute, None)
            if not name:
                continue
            for text in {name, french.gettext(name)}:
                exact.setdefault(_country_key(text), code)
                if "," in text:
                    derived.setdefault(_country_key(text.partition(",")[0]), set()).add(code)
    for key, codes in derived.items():
        if len(codes) == 1 and key not in exact:  # "Korea" is two countries: not guessed
            exact[key] = next(iter(codes))
    for key, code in COUNTRY_EXTRAS.items():
        exact.setdefault(key, code)
    return exact


def country_code(text: str) -> str | None:
    """The ISO 3166-1 alpha-2 code of a country named in English or French, or given by its
    alpha-2 or alpha-3 code (``États-Unis``, ``USA``, ``germany`` → ``US``, ``US``, ``DE``);
    None when unknown (the caller warns)."""
    return _countries().get(_country_key(text)) if text.strip() else None


# ---- company sizes ------------------------------------------------------------------------

# (band, lowest, highest headcount); 5,000 is in 1,001–5,000, and "5,000+" starts above it
_BANDS: tuple[tuple[str, int, float], ...] = (
    (SizeBand.MICRO, 1, 10),
    (SizeBand.SMALL, 11, 50),
    (SizeBand.MEDIUM, 51, 200),
    (SizeBand.LARGE, 201, 1000),
    (SizeBand.ENTERPRISE, 1001, 5000),
    (SizeBand.GLOBAL, 5001, float("inf")),
)
_THOUSANDS = re.compile(r"(?<=\d)[ ,.'\u00a0\u202f](?=\d{3}(?!\d))")
_KILO = re.compile(r"(\d+(?:[.,]\d+)?)\s*k\b")
_MORE = re.compile(r"\b(?:more than|over|above|greater than|plus de|au moins)\s*(?=\d)|>\s*")
_LESS = re.compile(r"\b(?:less than|fewer than|under|moins de)\s*(?=\d)|<\s*")
_TO = re.compile(r"(?<=\d)\s*(?:-|\bto\b|\ba\b)\s*(?=\d)")
_SIZE = re.compile(r"(?P<sign>[<>]?)(?P<low>\d+)(?:\.0+)?(?:(?P<plus>\+)|-(?P<high>\d+))?")


def _band_of(count: float) -> str | None:
    for band, low, high in _BANDS:
        if low <= count <= high:
            return band
    return None  # 0: not a headcount (an empty field exported as 0)


@lru_cache(maxsize=1024)
def size_band(text: str) -> str | None:
    """The :class:`SizeBand` of a headcount or of a band, or None when ``text`` is neither.

    A headcount goes to its band: ``2822``, ``2,822``, ``2 822`` or ``2.8K`` → ``1001-5000``.
    A band is read as a range, whatever its separators and words (``1,001–5,000``,
    ``51 to 200``, ``de 51 à 200 salariés``, ``10001+``, ``more than 5000``, ``<10``).
    **A range goes to the band that holds it wholly** (``201-500`` → ``201-1000``), **else to
    the band of its lower bound** (``1000+`` → ``201-1000``, ``501-2000`` → ``201-1000``,
    ``10001+`` → ``5000+``): the size that is certain. Our own bands and labels (``5000+``,
    ``5,000+``, ``1–10``) are read as themselves."""
    value = unicodedata.normalize("NFKD", text.casefold().strip())
    value = "".join(ch for ch in value if not unicodedata.combining(ch))
    value = value.replace("\u2013", "-").replace("\u2014", "-")
    value = _KILO.sub(lambda m: str(round(float(m.group(1).replace(",", ".")) * 1000)), value)
    value = _THOUSANDS.sub("", value)
    value = _LESS.sub("<", _MORE.sub(">", value))
    value = _TO.sub("-", value)
    value = re.sub(r"[^\d<>+.-]", "", re.sub(r"[a-z]+", " ", value))
    if not (match := _SIZE.fullmatch(value)):
        return None
    low, sign = int(match.group("low")), match.group("sign")
    if sign == "<":  # fewer than N
        return (
            _band_of(max(low - 1, 1)) if not (match.group("plus") or match.group("high")) else None
        )
    if sign == ">":
        low += 1
    if match.group("plus") or sign == ">":
        return SizeBand.GLOBAL if low >= 5000 else _band_of(low)
    if match.group("high") is None:
        return _band_of(low)
    high = int(match.group("high"))
    if high < low:
        return None
    for band, lowest, highest in _BANDS:
        if lowest <= max(low, 1) and high <= highest:
            return band
    return _band_of(max(low, 1))


# ---- values of a choice -------------------------------------------------------------------

_used: dict[int, dict[str, set[str]]] = {}  # per report: the values: keys that matched a row


def _used_of(report: ImportReport) -> dict[str, set[str]]:
    key = id(report)
    if key not in _used:
        _used[key] = {}
        weakref.finalize(report, _used.pop, key, None)
    return _used[key]


def _value_key(text: str) -> str:
    return " ".join(text.split()).casefold()


def value_mapped(mapping: Mapping, target: str, text: str, report: ImportReport) -> str | None:
    """What the mapping's ``values:`` map gives ``text`` for ``target`` (keys compared trimmed
    and in any case), or None; the key used is remembered for :func:`values_unused_report`."""
    table = mapping.values.get(target)
    if not table or not text:
        return None
    wanted = _value_key(text)
    for key, value in table.items():
        if _value_key(key) == wanted:
            _used_of(report).setdefault(target, set()).add(_value_key(key))
            return value
    return None


def choice_value(
    mapping: Mapping,
    target: str,
    text: str,
    *,
    allowed: Collection[str],
    default: str,
    number: int,
    report: ImportReport,
    read: Callable[[str], str | None] | None = None,
    then: str = "",
) -> str:
    """The value ``text`` stands for among ``allowed``: the mapping's ``values:`` map for
    ``target`` first, then ``text`` itself if allowed (in any case), then ``read(text)`` (e.g.
    :func:`country_code`); else ``default`` with a warning ``unknown <target> 'X': <then>``
    (``then`` defaults to "imported as <default>", or "left empty"). An empty cell gives
    ``default`` without a warning."""
    text = text.strip()
    if not text:
        return default
    by_case = {value.casefold(): value for value in allowed}
    mapped = value_mapped(mapping, target, text, report)
    candidates = [mapped] if mapped is not None else [text]
    for candidate in candidates:
        if (found := by_case.get(candidate.strip().casefold())) is not None:
            return found
        if read is not None and (found := read(candidate)) is not None and found in allowed:
            return found
    what = shown(text) if mapped is None else f"{shown(text)} (mapped to {shown(mapped)})"
    outcome = then or (f"imported as {default}" if default else "left empty")
    column = mapping.columns.get(target, target)
    report.add(Problem(number, column, f"unknown {target} {what}: {outcome}", "warning"))
    return default


def unused_value_keys(mapping: Mapping, target: str, seen_texts: Iterable[str]) -> list[str]:
    """The keys of the mapping's ``values:`` map for ``target`` that none of ``seen_texts``
    matched (compared trimmed and in any case), in the mapping's order."""
    seen = {_value_key(text) for text in seen_texts}
    return [key for key in mapping.values.get(target, {}) if _value_key(key) not in seen]


def values_unused_report(mapping: Mapping, report: ImportReport) -> None:
    """Warn once per ``values:`` key of the mapping that matched no row of the file, read
    through :func:`value_mapped` / :func:`choice_value` with this ``report`` (call it after
    the last batch). Reported at row 1, the header, in the target's column. A shipped
    mapping's keys are not checked: they list every value the system can export."""
    from smarketing.imports.mappings import shipped

    own = next((m.values for m in shipped() if m.name == mapping.name), {})
    used = _used_of(report)
    for target in mapping.values:
        if target not in mapping.columns:
            continue  # the file has no such column: nothing could match
        for key in unused_value_keys(mapping, target, used.get(target, ())):
            if key in own.get(target, {}):
                continue  # a shipped key, kept when the wizard adds to its mapping
            reason = (
                f"the mapping's value {shown(key)} for {target} matched no row: "
                "is it spelt as in the file?"
            )
            report.add(Problem(1, mapping.columns.get(target, target), reason, "warning"))


# ---- company names ------------------------------------------------------------------------

# legal forms ignored at the end of a company's name (as text_key writes them)
# fmt: off
LEGAL_FORMS = frozenset({
    "inc", "incorporated", "corp", "corporation", "co", "company", "ltd", "limited", "llc",
    "llp", "lp", "plc", "pllc", "pty", "pte", "sa", "sas", "sasu", "sarl", "eurl", "sca", "scs",
    "snc", "sci", "scop", "selarl", "gmbh", "ag", "kg", "ohg", "ug", "mbh", "se", "bv", "nv",
    "srl", "spa", "sl", "slu", "oy", "ab", "as", "aps", "kk",
})
# fmt: on


@lru_cache(maxsize=65536)
def company_key(name: str) -> str:
    """A company's name as compared to find its account: case, accents, punctuation, extra
    spaces and the legal forms at its end ignored (``ACME Inc.``, ``Acme, Inc`` and ``acme``
    are one; ``Société Générale S.A.`` is ``societe generale``; ``Smith & Co`` is ``smith``).
    A name that is only a legal form keeps it."""
    words = text_key(name).split()
    while len(words) > 1:
        if len(words) > 2 and words[-2:] == ["and", "co"]:
            del words[-2:]
        elif words[-1] in LEGAL_FORMS:
            words.pop()
        else:
            break
    return " ".join(words)
