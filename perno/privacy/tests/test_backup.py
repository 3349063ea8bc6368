"""Backups: a restore brings back every row and file (counts and checksums checked
against the manifest), refuses a damaged backup, and replays the erasure ledger, so a
person erased after the backup stays erased."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from perno import cli
from perno.activities.models import Attachment
from perno.activities.services import comment_create
from perno.contacts.models import Contact
from perno.contacts.services import contact_create
from perno.privacy.backup import BackupError, backup, restore, table_counts
from perno.privacy.erasure import erase_contact, forgotten, ledger_entries
from perno.privacy.tests.test_requests import MARK, person_with_everything

pytestmark = pytest.mark.django_db(transaction=True)


def test_restore_checks_counts_and_checksums_and_replays_erasures(make_user, tmp_path):
    user = make_user("seller", role="sales")
    person, _deal = person_with_everything(user)
    keeper = contact_create(actor=user, data={"first_name": "Resta", "last_name": "Qui"})
    comment_create(
        actor=user,
        target=keeper,
        body="Contract",
        files=[SimpleUploadedFile("contract.txt", b"signed contract", "text/plain")],
    )
    files_before = {
        str(p.relative_to(settings.MEDIA_ROOT)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in Path(settings.MEDIA_ROOT).rglob("*")
        if p.is_file()
    }
    assert files_before
    persons_files = set(
        Attachment.objects.filter(comment__contact=person).values_list("file", flat=True)
    )
    assert persons_files and len(files_before) == len(persons_files) + 1
    manifest = backup(tmp_path / "backup")
    assert manifest["tables"] == table_counts() and manifest["files"] == files_before
    assert manifest["ledger_entries"] == 0

    # After the backup: the person asks to be forgotten; someone new arrives.
    erase_contact(actor=None, contact=person)
    assert len(ledger_entries()) == 1
    contact_create(actor=user, data={"first_name": "Dopo", "last_name": "Backup"})

    report = restore(tmp_path / "backup")
    assert report["replayed"] == 1
    assert not Contact.objects.filter(pk=person.pk).exists()  # stays erased
    assert forgotten(f"{MARK}@example.com")
    assert Contact.objects.filter(pk=keeper.pk).exists()
    assert not Contact.objects.filter(first_name="Dopo").exists()  # the backup's state
    files_after = {
        str(p.relative_to(settings.MEDIA_ROOT)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in Path(settings.MEDIA_ROOT).rglob("*")
        if p.is_file()
    }
    # Every file is back with its checksum, except the erased person's, removed again.
    assert files_after == {
        name: digest for name, digest in files_before.items() if name not in persons_files
    }
    assert not Attachment.objects.filter(original_name__contains=MARK).exists()
    assert len(ledger_entries()) == 1  # replaying does not write the ledger again


def test_a_damaged_backup_is_refused_before_anything_changes(make_user, tmp_path):
    user = make_user("seller", role="sales")
    contact_create(actor=user, data={"first_name": "Ada", "last_name": "Neri"})
    backup(tmp_path / "backup")
    contact_create(actor=user, data={"first_name": "Bo", "last_name": "Verdi"})
    database = (
        tmp_path
        / "backup"
        / json.loads((tmp_path / "backup" / "manifest.json").read_text())["database"]
    )
    database.write_bytes(database.read_bytes()[:-10] + b"0123456789")
    with pytest.raises(BackupError, match="damaged"):
        restore(tmp_path / "backup")
    assert Contact.objects.filter(first_name="Bo").exists()
    with pytest.raises(BackupError, match="not empty"):
        backup(tmp_path / "backup")
    with pytest.raises(BackupError, match="not a Perno backup"):
        restore(tmp_path)


def test_the_backup_and_restore_commands(make_user, tmp_path, capsys):

    user = make_user("seller", role="sales")
    contact_create(actor=user, data={"first_name": "Ada", "last_name": "Neri"})
    assert cli.main(["backup", str(tmp_path / "b"), "--data-dir", str(tmp_path / "d")]) == 0
    assert "Backup written" in capsys.readouterr().out
    assert cli.main(["restore", str(tmp_path / "b"), "--data-dir", str(tmp_path / "d")]) == 2
    assert "--yes" in capsys.readouterr().err
    assert (
        cli.main(["restore", str(tmp_path / "b"), "--yes", "--data-dir", str(tmp_path / "d")]) == 0
    )
    assert "0 erasure(s) replayed" in capsys.readouterr().out
