"""The same batch sent three times at once, by three processes, to a multi-process server."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.processes import site

POSTER = """
import json, sys, urllib.request
request = urllib.request.Request(
    sys.argv[1], data=open(sys.argv[2], "rb").read(), method="POST",
    headers={"Authorization": "Bearer " + sys.argv[3], "Idempotency-Key": "same-batch",
             "Content-Type": "application/json"},
)
with urllib.request.urlopen(request, timeout=60) as response:
    print(json.dumps({"status": response.status,
                      "replayed": response.headers.get("Idempotent-Replayed") == "true",
                      "body": json.loads(response.read())}))
"""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _up(url: str) -> bool:
    try:
        urllib.request.urlopen(url, timeout=1).close()
    except OSError:
        return False
    return True


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
def test_three_concurrent_copies_store_one_set_of_events(kind: str, tmp_path: Path) -> None:
    with site(kind, tmp_path) as made:
        token_file = tmp_path / "token"
        made.python(
            "from smarketing.capture.tokens import token_create\n"
            "from smarketing.users.services import user_create\n"
            "admin = user_create(username='ops', email='ops@x.fr', password='x-y-z-w-1234',"
            " role='admin')\n"
            f"open({str(token_file)!r}, 'w').write("
            "token_create(actor=admin, name='load', scopes=['events:write'])[1])\n"
        )
        batch = tmp_path / "batch.json"
        batch.write_text(
            json.dumps(
                {
                    "events": [
                        {
                            "type": "page_view",
                            "occurred_at": "2026-11-24T10:00:00Z",
                            "visitor_id": f"visitor-{n % 37}",
                            "properties": {"path": f"/page/{n}"},
                        }
                        for n in range(1000)
                    ]
                }
            )
        )
        port = _free_port()
        made.start("serve", "--port", str(port), "--workers", "3")
        made.wait_for(lambda: _up(f"http://127.0.0.1:{port}/login/"), timeout=60)
        posters = [
            subprocess.Popen(
                [
                    sys.executable,
                    "-c",
                    POSTER,
                    f"http://127.0.0.1:{port}/api/v1/events",
                    str(batch),
                    token_file.read_text(),
                ],
                stdout=subprocess.PIPE,
                text=True,
            )
            for _ in range(3)
        ]
        answers = [json.loads(p.communicate(timeout=120)[0]) for p in posters]
        assert [a["status"] for a in answers] == [200, 200, 200]
        assert sorted(a["replayed"] for a in answers) == [False, True, True]
        assert all(a["body"] == answers[0]["body"] for a in answers)
        assert answers[0]["body"]["accepted"] == 1000
        assert made.query("SELECT COUNT(*) FROM tracking_event", ()) == [(1000,)]
        assert made.query("SELECT COUNT(*) FROM capture_idempotentrequest", ()) == [(1,)]


FLOOD = """
import re, sys, urllib.parse, urllib.request
url = sys.argv[1]
statuses = []
for n in range(int(sys.argv[2])):
    page = urllib.request.urlopen(url, timeout=30).read().decode()
    token = re.search(r'name="token" value="([^"]+)"', page).group(1)
    data = urllib.parse.urlencode({"token": token, "email": f"flood{sys.argv[3]}-{n}@acme.fr"})
    try:
        with urllib.request.urlopen(url, data=data.encode(), timeout=30) as response:
            statuses.append(response.status)
    except urllib.error.HTTPError as exc:
        statuses.append(exc.code)
print(" ".join(map(str, statuses)))
"""


@pytest.mark.slow
def test_a_form_flood_from_one_address_is_cut_across_web_processes(tmp_path: Path) -> None:
    with site("sqlite", tmp_path) as made:
        key_file = tmp_path / "form"
        made.python(
            "from smarketing.capture.forms import form_create\n"
            "from smarketing.capture.sites import site_create\n"
            "from smarketing.users.services import user_create\n"
            "admin = user_create(username='ops', email='ops@x.fr', password='x-y-z-w-1234',"
            " role='admin')\n"
            "site = site_create(actor=admin, name='Acme', allowed_origins='https://acme.fr')\n"
            f"open({str(key_file)!r}, 'w').write(form_create(actor=admin, site=site, "
            "name='Guide', fields=[]).key)\n"
        )
        port = _free_port()
        made.start("serve", "--port", str(port), "--workers", "3", FORM_RATE_LIMIT="10")
        made.wait_for(lambda: _up(f"http://127.0.0.1:{port}/login/"), timeout=60)
        url = f"http://127.0.0.1:{port}/f/{key_file.read_text()}/"
        if time.time() % 60 > 30:  # rate windows are whole minutes: start early in one
            time.sleep(60 - time.time() % 60)  # (woken as the next minute starts)
        floods = [
            subprocess.Popen(
                [sys.executable, "-c", FLOOD, url, "6", str(n)], stdout=subprocess.PIPE, text=True
            )
            for n in range(3)
        ]
        statuses = [int(s) for p in floods for s in p.communicate(timeout=120)[0].split()]
        # 18 answers from one address, served by 3 processes: 10 accepted, 8 refused
        assert sorted(statuses).count(200) == 10
        assert sorted(statuses).count(429) == 8
        rows = made.query("SELECT COUNT(*) FROM capture_formsubmission", ())
        assert rows == [(10,)]
