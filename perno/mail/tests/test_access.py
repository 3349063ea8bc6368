"""Who sees mail: a personal mailbox its owner, a shared one its team, a case's message
who sees the case; everyone else gets 404, in selectors, the API and the search."""

from __future__ import annotations

import pytest
from django.http import Http404

from perno.accounts.services import token_create
from perno.activities.selectors import timeline
from perno.cases.services import case_create, case_delete
from perno.contacts.models import Contact
from perno.mail import selectors, services
from perno.mail.models import MailMessage
from perno.mail.tests.conftest import build, deliver
from perno.search import engine

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(make_user, team, other_team):
    return {
        "anna": make_user("anna2", role="support", team=team.name),
        "bruno": make_user("bruno2", role="support", team=team.name),
        "sud": make_user("sud", role="support", team=other_team.name),
        "boss": make_user("capo", role="manager", team=team.name),
    }


def bearer(user):
    return {"Authorization": f"Bearer {token_create(user=user, name='t', scope='write')[1]}"}


def test_another_teams_mailbox_and_its_messages_are_not_found(
    client, offline_box, people, other_team
):
    theirs = offline_box(team=other_team)
    message = deliver(theirs, build(subject="Zqprivato sud")[0])
    anna = people["anna"]

    with pytest.raises(Http404):
        selectors.mailbox_get(user=anna, pk=theirs.pk)
    with pytest.raises(Http404):
        selectors.message_get(user=anna, pk=message.pk)
    assert not selectors.message_list(user=anna).exists()
    headers = bearer(anna)
    assert client.get(f"/api/v1/mailboxes/{theirs.pk}", headers=headers).status_code == 404
    assert client.get(f"/api/v1/mail-messages/{message.pk}", headers=headers).status_code == 404
    attachment = f"/api/v1/mail-attachments/{10**9}/download"
    assert client.get(attachment, headers=headers).status_code == 404
    assert engine.search(anna, "Zqprivato").total == 0
    sud = people["sud"]
    assert selectors.message_get(user=sud, pk=message.pk) == message
    assert engine.search(sud, "Zqprivato").total == 1


def test_messages_and_attachments_are_suggested_and_filtered_by_type(offline_box, people, team):
    box = offline_box(team=team)
    raw = build(
        subject="Zqsuggerito ordine",
        attachments=[("zqsuggerito.txt", b"Zqsuggerito elenco", "text/plain")],
    )[0]
    deliver(box, raw)
    anna = people["anna"]

    groups = dict(engine.suggest(anna, "Zqsuggerito"))
    assert [h.title for h in groups["mail"]] == ["Zqsuggerito ordine"]
    assert [h.title for h in groups["mailfile"]] == ["zqsuggerito.txt"]
    only_files = engine.search(anna, "Zqsuggerito", filters=engine.Filters(kinds=["mailfile"]))
    assert [h.type for h in only_files.hits] == ["mailfile"]


def test_a_mailbox_moved_to_another_team_takes_its_messages_search_entries_along(
    offline_box, people, team, other_team, admin
):
    box = offline_box(team=team)
    deliver(box, build(subject="Zqtrasloco ordine")[0])
    anna, sud = people["anna"], people["sud"]
    assert engine.search(anna, "Zqtrasloco").total == 1
    services.mailbox_update(
        actor=admin, mailbox=box, data={"team": other_team}, expected_version=None
    )
    assert engine.search(anna, "Zqtrasloco").total == 0  # as the message page: 404
    assert [k for k, _hits in engine.suggest(anna, "Zqtrasloco")] == []
    assert engine.search(sud, "Zqtrasloco").total == 1


def test_a_personal_mailbox_is_its_owners_alone(client, offline_box, people):
    anna, bruno, boss = people["anna"], people["bruno"], people["boss"]
    mine = offline_box(kind="personal", owner=anna, team=None, actor=anna)
    assert mine.team is None  # never a team's, whatever the creator's team
    message = deliver(mine, build(subject="Zqpersonale")[0])

    assert selectors.message_get(user=anna, pk=message.pk) == message
    for other in (bruno, boss):  # a colleague, and the team's manager
        with pytest.raises(Http404):
            selectors.message_get(user=other, pk=message.pk)
        assert engine.search(other, "Zqpersonale").total == 0
    assert engine.search(anna, "Zqpersonale").total == 1


def test_a_case_message_follows_the_case_not_the_mailbox(
    offline_box, people, queue, other_team, agent
):
    personal = offline_box(kind="personal", owner=people["anna"], team=None, actor=people["anna"])
    contact = Contact.objects.create(first_name="Ugo", last_name="Rossi", email="ugo@example.com")
    case = case_create(
        actor=None,
        data={"subject": "Guasto", "contact": contact, "queue": queue, "channel": "email"},
    )
    message = deliver(
        personal, build(subject=f"Re: Guasto {case.token}", sender="ugo@example.com")[0]
    )

    assert message.case == case
    # The case's team (the queue's) sees it, though the mailbox is someone's personal one.
    assert selectors.message_get(user=agent, pk=message.pk) == message
    assert engine.search(agent, "Guasto").total >= 1
    with pytest.raises(Http404):
        selectors.message_get(user=people["sud"], pk=message.pk)


def test_a_deleted_cases_messages_and_attachments_go_back_to_their_mailboxs_rules(
    offline_box, people, queue, other_team, agent, admin
):
    """The message's link to the case is cleared (SET_NULL): its search entries, and its
    attachments', are rebuilt with the mailbox's access, not left with the case's."""
    box = offline_box(team=other_team)
    contact = Contact.objects.create(first_name="Ugo", last_name="Rossi", email="ugo@example.com")
    case = case_create(
        actor=None,
        data={"subject": "Zqcancellato", "contact": contact, "queue": queue, "channel": "email"},
    )
    raw = build(
        subject=f"Re: Zqcancellato {case.token}",
        sender="ugo@example.com",
        attachments=[("zqcancellato.txt", b"Zqcancellato elenco", "text/plain")],
    )[0]
    message = deliver(box, raw)
    assert message.case == case
    assert engine.search(agent, "Zqcancellato", filters=engine.Filters(kinds=["mail"])).total == 1
    assert engine.search(people["sud"], "Zqcancellato").total == 0

    case_delete(actor=admin, case=case)

    message.refresh_from_db()
    assert message.case_id is None
    assert engine.search(agent, "Zqcancellato").total == 0  # as the message page: 404
    with pytest.raises(Http404):
        selectors.message_get(user=agent, pk=message.pk)
    found = engine.search(people["sud"], "Zqcancellato")
    assert sorted(h.type for h in found.hits) == ["mail", "mailfile"]


def test_the_timeline_of_a_contact_shows_only_the_mail_the_reader_may_see(
    offline_box, people, other_team
):
    contact = Contact.objects.create(first_name="Lia", last_name="Verdi", email="lia@example.com")
    ours = offline_box()
    theirs = offline_box(team=other_team)
    seen = deliver(ours, build(subject="Visibile", sender="lia@example.com")[0])
    deliver(theirs, build(subject="Nascosto", sender="lia@example.com")[0])
    assert MailMessage.objects.filter(contact=contact).count() == 2

    entries, _more = timeline(user=people["anna"], target=contact, kinds=["mail"])
    assert [e.item for e in entries] == [seen]
