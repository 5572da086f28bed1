"""French translations are complete and used."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.test import Client

import smarketing

PO = Path(smarketing.__file__).parent / "locale" / "fr" / "LC_MESSAGES" / "django.po"


def _entries() -> list[tuple[str, str, bool]]:
    """(msgid, msgstr, fuzzy) for every entry but the header; one per plural form."""
    found = []
    for block in PO.read_text(encoding="utf-8").split("\n\n"):
        if "msgid " not in block:
            continue
        head, *forms = re.split(r"^msgstr(?:\[\d\])? ", block, flags=re.MULTILINE)
        msgid = "".join(re.findall(r'"(.*)"', head.split("msgid ", 1)[1].split("msgid_plural")[0]))
        for form in forms:
            msgstr = "".join(re.findall(r'"(.*)"', form))
            if msgid:
                found.append((msgid, msgstr, "#, fuzzy" in block))
    return found


def test_every_french_string_is_translated_and_not_fuzzy() -> None:
    entries = _entries()
    assert len(entries) > 150
    assert [msgid for msgid, msgstr, fuzzy in entries if not msgstr or fuzzy] == []


@pytest.mark.django_db
def test_login_page_speaks_french_after_switching() -> None:
    client = Client()
    client.post("/i18n/setlang/", {"language": "fr", "next": "/login/"})
    body = client.get("/login/").content.decode()
    assert "Se connecter" in body
    assert "Mot de passe oublié ?" in body
