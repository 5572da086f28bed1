"""A backup and its restore lose nothing: every table's row count and checksum are equal after
a round trip, on SQLite and PostgreSQL; a file of the wrong kind changes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.db import connection

from smarketing.contacts.models import Contact
from smarketing.core.backup import backup_kind, backup_restore, backup_write, fingerprint
from smarketing.core.errors import DomainError
from smarketing.demo import generate

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_round_trip_loses_nothing(tmp_path: Path) -> None:
    generate(contacts=300, seed=5)
    before = fingerprint()
    assert before["contacts_contact"][0] == 300
    path = backup_write(tmp_path / "backup.bin")
    assert backup_kind(path) == ("postgres" if connection.vendor == "postgresql" else "sqlite")
    assert path.stat().st_mode & 0o777 == 0o600
    # everything changes after the backup: a contact deleted, another added
    Contact.objects.order_by("id").first().delete()  # type: ignore[union-attr]
    Contact.objects.create(email="new@x.fr", email_normalized="new@x.fr")
    assert fingerprint() != before
    backup_restore(path)
    connection.close()  # the restore replaced the tables under this connection
    assert fingerprint() == before


def test_a_backup_is_never_overwritten_and_a_bad_file_changes_nothing(tmp_path: Path) -> None:
    Contact.objects.create(email="a@x.fr", email_normalized="a@x.fr")
    path = backup_write(tmp_path / "one")
    with pytest.raises(DomainError, match="exists"):
        backup_write(path)
    junk = tmp_path / "junk"
    junk.write_bytes(b"hello")
    with pytest.raises(DomainError, match="not a Smarketing backup"):
        backup_restore(junk)
    wrong = tmp_path / "wrong"
    other = b"PGDMP" if connection.vendor != "postgresql" else b"SQLite format 3\x00"
    wrong.write_bytes(other + b"\x00" * 100)
    with pytest.raises(DomainError, match="backup and the database is"):
        backup_restore(wrong)
    assert Contact.objects.filter(email="a@x.fr").exists()


def test_the_commands_back_up_and_restore(tmp_path: Path, capsys) -> None:
    from smarketing.cli.main import main

    Contact.objects.create(email="a@x.fr", email_normalized="a@x.fr")
    target = tmp_path / "b.backup"
    assert main(["backup", "--output", str(target)]) == 0
    assert f"to {target}" in capsys.readouterr().out
    Contact.objects.all().delete()
    assert main(["restore", str(target), "--yes"]) == 0
    connection.close()
    assert Contact.objects.filter(email="a@x.fr").exists()
    junk = tmp_path / "junk"
    junk.write_text("no")
    assert main(["restore", str(junk), "--yes"]) == 2
    assert "is not a Smarketing backup" in capsys.readouterr().err
