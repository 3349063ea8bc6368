import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from perno.audit.models import AuditEvent, ChangeEntry
from perno.contacts import services as contact_services
from perno.contacts.models import Address, Affiliation, Company, Contact
from perno.core.exceptions import ConflictError
from perno.core.privacy import registry
from perno.merging import selectors
from perno.merging.models import Merge, MergeRedirect
from perno.merging.services import merge_undo, merges_purge, record_merge
from perno.privacy.erasure import erase_contact
from perno.privacy.models import ConsentEvent, Purpose
from perno.privacy.subject import rows_about
from perno.records import extensions
from perno.search.models import SearchEntry, SearchVisit

pytestmark = pytest.mark.django_db


def links_to(model):
    """Every link (foreign key, many-to-many) from any model to ``model``."""
    found = set()
    for related in model._meta.get_fields(include_hidden=True):
        if related.auto_created and not related.concrete:
            found.add(f"{related.related_model._meta.label}.{related.field.name}")
    return found


@pytest.mark.parametrize("model", [Contact, Company])
def test_every_link_to_a_mergeable_record_is_moved_by_a_relinker(model):
    """A new foreign key to contacts or companies fails here until its app registers a
    merge relinker (``records.extensions.register_relinker("merge:<kind>", ...)``)."""
    kind = model._meta.model_name
    missing = links_to(model) - extensions.relinked(f"merge:{kind}")
    assert not missing, (
        f"links to {kind} that a merge would lose: {sorted(missing)}; register a relinker "
        f'in the app\'s AppConfig.ready(): register_relinker("merge:{kind}", '
        "records.relinking.moving(Model, field), handles=...)"
    )


def test_merge_moves_every_related_record_and_undo_puts_it_back(user, full_contact):
    survivor, _company, _rows = full_contact("Maria", "Bianchi", email="")
    merged, other_company, rows = full_contact("Mariа", "Bianchi2", email="m@example.com")
    merged_pk = merged.pk
    merge = record_merge(
        actor=user,
        kind="contact",
        survivor=survivor,
        merged=merged,
        choices={},
        survivor_version=survivor.version,
        merged_version=merged.version,
    )
    assert not Contact.objects.filter(pk=merged_pk).exists()
    survivor.refresh_from_db()
    assert survivor.email == "m@example.com"  # empty on the survivor: the other's value
    for name, row in rows.items():
        if name == "consent":  # append-only: copied to the survivor, proof and all
            copy = ConsentEvent.objects.get(contact=survivor, occurred_at=row.occurred_at)
            assert (copy.kind, copy.channel, copy.purpose_id) == (
                row.kind,
                row.channel,
                row.purpose_id,
            )
            continue
        row = type(row)._default_manager.filter(pk=row.pk).first()
        if name == "score":
            assert row is None  # computed again by the next refresh
            continue
        if name == "attachment":
            assert row.comment.contact_id == survivor.pk
            continue
        if name == "visit":  # the user had visited both: one visit, the survivor's
            assert row is None
            assert SearchVisit.objects.filter(kind="contact", object_id=survivor.pk).exists()
            continue
        field = "converted_contact_id" if name == "lead" else "contact_id"
        assert getattr(row, field) == survivor.pk, name
    assert set(survivor.companies.values_list("pk", flat=True)) >= {other_company.pk}
    assert sorted(survivor.tags.values_list("name", flat=True)) == ["bianchi", "bianchi2"]
    assert MergeRedirect.objects.get(old_id=merged_pk).new_id == survivor.pk
    assert not SearchEntry.objects.filter(kind="contact", object_id=merged_pk).exists()
    comment_entry = SearchEntry.objects.get(kind="comment", object_id=rows["comment"].pk)
    assert comment_entry.subject_id == survivor.pk
    history = ChangeEntry.objects.filter(object_id=survivor.pk, content_type__model="contact")
    assert history.filter(changes__has_key="merged").exists()
    audit = AuditEvent.objects.filter(object_type="contacts.contact", object_id=survivor.pk)
    assert audit.filter(detail__merge=merge.pk).exists()

    merge_undo(actor=user, merge=merge)
    restored = Contact.objects.get(pk=merged_pk)
    assert restored.first_name == "Mariа" and restored.email == "m@example.com"
    assert sorted(restored.tags.values_list("name", flat=True)) == ["bianchi2"]
    survivor.refresh_from_db()
    assert survivor.email == ""
    assert sorted(survivor.tags.values_list("name", flat=True)) == ["bianchi"]
    for name, row in rows.items():
        row = type(row)._default_manager.get(pk=row.pk)
        if name == "attachment":
            assert row.comment.contact_id == merged_pk
        elif name == "visit":
            assert row.object_id == merged_pk
        elif name == "lead":
            assert row.converted_contact_id == merged_pk
        else:
            assert row.contact_id == merged_pk, name
    assert not MergeRedirect.objects.exists()
    assert SearchEntry.objects.filter(kind="contact", object_id=merged_pk).exists()
    assert SearchEntry.objects.get(kind="comment", object_id=rows["comment"].pk).subject_id == (
        merged_pk
    )
    merge.refresh_from_db()
    assert merge.undone_at and merge.snapshot == {} and merge.not_restored == []
    with pytest.raises(ValidationError):
        merge_undo(actor=user, merge=merge)


def test_a_company_link_both_had_is_kept_once_and_comes_back_on_undo(user):
    acme = contact_services.company_create(actor=user, data={"name": "Acme"})
    one = contact_services.contact_create(actor=user, data={"first_name": "A", "last_name": "B"})
    two = contact_services.contact_create(actor=user, data={"first_name": "A", "last_name": "B"})
    for contact in (one, two):
        contact_services.contact_link_company(actor=user, contact=contact, company=acme)
    merge = record_merge(actor=user, kind="contact", survivor=one, merged=two, choices={})
    assert list(Affiliation.objects.filter(company=acme).values_list("contact", flat=True)) == [
        one.pk
    ]
    merge_undo(actor=user, merge=merge)
    assert set(Affiliation.objects.filter(company=acme).values_list("contact", flat=True)) == {
        one.pk,
        two.pk,
    }


def test_company_merge_moves_people_addresses_and_keeps_the_chosen_name(user):
    keep = contact_services.company_create(actor=user, data={"name": "Rossi"})
    dup = contact_services.company_create(
        actor=user, data={"name": "Rossi S.r.l.", "vat_number": "IT00743110157"}
    )
    person = contact_services.contact_create(actor=user, data={"first_name": "A", "last_name": "B"})
    contact_services.contact_link_company(actor=user, contact=person, company=dup)
    contact_services.address_add(actor=user, record=dup, data={"street": "Via 1", "city": "Roma"})
    record_merge(
        actor=user,
        kind="company",
        survivor=keep,
        merged=dup,
        choices={"name": {"from": "merged"}},
    )
    keep.refresh_from_db()
    assert keep.name == "Rossi S.r.l." and keep.vat_number == "IT00743110157"
    assert list(person.companies.all()) == [keep]
    assert Address.objects.get().company_id == keep.pk


def test_the_strictest_consent_wins_and_both_histories_stay(user):
    purpose = Purpose.objects.filter(legal_basis="consent").first()
    now = timezone.now()
    survivor = contact_services.contact_create(
        actor=user, data={"first_name": "A", "last_name": "B"}
    )
    merged = contact_services.contact_create(actor=user, data={"first_name": "A", "last_name": "B"})

    def step(contact, kind, days, purpose=purpose):
        return ConsentEvent.objects.create(
            contact=contact,
            purpose=purpose,
            kind=kind,
            occurred_at=now - datetime.timedelta(days=days),
            channel="web_form",
        )

    steps = [
        step(merged, "given", 30),
        step(merged, "withdrawn", 20),  # withdrawn on the duplicate...
        step(survivor, "given", 5),  # ...given later on the survivor
        step(merged, "objected", 3, purpose=None),  # objected to all direct marketing
    ]
    merge = record_merge(actor=user, kind="contact", survivor=survivor, merged=merged)
    history = ConsentEvent.objects.filter(contact=survivor)

    def shape(rows):
        return {(s.purpose_id, s.kind, s.occurred_at, s.channel) for s in rows}

    assert shape(steps) <= shape(history)  # both histories, whole (copied: append-only)
    latest = history.filter(purpose=purpose).order_by("-occurred_at", "-id").first()
    assert latest.kind == "withdrawn" and "strictest" in latest.note
    assert history.filter(purpose=None).get().kind == "objected"  # nothing to add
    merge_undo(actor=user, merge=merge)
    assert set(ConsentEvent.objects.filter(contact=survivor)) == {steps[2]}
    assert set(ConsentEvent.objects.filter(contact_id=merged.pk)) == {
        steps[0],
        steps[1],
        steps[3],
    }


def test_a_consent_is_never_upgraded_only_kept(user):
    purpose = Purpose.objects.filter(legal_basis="consent").first()
    now = timezone.now()
    survivor = contact_services.contact_create(
        actor=user, data={"first_name": "A", "last_name": "B"}
    )
    merged = contact_services.contact_create(actor=user, data={"first_name": "A", "last_name": "B"})
    ConsentEvent.objects.create(
        contact=survivor, purpose=purpose, kind="withdrawn", occurred_at=now, channel="email"
    )
    ConsentEvent.objects.create(
        contact=merged,
        purpose=purpose,
        kind="given",
        occurred_at=now - datetime.timedelta(days=1),
        channel="web_form",
    )
    record_merge(actor=user, kind="contact", survivor=survivor, merged=merged)
    history = ConsentEvent.objects.filter(contact=survivor).order_by("-occurred_at", "-id")
    assert history.count() == 2 and history.first().kind == "withdrawn"


def test_bad_choices_are_named_and_nothing_changes(user):
    one = contact_services.contact_create(actor=user, data={"first_name": "A", "last_name": "B"})
    two = contact_services.contact_create(actor=user, data={"first_name": "C", "last_name": "D"})
    with pytest.raises(ValidationError) as info:
        record_merge(
            actor=user,
            kind="contact",
            survivor=one,
            merged=two,
            choices={"shoe_size": {"from": "merged"}, "first_name": {"value": "Zed"}},
        )
    errors = info.value.message_dict
    assert set(errors) == {"shoe_size", "first_name"}
    assert "neither record" in errors["first_name"][0]
    assert Contact.objects.filter(pk=two.pk).exists() and not Merge.objects.exists()
    with pytest.raises(ValidationError):
        record_merge(actor=user, kind="contact", survivor=one, merged=one)


def test_a_merge_racing_an_edit_is_a_version_conflict(user):
    one = contact_services.contact_create(actor=user, data={"first_name": "A", "last_name": "B"})
    two = contact_services.contact_create(actor=user, data={"first_name": "C", "last_name": "D"})
    seen = two.version
    contact_services.contact_update(
        actor=user, contact=two, data={"job_title": "CEO"}, expected_version=seen
    )
    with pytest.raises(ConflictError):
        record_merge(
            actor=user,
            kind="contact",
            survivor=one,
            merged=two,
            survivor_version=one.version,
            merged_version=seen,
        )
    assert Contact.objects.filter(pk=two.pk).exists() and not Merge.objects.exists()


def test_rights_edit_the_survivor_delete_the_other_see_both(user, make_user):
    mine = contact_services.contact_create(actor=user, data={"first_name": "A", "last_name": "B"})
    other = make_user("other", team="Sud")
    theirs = contact_services.contact_create(
        actor=other, data={"first_name": "C", "last_name": "D"}
    )
    # Support sees every contact and edits its team's, but deletes none.
    helper = make_user("helper", role="support", team="Vendite Nord")
    # Another team's record: the sales role does not see it at all.
    with pytest.raises(Http404):
        selectors.record_pair(user=user, kind="contact", survivor_id=mine.pk, merged_id=theirs.pk)
    with pytest.raises(PermissionDenied):
        record_merge(actor=user, kind="contact", survivor=mine, merged=theirs)
    with pytest.raises(Http404):
        selectors.record_pair(user=user, kind="contact", survivor_id=mine.pk, merged_id=10_999_999)
    with pytest.raises(Http404):
        selectors.model_for("deal")
    with pytest.raises(PermissionDenied) as info:
        record_merge(actor=helper, kind="contact", survivor=mine, merged=theirs)
    assert "delete" in str(info.value)
    assert Contact.objects.count() == 2


def test_undo_lists_what_was_changed_since_and_keeps_it(user):
    one = contact_services.contact_create(actor=user, data={"first_name": "A", "last_name": "B"})
    two = contact_services.contact_create(
        actor=user,
        data={"first_name": "A", "last_name": "B", "job_title": "CTO", "email": "x@y.it"},
    )
    merge = record_merge(actor=user, kind="contact", survivor=one, merged=two)
    one.refresh_from_db()
    assert (one.job_title, one.email) == ("CTO", "x@y.it")
    contact_services.contact_update(
        actor=user, contact=one, data={"job_title": "CEO"}, expected_version=one.version
    )
    merge = merge_undo(actor=user, merge=merge)
    one.refresh_from_db()
    assert one.job_title == "CEO" and one.email == ""
    assert any("job title" in line for line in merge.not_restored)


def test_redirects_are_followed_transitively_for_who_may_see_the_survivor(user, make_user):
    a, b, c = (
        contact_services.contact_create(actor=user, data={"first_name": n, "last_name": "X"})
        for n in "abc"
    )
    record_merge(actor=user, kind="contact", survivor=b, merged=a)
    record_merge(actor=user, kind="contact", survivor=c, merged=b)
    assert selectors.redirect_target(user=user, kind="contact", pk=a.pk) == c.pk
    stranger = make_user("stranger", team="Sud")
    assert selectors.redirect_target(user=stranger, kind="contact", pk=a.pk) is None
    assert selectors.redirect_target(user=user, kind="contact", pk="x") is None


def test_retention_empties_the_undo_data_after_thirty_days(user):
    one = contact_services.contact_create(actor=user, data={"first_name": "A", "last_name": "B"})
    two = contact_services.contact_create(actor=user, data={"first_name": "C", "last_name": "D"})
    merge = record_merge(actor=user, kind="contact", survivor=one, merged=two)
    assert merges_purge() == 0
    assert merges_purge(now=timezone.now() + datetime.timedelta(days=31)) == 1
    merge.refresh_from_db()
    assert merge.snapshot == {} and merge.journal == {} and merge.purged_at
    assert not merge.undoable
    with pytest.raises(ValidationError):
        merge_undo(actor=user, merge=merge)
    assert MergeRedirect.objects.filter(old_id=two.pk).exists()  # ids only: it stays


def test_the_undo_snapshot_is_declared_and_goes_with_the_erased_person(user):
    declaration = registry()[Merge]
    assert "snapshot" in declaration.personal and declaration.about == ("survivor_contact",)
    one = contact_services.contact_create(actor=user, data={"first_name": "A", "last_name": "B"})
    two = contact_services.contact_create(actor=user, data={"first_name": "A", "last_name": "B"})
    merge = record_merge(actor=user, kind="contact", survivor=one, merged=two)
    found = [item for item in rows_about(one) if item.model is Merge]
    assert found and merge.pk in [row.pk for item in found for row in item.rows]
    erase_contact(actor=user, contact=one)
    assert not Merge.objects.exists() and not MergeRedirect.objects.exists()
    assert not SearchVisit.objects.filter(object_id=two.pk).exists()
