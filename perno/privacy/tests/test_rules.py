"""Purpose limitation: ``processable``/``may_process`` against a plain-Python reference
over random consent histories (hypothesis), plus the cases named in the GDPR."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from perno.contacts.models import Contact
from perno.privacy.models import ConsentEvent, LegalBasis, Purpose, Restriction
from perno.privacy.rules import may_process, processable

pytestmark = pytest.mark.django_db

BASES = list(LegalBasis.values)
KINDS = list(ConsentEvent.Kind.values)
T0 = timezone.now().replace(microsecond=0) - timedelta(days=30)


@dataclass
class Step:
    purpose: int | None  # index into the purposes, None: all direct marketing
    kind: str
    minute: int


def reference(
    basis: str, marketing: bool, active: bool, index: int, steps, restrictions, minute: int
) -> bool:
    """The rule as the GDPR states it, over a list of steps in recorded order."""
    if not active:
        return False
    for start, end in restrictions:
        if start <= minute and (end is None or end > minute):
            return False
    mine = [
        s
        for s in steps
        if s.minute <= minute
        and (s.purpose == index or (marketing and s.purpose is None and s.kind == "objected"))
    ]
    mine.sort(key=lambda s: s.minute)  # stable: same moment, recorded order
    if basis == "consent":
        return bool(mine) and mine[-1].kind == "given"
    if basis in ("legitimate_interest", "public_task") or marketing:
        decisive = [s for s in mine if s.kind in ("given", "objected")]
        return not decisive or decisive[-1].kind == "given"
    return True


purposes_strategy = st.lists(
    st.tuples(st.sampled_from(BASES), st.booleans(), st.booleans()), min_size=1, max_size=3
)


@st.composite
def histories(draw):
    purposes = draw(purposes_strategy)
    count = len(purposes)
    steps = draw(
        st.lists(
            st.one_of(
                st.builds(
                    Step,
                    st.integers(0, count - 1),
                    st.sampled_from(KINDS),
                    st.integers(0, 20),
                ),
                st.builds(Step, st.none(), st.just("objected"), st.integers(0, 20)),
            ),
            max_size=8,
        )
    )
    restrictions = draw(
        st.lists(
            st.tuples(st.integers(0, 20), st.one_of(st.none(), st.integers(0, 25))), max_size=2
        )
    )
    restrictions = [(a, b) for a, b in restrictions if b is None or b > a]
    return purposes, steps, restrictions


@pytest.fixture
def contact(db):
    return Contact.objects.create(first_name="Ada", last_name="Neri")


class Rollback(Exception):
    pass


@settings(
    max_examples=120,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(history=histories())
def test_processable_matches_the_reference(contact, history):
    purposes_spec, steps, restrictions = history
    try:
        with transaction.atomic():
            purposes = [
                Purpose.objects.create(
                    code=f"p{i}",
                    name=f"P{i}",
                    legal_basis=basis,
                    is_direct_marketing=dm,
                    is_active=active,
                )
                for i, (basis, dm, active) in enumerate(purposes_spec)
            ]
            for step in steps:
                ConsentEvent.objects.create(
                    contact=contact,
                    purpose=None if step.purpose is None else purposes[step.purpose],
                    kind=step.kind,
                    occurred_at=T0 + timedelta(minutes=step.minute),
                    channel="operator",
                )
            for start, end in restrictions:
                Restriction.objects.create(
                    contact=contact,
                    reason="test",
                    started_at=T0 + timedelta(minutes=start),
                    lifted_at=None if end is None else T0 + timedelta(minutes=end),
                )
            one = Contact.objects.filter(pk=contact.pk)
            for index, (basis, dm, active) in enumerate(purposes_spec):
                for minute in (0, 5, 10, 15, 21):
                    at = T0 + timedelta(minutes=minute, seconds=30)
                    expected = reference(basis, dm, active, index, steps, restrictions, minute)
                    got = processable(one, purposes[index], at).exists()
                    assert got == expected, (basis, dm, active, index, steps, restrictions, minute)
            raise Rollback
    except Rollback:
        pass


def make(code, basis, dm=False):
    return Purpose.objects.create(code=code, name=code, legal_basis=basis, is_direct_marketing=dm)


def step(contact, purpose, kind, minutes_ago):
    return ConsentEvent.objects.create(
        contact=contact,
        purpose=purpose,
        kind=kind,
        occurred_at=timezone.now() - timedelta(minutes=minutes_ago),
        channel="operator",
    )


def test_consent_needs_a_consent_not_withdrawn(contact):
    newsletter = make("nl", "consent", dm=True)
    assert not may_process(contact, newsletter)
    step(contact, newsletter, "given", 10)
    assert may_process(contact, newsletter)
    step(contact, newsletter, "withdrawn", 5)
    assert not may_process(contact, newsletter)


def test_objection_to_direct_marketing_is_absolute(contact):
    offers = make("offers", "legitimate_interest", dm=True)
    news = make("news", "consent", dm=True)
    billing = make("billing", "contract")
    step(contact, news, "given", 30)
    assert may_process(contact, offers) and may_process(contact, news)
    step(contact, None, "objected", 20)  # to all direct marketing
    assert not may_process(contact, offers) and not may_process(contact, news)
    assert may_process(contact, billing)  # a contract does not depend on the person's will
    step(contact, news, "given", 10)  # the person's own new consent lifts it, for that purpose
    assert may_process(contact, news) and not may_process(contact, offers)


def test_restriction_stops_every_purpose_until_lifted(contact):
    billing = make("billing", "contract")
    restriction = Restriction.objects.create(contact=contact, reason="accuracy contested")
    assert not may_process(contact, billing)
    restriction.lifted_at = timezone.now()
    restriction.save()
    assert may_process(contact, billing)


def test_an_inactive_purpose_and_an_erased_contact_are_never_processed(contact):
    billing = make("billing", "contract")
    assert processable(Contact.objects.all(), billing).filter(pk=contact.pk).exists()
    billing.is_active = False
    billing.save()
    assert not may_process(contact, billing)
    billing.is_active = True
    billing.save()
    gone = Contact(pk=contact.pk)
    Contact.objects.filter(pk=contact.pk).delete()
    assert not may_process(gone, billing)


def test_processable_is_one_query_for_many_contacts(django_assert_num_queries):
    news = make("news", "consent", dm=True)
    contacts = [Contact.objects.create(first_name="C", last_name=str(n)) for n in range(30)]
    for contact in contacts[::3]:
        step(contact, news, "given", 5)
    with django_assert_num_queries(1):
        allowed = set(processable(Contact.objects.all(), news).values_list("pk", flat=True))
    assert allowed == {c.pk for c in contacts[::3]}
