"""The date a refresh counts orders up to keeps to the range of every date
(perno.core.inputs), from the page and from the command line; nothing starts."""

from __future__ import annotations

import io
import sys

import pytest

from perno import cli
from perno.analytics.models import Snapshot

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("as_of", ["0001-01-01", "9999-12-31"])
def test_a_refresh_up_to_a_date_out_of_range_is_refused(admin_user, client, login_verified, as_of):
    login_verified(client, admin_user)
    page = client.post("/analytics/refresh/", {"as_of": as_of}, follow=True)
    assert "between 1900-01-01 and 2200-12-31" in page.content.decode()
    assert not Snapshot.objects.exists()


def test_the_command_line_refuses_a_date_out_of_range(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    args = ["analytics", "refresh", "--as-of", "0001-01-01", "--data-dir", str(tmp_path)]
    assert cli.main(args) == 2
    assert "between 1900-01-01 and 2200-12-31" in capsys.readouterr().err
    assert not Snapshot.objects.exists()
