"""The pack printed: a PDF whose text holds the agenda's headings, the recommendations and the
figures, and whose charts are vector graphics."""

from __future__ import annotations

import re
import subprocess
from datetime import date
from pathlib import Path

import pytest
from django.test import Client

from smarketing.review.charts import Bar, bars_svg
from smarketing.review.services import review_pack_make
from tests.scorecard_world import scorecard_people, three_months, utc

pytestmark = pytest.mark.django_db
JUNE_1 = utc(2027, 6, 1, 7)


def test_the_pdf_holds_the_agenda_the_recommendations_and_the_figures(
    make_user, tmp_path: Path
) -> None:
    # given May 2027's pack (9 MQLs against a quota of 4)
    people = scorecard_people(make_user)
    three_months(people, JUNE_1)
    review_pack_make(month=date(2027, 5, 1), now=JUNE_1)
    client = Client()
    client.force_login(people["lea"])
    # when it is printed
    response = client.get("/review/2027-05/pack.pdf")
    # then
    assert response["Content-Type"] == "application/pdf"
    pdf = tmp_path / "pack.pdf"
    pdf.write_bytes(response.content)
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    for heading in ("1. MQLs", "2. Sales objectives", "3. Content and next actions"):
        assert heading in text
    assert "raise it from 4 to 5" in text
    assert "9 MQLs handed over, 4 accepted, 3 rejected" in text
    assert re.search(r"All MQLs +9 ?/ ?4", text)  # delivered / quota
    # the charts are vector shapes with their words (no image inside)
    assert re.search(r"First touch +0 %", text)
    assert b"/Subtype /Image" not in response.content
    assert client.get("/review/2027-04/pack.pdf").status_code == 404


def test_a_bar_chart_is_plain_svg_with_its_marks() -> None:
    svg = bars_svg([Bar("All MQLs", 9, 4), Bar("CFO", 2, None)])
    assert svg.startswith('<svg xmlns="http://www.w3.org/2000/svg" width="480" height="60"')
    assert svg.count("<rect ") == 2
    assert svg.count("<line ") == 1  # one mark: the CFO line has no quota
    # 9 is the top: 290 px; the quota 4 is drawn at 150 + 290 × 4 / 9 = 278.9
    assert 'width="290.0"' in svg
    assert 'x1="278.9"' in svg
    assert bars_svg([]) == ""
