"""The scoring consumer in a real worker, killed mid-batch: every event is scored exactly once."""

from __future__ import annotations

import json
import signal
from datetime import UTC, datetime
from pathlib import Path

import pytest

from smarketing.agreement.loading import engagement_from
from smarketing.scoring.engagement import EngagementState, engagement_fold, value_at
from tests.processes import site

pytestmark = pytest.mark.slow


def _cursor(made) -> int:
    rows = made.query("SELECT last_event_id FROM scoring_scoringcursor", ())
    return int(rows[0][0]) if rows else 0


@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
def test_worker_killed_mid_batch_scores_every_event_once(kind: str, tmp_path: Path) -> None:
    with site(kind, tmp_path) as made:
        # given the demo company: an active agreement and thousands of unscored events
        result = made.run(
            "demo", "--no-serve", "--contacts", "6000", "--seed", "5", "--today", "2026-06-30"
        )
        assert result.returncode == 0, result.stderr
        last_event = made.query("SELECT MAX(id) FROM tracking_event", ())[0][0]
        assert last_event > 10_000
        # when a worker is killed right after its first batch committed, and another finishes
        # (batches of 5,000: the default would fold the demo's events in one)
        first = made.start("worker", "--interval", "0.05", SCORING_BATCH="5000")
        made.wait_for(lambda: _cursor(made) > 0, timeout=60)
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
        assert _cursor(made) < last_event  # it died with work left
        made.start("worker", "--interval", "0.05", SCORING_BATCH="5000")
        made.wait_for(lambda: _cursor(made) == last_event, timeout=120)
        # then every contact's stored engagement equals a fold of all its events, each counted once
        text = made.query("SELECT document FROM agreement_agreementversion", ())[0][0]
        engagement = engagement_from(
            (json.loads(text) if isinstance(text, str) else text)["engagement"]
        )
        events: dict[int, list[tuple[str, dict, float]]] = {}
        for contact_id, kind_, props, occurred in made.query(
            "SELECT contact_id, type, properties, occurred_at FROM tracking_event ORDER BY id", ()
        ):
            properties = json.loads(props) if isinstance(props, str) else props
            moment = (
                occurred if isinstance(occurred, datetime) else datetime.fromisoformat(occurred)
            )
            events.setdefault(contact_id, []).append((kind_, properties, _epoch(moment)))
        stored = {
            cid: (value, at)
            for cid, value, at in made.query(
                "SELECT contact_id, value, at FROM scoring_scorestate", ()
            )
        }
        assert set(stored) == set(events)
        when = 1_800_000_000.0
        for contact_id, stream in events.items():
            expected = EngagementState()
            for kind_, properties, moment in stream:
                engagement_fold(
                    expected,
                    event_type=kind_,
                    properties=properties,
                    when=moment,
                    engagement=engagement,
                )
            value, at = stored[contact_id]
            got = value_at(EngagementState(value=value, at=at), when, 30)
            assert got == pytest.approx(value_at(expected, when, 30), abs=1e-6), contact_id


def _epoch(moment: datetime) -> float:
    if moment.tzinfo is None:  # SQLite stores UTC without an offset
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()
