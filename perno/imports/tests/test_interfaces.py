"""The import through the API and ``perno import <records>``: the same engine, checks
and rights as the wizard."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from perno import cli
from perno.contacts.models import Contact
from perno.imports import services
from perno.imports.models import ImportJob, ImportMapping
from perno.sales.models import Deal

pytestmark = pytest.mark.django_db

FILE = (
    "Nome;Cognome;Email;Data di nascita;Fatturato\n"
    "Mario;Rossi;mario@example.it;31/12/1980;1.234,50\n"
    "Luca;Bianchi;non-valida;01/02/1990;10\n"
)


def _upload(api: Any, entity: str = "contact", text: str = FILE, name: str = "p.csv") -> Any:
    upload = SimpleUploadedFile(name, text.encode("cp1252"), content_type="text/csv")
    return api.post("/api/v1/imports", {"entity": entity, "file": upload}, multipart=True)


def test_the_whole_import_through_the_api(
    api: Any, django_capture_on_commit_callbacks: Any
) -> None:
    answer = _upload(api)
    assert answer.status_code == 201, answer.content
    job = answer.json()
    assert job["delimiter"] == ";" and job["headers"][:3] == ["Nome", "Cognome", "Email"]
    assert job["mapping"]["Cognome"] == "last_name" and job["mapping"]["Email"] == "email"
    mapping = {h: job["mapping"].get(h) for h in job["headers"]}
    mapping["Data di nascita"] = None
    mapping["Fatturato"] = None
    mapped = api.post(
        f"/api/v1/imports/{job['id']}/mapping", {"mapping": mapping, "save_as": "Gestionale"}
    )
    assert mapped.status_code == 200, mapped.content
    assert ImportMapping.objects.filter(name="Gestionale", entity="contact").exists()
    preview = api.get(f"/api/v1/imports/{job['id']}/preview").json()
    assert preview["total"] == 2 and preview["counts"]["bad"] == 1
    bad = preview["rows"][1]
    assert "non-valida" in bad["problems"]["email"]
    decided = api.post(f"/api/v1/imports/{job['id']}/decisions", {"default": "skip"})
    assert decided.status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        started = api.post(f"/api/v1/imports/{job['id']}/start", {"all_or_nothing": False})
    assert started.status_code == 202, started.content
    done = api.get(f"/api/v1/imports/{job['id']}").json()
    assert done["status"] == "done" and (done["created"], done["failed"]) == (1, 1)
    assert done["has_bad_rows"] and done["progress"] == 100
    rows = list(
        csv.reader(
            io.StringIO(
                api.get(f"/api/v1/imports/{job['id']}/bad-rows").content.decode("utf-8-sig")
            )
        )
    )
    assert rows[1][1] == "Bianchi" and "non-valida" in rows[1][-1]
    undone = api.post(f"/api/v1/imports/{job['id']}/undo")
    assert undone.status_code == 200 and undone.json()["removed"] == 1
    assert not Contact.objects.filter(email="mario@example.it").exists()


@pytest.mark.parametrize(
    ("entity", "text", "name", "status", "words"),
    [
        ("planet", FILE, "p.csv", 400, "planet"),
        ("contact", "", "p.csv", 400, "empty"),
        ("contact", "Nome,Nome\nA,B\n", "p.csv", 400, "Nome"),
        ("contact", "PK\x03\x04garbage", "p.xlsx", 400, "XLSX"),
    ],
)
def test_bad_uploads_are_refused_in_words(
    api: Any, entity: str, text: str, name: str, status: int, words: str
) -> None:
    answer = _upload(api, entity, text, name)
    assert answer.status_code == status, answer.content
    assert words.lower() in answer.content.decode().lower()
    assert not ImportJob.objects.exists()


def test_a_broken_multipart_body_is_a_clear_400(api: Any) -> None:
    answer = api.post(
        "/api/v1/imports",
        b"--nothing\r\n",
        content_type="multipart/form-data; boundary=",
    )
    assert answer.status_code == 400
    assert not ImportJob.objects.exists()


def test_a_mapping_that_leaves_out_a_required_field(api: Any) -> None:
    job = _upload(api).json()
    answer = api.post(f"/api/v1/imports/{job['id']}/mapping", {"mapping": {"Nome": "first_name"}})
    assert answer.status_code == 400 and "Last name" in answer.content.decode()
    wrong = api.post(
        f"/api/v1/imports/{job['id']}/mapping",
        {"mapping": job["mapping"], "formats": {"email": "dmy"}},
    )
    assert wrong.status_code == 400 and "email" in wrong.content.decode()


def test_another_users_import_is_a_404(api: Any, make_user: Any) -> None:
    other = make_user("sara")
    job = services.import_upload(actor=other, entity="contact", name="x.csv", content=FILE.encode())
    assert api.get(f"/api/v1/imports/{job.pk}").status_code == 404
    assert api.post(f"/api/v1/imports/{job.pk}/undo").status_code == 404
    assert all(j["id"] != job.pk for j in api.get("/api/v1/imports").json())


def test_perno_import_contacts(user: Any, tmp_path: Path, capsys: Any) -> None:
    path = tmp_path / "persone.csv"
    path.write_bytes(FILE.encode("cp1252"))
    bad = tmp_path / "bad.csv"
    argv = [
        "import", "contacts", str(path), "--as", user.username,
        "--map", "Data di nascita=", "--map", "Fatturato=",
        "--bad-rows", str(bad), "--data-dir", str(tmp_path),
    ]  # fmt: skip
    code = cli.main(argv)
    out = capsys.readouterr()
    assert code == 1, out.err  # a row was refused
    assert "1 created" in out.out and "1 refused" in out.out
    assert Contact.objects.filter(email="mario@example.it").exists()
    assert "non-valida" in bad.read_text(encoding="utf-8-sig")

    wrong = cli.main(
        ["import", "contacts", str(path), "--as", user.username, "--map", "Nope=email"]
    )
    assert wrong == 2 and "COLUMN=FIELD" in capsys.readouterr().err
    missing = cli.main(
        ["import", "contacts", str(path), "--as", user.username, "--map", "Cognome="]
    )
    assert missing == 2
    err = capsys.readouterr().err
    assert "Last name" in err and "Nothing imported" in err
    assert cli.main(["import", "contacts", str(path), "--as", "nobody"]) == 2


DEALS = "Titolo,Chiusura\nRinnovo,03/04/2027\n"


def _saved_deal_mapping(owner: Any) -> ImportMapping:
    """A mapping saved for a file whose dates are month first (read day first else)."""
    return ImportMapping.objects.create(
        owner=owner,
        entity="deal",
        name="Gestionale US",
        columns={"Titolo": "title", "Chiusura": "expected_close_date"},
        formats={"expected_close_date": "mdy", "amount": "point"},
    )


def test_a_saved_mapping_brings_its_formats_to_the_cli(
    user: Any, pipeline: Any, tmp_path: Path, capsys: Any
) -> None:
    _saved_deal_mapping(user)
    path = tmp_path / "trattative.csv"
    path.write_text(DEALS, encoding="utf-8")
    argv = ["import", "deals", str(path), "--as", user.username, "--data-dir", str(tmp_path)]
    code = cli.main([*argv, "--mapping", "Gestionale US"])
    assert code == 0, capsys.readouterr()
    job = ImportJob.objects.get()
    # Only the formats of the fields the file maps are kept.
    assert job.formats == {"expected_close_date": "mdy"}
    assert str(Deal.objects.get(title="Rinnovo").expected_close_date) == "2027-03-04"
    assert cli.main([*argv, "--mapping", "Nope"]) == 2
    assert "no saved mapping “Nope”" in capsys.readouterr().err


def test_a_saved_mapping_through_the_api(api: Any, user: Any, pipeline: Any) -> None:
    _saved_deal_mapping(user)
    job = _upload(api, "deal", DEALS, "d.csv").json()
    url = f"/api/v1/imports/{job['id']}/mapping"
    answer = api.post(url, {"saved_mapping": "Gestionale US"})
    assert answer.status_code == 200, answer.content
    assert answer.json()["mapping"] == {"Titolo": "title", "Chiusura": "expected_close_date"}
    assert ImportJob.objects.get(pk=job["id"]).formats == {"expected_close_date": "mdy"}
    # A column mapped otherwise drops that column's saved format.
    answer = api.post(url, {"saved_mapping": "Gestionale US", "mapping": {"Chiusura": None}})
    assert answer.status_code == 200, answer.content
    assert ImportJob.objects.get(pk=job["id"]).formats == {}
    missing = api.post(url, {"saved_mapping": "Nope"})
    assert missing.status_code == 400 and "Nope" in missing.content.decode()
