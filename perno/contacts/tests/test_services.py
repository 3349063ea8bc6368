import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError

from perno.audit.models import ChangeEntry
from perno.contacts import selectors, services
from perno.contacts.models import Affiliation, Company, Contact, CustomFieldDefinition
from perno.core.exceptions import ConflictError

pytestmark = pytest.mark.django_db


def history(obj):
    return list(
        ChangeEntry.objects.filter(
            object_id=obj.pk, content_type__model=obj._meta.model_name
        ).order_by("id")
    )


def test_company_create_normalises_and_records_history(user):
    company = services.company_create(
        actor=user,
        data={
            "name": "  Rossi S.r.l. ",
            "vat_number": "00743110157",
            "country": "it",
            "phone": "06 1234 5678",
            "email": "Info@ROSSI.IT",
        },
        tags=["cliente", "vip"],
    )
    company.refresh_from_db()
    assert company.name == "Rossi S.r.l."
    assert company.vat_number == "IT00743110157"
    assert company.phone == "+390612345678"
    assert company.email == "Info@rossi.it"
    assert company.owner == user and company.team == user.team
    assert sorted(t.name for t in company.tags.all()) == ["cliente", "vip"]
    [entry] = history(company)
    assert entry.action == "create" and entry.actor == user
    assert entry.changes["name"] == [None, "Rossi S.r.l."]
    assert entry.changes["tags"] == [None, ["cliente", "vip"]]


def test_invalid_fields_are_all_reported_and_nothing_is_saved(user):
    with pytest.raises(ValidationError) as info:
        services.company_create(
            actor=user, data={"name": "", "vat_number": "IT123", "phone": "12", "email": "nope"}
        )
    errors = info.value.message_dict
    assert {"vat_number", "phone"} <= set(errors)
    assert Company.objects.count() == 0
    assert ChangeEntry.objects.count() == 0


def test_model_validation_reports_every_bad_field(user):
    with pytest.raises(ValidationError) as info:
        services.company_create(
            actor=user, data={"name": "", "email": "not-an-email", "website": "ftp//x"}
        )
    assert {"name", "email", "website"} <= set(info.value.message_dict)
    assert Company.objects.count() == 0


def test_update_records_field_changes(user):
    company = services.company_create(actor=user, data={"name": "Alfa"})
    updated = services.company_update(
        actor=user,
        company=company,
        data={"name": "Alfa Beta", "industry": "Moda"},
        expected_version=1,
    )
    assert updated.version == 2
    entry = history(company)[-1]
    assert entry.action == "update"
    assert entry.changes == {"name": ["Alfa", "Alfa Beta"], "industry": ["", "Moda"]}


def test_stale_version_conflicts_and_changes_nothing(user):
    company = services.company_create(actor=user, data={"name": "Alfa"})
    services.company_update(actor=user, company=company, data={"name": "Beta"}, expected_version=1)
    with pytest.raises(ConflictError) as info:
        services.company_update(
            actor=user, company=company, data={"name": "Gamma"}, expected_version=1
        )
    assert info.value.current_version == 2
    assert info.value.current.name == "Beta"
    company.refresh_from_db()
    assert (company.name, company.version) == ("Beta", 2)
    assert len(history(company)) == 2


def test_anonymous_and_inactive_users_may_not_write(user):
    with pytest.raises(PermissionDenied):
        services.company_create(actor=AnonymousUser(), data={"name": "X"})
    user.is_active = False
    with pytest.raises(PermissionDenied):
        services.contact_create(actor=user, data={"first_name": "A", "last_name": "B"})
    assert Company.objects.count() == Contact.objects.count() == 0


def test_contact_with_companies_and_roles(user):
    alfa = services.company_create(actor=user, data={"name": "Alfa"})
    beta = services.company_create(actor=user, data={"name": "Beta"})
    contact = services.contact_create(
        actor=user,
        data={
            "first_name": "Ștefan",
            "last_name": "Popescu",
            "mobile": "0721 234 567",
            "country": "ro",
        },
        companies=[(alfa, "Direttore"), (beta, "Consulente")],
    )
    assert contact.mobile == "+40721234567"
    links = {
        a.company.name: (a.job_title, a.is_primary)
        for a in Affiliation.objects.filter(contact=contact)
    }
    assert links == {"Alfa": ("Direttore", True), "Beta": ("Consulente", False)}
    services.contact_unlink_company(actor=user, contact=contact, company=alfa)
    assert list(contact.companies.all()) == [beta]


def test_addresses_are_validated_and_logged(user):
    company = services.company_create(actor=user, data={"name": "Alfa"})
    address = services.address_add(
        actor=user,
        record=company,
        data={"street": "Via Roma 1", "city": "Milano", "postal_code": "20121", "country": "it"},
    )
    assert address.country == "IT"
    with pytest.raises(ValidationError) as info:
        services.address_add(actor=user, record=company, data={"street": "", "city": ""})
    assert {"street", "city"} <= set(info.value.message_dict)
    assert company.addresses.count() == 1
    assert history(company)[-1].changes["addresses"][1].startswith("Via Roma 1")


@pytest.fixture
def custom_fields(admin_user):
    for key, field_type, extra in [
        ("size", "number", {}),
        ("since", "date", {}),
        ("segment", "choice", {"choices": ["A", "B"]}),
        ("partner", "boolean", {}),
        ("code", "text", {"is_required": True}),
    ]:
        services.custom_field_create(
            actor=admin_user,
            data={
                "entity": "company",
                "key": key,
                "label": key.title(),
                "field_type": field_type,
                **extra,
            },
        )


def test_custom_fields_are_typed_and_validated(user, custom_fields):
    company = services.company_create(
        actor=user,
        data={"name": "Alfa"},
        custom_fields={
            "size": "12,5",
            "since": "2024-02-29",
            "segment": "B",
            "partner": "yes",
            "code": "X1",
        },
    )
    assert company.custom_fields == {
        "size": 12.5,
        "since": "2024-02-29",
        "segment": "B",
        "partner": True,
        "code": "X1",
    }
    with pytest.raises(ValidationError) as info:
        services.company_create(
            actor=user,
            data={"name": "Beta"},
            custom_fields={
                "size": "many",
                "since": "29/02/2024",
                "segment": "C",
                "partner": "maybe",
                "nope": 1,
            },
        )
    errors = info.value.message_dict
    assert set(errors) == {
        "custom_fields.size",
        "custom_fields.since",
        "custom_fields.segment",
        "custom_fields.partner",
        "custom_fields.nope",
        "custom_fields.code",
    }
    assert Company.objects.count() == 1


def test_custom_field_changes_show_in_history(user, custom_fields):
    company = services.company_create(
        actor=user, data={"name": "Alfa"}, custom_fields={"code": "X1"}
    )
    services.company_update(
        actor=user, company=company, data={}, expected_version=1, custom_fields={"size": 3}
    )
    assert history(company)[-1].changes == {"custom_fields.size": [None, 3]}


def test_only_administrators_define_custom_fields(user):
    with pytest.raises(PermissionDenied):
        services.custom_field_create(
            actor=user, data={"entity": "deal", "key": "x", "label": "X", "field_type": "text"}
        )
    assert CustomFieldDefinition.objects.count() == 0


def test_choice_fields_need_choices(admin_user):
    with pytest.raises(ValidationError) as info:
        services.custom_field_create(
            actor=admin_user,
            data={
                "entity": "deal",
                "key": "x",
                "label": "X",
                "field_type": "choice",
                "choices": [],
            },
        )
    assert "choices" in info.value.message_dict


def test_selectors_filter_sort_and_hide_everything_from_anonymous(user, make_user):
    other = make_user("andrei", team="Vendite Nord")
    services.contact_create(actor=user, data={"first_name": "Zoe", "last_name": "Bianchi"})
    services.contact_create(
        actor=other, data={"first_name": "Anna", "last_name": "Rossi", "email": "anna@rossi.it"}
    )
    names = [c.last_name for c in selectors.contact_list(user=user, filters={"sort": "-name"})]
    assert names == ["Rossi", "Bianchi"]
    assert [c.first_name for c in selectors.contact_list(user=user, filters={"q": "ross"})] == [
        "Anna"
    ]
    assert [
        c.first_name for c in selectors.contact_list(user=user, filters={"owner": str(other.pk)})
    ] == ["Anna"]
    assert selectors.contact_list(user=AnonymousUser()).count() == 0
    with pytest.raises(ValidationError) as info:
        selectors.contact_list(user=user, filters={"sort": "shoe_size"})
    assert "sort" in info.value.message_dict
