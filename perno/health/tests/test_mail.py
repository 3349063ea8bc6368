"""The monthly report: to administrators in their language, once a month, with the
change since last month and the largest problems; opt-out; and through real SMTP."""

from __future__ import annotations

import email
from datetime import timedelta

from django.core import mail
from django.utils import timezone

from perno.accounts.services import user_create, user_set_preference
from perno.health.figures import visible
from perno.health.mail import monthly_report_send
from perno.health.models import HealthSnapshot
from perno.health.services import EMAIL_PREFERENCE
from perno.health.tasks import health_daily_task


def _last_month(score):
    day = timezone.localdate().replace(day=1) - timedelta(days=3)
    return HealthSnapshot.objects.create(day=day, score=score, figures={})


def test_the_report_goes_once_a_month_to_administrators_who_want_it(world):
    _last_month(40)
    other = user_create(
        username="admin2",
        password="correct-horse-battery-9",
        roles=["administrator"],
        email="admin2@example.com",
    )
    user_set_preference(user=other, key=EMAIL_PREFERENCE, value=False)
    assert monthly_report_send() == 1
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [world.admin.email]  # not the sales user, not who opted out
    snapshot = HealthSnapshot.objects.get(day=timezone.localdate())
    # Over the figures the administrator may see (no privacy right: no compliance group).
    score = visible(snapshot.figures, world.admin)["score"]
    assert f"{score} of 100" in message.subject
    change = score - 40
    assert f"Change since last month: {change} point" in message.body
    assert "http://127.0.0.1:8000/contacts/?health=" in message.body
    html = message.alternatives[0].content
    assert 'href="http://127.0.0.1:8000/health/"' in html and 'lang="en"' in html
    # The largest problem first: 4 contacts without a company (the address ties, after).
    assert "Contacts without: Company: 4" in message.body
    assert monthly_report_send() == 0 and len(mail.outbox) == 1


def test_the_report_is_in_the_administrators_language(world):
    world.admin.language = "it"
    world.admin.save(update_fields=["language"])
    monthly_report_send()
    assert 'lang="it"' in mail.outbox[0].alternatives[0].content


def test_the_hourly_job_takes_one_snapshot_a_day_and_mails_once(world):
    assert health_daily_task() == {"snapshot": 1, "mailed": 1}
    assert health_daily_task() == {"snapshot": 0, "mailed": 0}
    assert HealthSnapshot.objects.count() == 1 and len(mail.outbox) == 1


def test_the_report_through_a_real_smtp_server(world, smtp_inbox):
    assert monthly_report_send() == 1
    [envelope] = smtp_inbox.wait(1)
    assert envelope.rcpt_tos == [world.admin.email]
    parsed = email.message_from_bytes(envelope.content)
    assert parsed.is_multipart()
    kinds = {part.get_content_type() for part in parsed.walk()}
    assert {"text/plain", "text/html"} <= kinds
