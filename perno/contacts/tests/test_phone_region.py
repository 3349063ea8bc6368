"""Phones typed without their +country code: read as numbers of the record's country,
else of the user's, else of their team's (or a parent team's), else of the installation
default; countries are ISO codes picked from a list; the region used is shown."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from perno.accounts import services as account_services
from perno.accounts.models import Team, User
from perno.accounts.regions import phone_region, user_region
from perno.audit.models import ChangeEntry
from perno.contacts import services
from perno.contacts.models import Address, Company, Contact
from perno.core.countries import (
    COUNTRIES,
    clean_country,
    country_choices,
    recode_countries,
    to_code,
)
from perno.core.privacy import registry
from perno.sales.models import Lead
from perno.sales.services import lead_create, lead_update

pytestmark = pytest.mark.django_db

BUCHAREST_PHONE = "0722 000 111"


@pytest.fixture
def bucharest(make_user):
    """A user of a Bucharest team: the team's country is Romania, the user has none."""
    user = make_user("andrei", team="Bucuresti", first_name="Andrei", last_name="Ionescu")
    Team.objects.filter(name="Bucuresti").update(country="RO")
    return User.objects.select_related("team").get(pk=user.pk)


def test_country_codes_names_and_what_older_data_wrote():
    assert len(COUNTRIES) == 250  # the 249 ISO 3166-1 countries and Kosovo
    assert {"IT", "RO", "DE", "GB", "XK"} <= COUNTRIES
    assert not {"EU", "UN", "ZZ", "XA", "QO"} & COUNTRIES
    assert [to_code(v) for v in ("it", " RO ", "UK", "el", "Italia", "România", "germany")] == [
        "IT",
        "RO",
        "GB",
        "GR",
        "IT",
        "RO",
        "DE",
    ]
    assert to_code("") == "" and to_code("XX") is None and to_code("Atlantis") is None
    with pytest.raises(ValidationError) as info:
        clean_country("XX")
    assert "Pick the country from the list" in info.value.messages[0]
    romanian = dict(country_choices("ro"))
    assert romanian["DE"] == "Germania" and romanian["RO"] == "România"
    assert dict(country_choices("it"))["DE"] == "Germania"
    assert dict(country_choices("en"))["DE"] == "Germany"
    # Sorted by the name in the language, accents aside: "Țările de Jos" sits among
    # the T's, not after "Zimbabwe".
    names = [name for _code, name in country_choices("ro")]
    assert names.index("Tanzania") < names.index("Țările de Jos") < names.index("Ucraina")


def test_a_bucharest_teams_number_is_romanian(bucharest):
    company = services.company_create(
        actor=bucharest, data={"name": "Stan Construct", "phone": BUCHAREST_PHONE}
    )
    assert company.phone == "+40722000111"
    assert phone_region(bucharest).code == "RO" and phone_region(bucharest).source == "team"


def test_a_user_with_no_country_and_no_team_country_falls_back_to_the_default(make_user, settings):
    settings.PERNO_DEFAULT_REGION = "IT"
    plain = make_user("mario", team="Milano")
    region = user_region(plain)
    assert (region.code, region.source) == ("IT", "default")
    company = services.company_create(actor=plain, data={"name": "Rossi", "phone": BUCHAREST_PHONE})
    assert company.phone == "+390722000111"  # 0722 is Urbino in Italy
    settings.PERNO_DEFAULT_REGION = "RO"
    assert user_region(plain).code == "RO"
    # The command line (no user) gets the default too.
    assert user_region(None).code == "RO"


def test_precedence_record_then_user_then_team_then_parent_team(make_user, bucharest):
    # The user's own country comes before the team's.
    User.objects.filter(pk=bucharest.pk).update(country="DE")
    bucharest.refresh_from_db()
    assert user_region(bucharest).code == "DE"
    # The record's own country comes before the user's.
    contact = services.contact_create(
        actor=bucharest,
        data={"first_name": "Ana", "last_name": "Pop", "country": "ro", "mobile": "0722000111"},
    )
    assert contact.country == "RO" and contact.mobile == "+40722000111"
    # Updating the phone of a record with a country reads it in the record's country,
    # whoever edits it.
    contact = services.contact_update(
        actor=bucharest, contact=contact, data={"phone": "021 300 0000"}, expected_version=1
    )
    assert contact.phone == "+40213000000"
    # A sub-team without a country inherits its parent's.
    parent = Team.objects.get(name="Bucuresti")
    child = Team.objects.create(name="Bucuresti Nord", parent=parent)
    member = make_user("ioana", team="Bucuresti Nord")
    assert member.team_id == child.pk
    assert (user_region(member).code, user_region(member).source) == ("RO", "team")


def test_leads_read_phones_in_the_leads_country_on_update(bucharest):
    lead = lead_create(actor=bucharest, data={"last_name": "Rossi", "country": "IT"})
    lead = lead_update(
        actor=bucharest, lead=lead, data={"phone": "06 1234 5678"}, expected_version=1
    )
    assert lead.phone == "+390612345678"  # the lead's country, not the team's
    other = lead_create(actor=bucharest, data={"last_name": "Pop", "phone": BUCHAREST_PHONE})
    assert other.phone == "+40722000111"


def test_an_unknown_country_is_refused_with_how_to_fix_it_and_nothing_is_stored(bucharest):
    with pytest.raises(ValidationError) as info:
        services.company_create(actor=bucharest, data={"name": "X", "country": "XX", "phone": "12"})
    errors = info.value.message_dict
    assert set(errors) == {"country", "phone"}
    assert "Pick the country from the list" in errors["country"][0]
    assert "Romania (+40)" in errors["phone"][0]
    assert not Company.objects.exists()


def test_an_older_unknown_value_stays_while_other_fields_change(bucharest):
    company = services.company_create(actor=bucharest, data={"name": "Vecchia"})
    Company.objects.filter(pk=company.pk).update(country="XX")
    company.refresh_from_db()
    company = services.company_update(
        actor=bucharest,
        company=company,
        data={"name": "Vecchia S.r.l.", "country": "XX", "phone": BUCHAREST_PHONE},
        expected_version=1,
    )
    assert company.country == "XX" and company.phone == "+40722000111"


def test_addresses_default_to_the_records_country_else_the_users_region(bucharest):
    contact = services.contact_create(actor=bucharest, data={"first_name": "A", "last_name": "B"})
    address = services.address_add(
        actor=bucharest, record=contact, data={"street": "Str. Lipscani 1", "city": "București"}
    )
    assert address.country == "RO"
    company = services.company_create(actor=bucharest, data={"name": "Alfa", "country": "IT"})
    address = services.address_add(
        actor=bucharest, record=company, data={"street": "Via Roma 1", "city": "Roma"}
    )
    assert address.country == "IT"
    with pytest.raises(ValidationError) as info:
        services.address_add(
            actor=bucharest,
            record=company,
            data={"street": "Via Po 2", "city": "Torino", "country": "Narnia"},
        )
    assert "country" in info.value.message_dict
    assert Address.objects.count() == 2


def test_migration_recodes_what_it_can_and_keeps_the_rest(user):
    for value in ("it", "uk", "EL", "RO", "XX", ""):
        Contact.objects.create(first_name="C", last_name=value or "none", country=value)
    recode_countries(Contact)
    assert sorted(Contact.objects.values_list("country", flat=True)) == [
        "",
        "GB",
        "GR",
        "IT",
        "RO",
        "XX",
    ]


# --- Forms -------------------------------------------------------------------------


def test_forms_pick_the_country_from_a_list_and_show_the_region(client, bucharest):
    client.force_login(bucharest)
    with translation.override("en"):
        form = client.get("/contacts/new/").content.decode()
    assert '<select name="country"' in form and '<option value="RO">Romania</option>' in form
    assert (
        "Numbers without a +country code are read as Romania (+40) (your team&#x27;s country)."
        in form
    )
    response = client.post(
        "/contacts/new/",
        {"first_name": "Ana", "last_name": "Pop", "mobile": BUCHAREST_PHONE, "country": ""},
    )
    assert response.status_code == 302, response.content.decode()
    contact = Contact.objects.get()
    assert contact.mobile == "+40722000111" and contact.country == ""
    # A record with a country: its own country is named.
    italian = services.company_create(actor=bucharest, data={"name": "Rossi", "country": "IT"})
    form = client.get(f"/companies/{italian.pk}/edit/").content.decode()
    assert "read as Italy (+39) (the record&#x27;s country)" in form
    # Free text is refused by the select.
    bad = client.post("/companies/new/", {"name": "Beta", "country": "Italia"})
    assert bad.status_code == 400 and not Company.objects.filter(name="Beta").exists()


def test_forms_show_an_older_unknown_country_marked_to_fix(client, bucharest):
    client.force_login(bucharest)
    company = services.company_create(actor=bucharest, data={"name": "Vecchia"})
    Company.objects.filter(pk=company.pk).update(country="XX")
    form = client.get(f"/companies/{company.pk}/edit/").content.decode()
    assert '<option value="XX" selected>XX: not a country, pick one from the list</option>' in form
    # The page shows the code as it is, and a real country by its name.
    page = client.get(f"/companies/{company.pk}/").content.decode()
    assert ">XX<" in page
    Company.objects.filter(pk=company.pk).update(country="RO")
    assert ">Romania<" in client.get(f"/companies/{company.pk}/").content.decode()


def test_form_phone_errors_name_the_region(client, bucharest):
    client.force_login(bucharest)
    response = client.post(
        "/leads/new/", {"last_name": "Pop", "phone": "12", "status": "new", "source": "web"}
    )
    assert response.status_code == 400
    assert (
        "Without a +country code it was read as a phone number in Romania (+40)"
        in response.content.decode()
    )
    assert not Lead.objects.exists()


def test_administrators_set_the_country_of_users_and_teams(
    client, admin_user, bucharest, login_verified
):
    login_verified(client, admin_user)
    response = client.post(
        f"/settings/users/{bucharest.pk}/",
        {
            "username": "andrei",
            "first_name": "Andrei",
            "last_name": "Ionescu",
            "email": "andrei@example.com",
            "team": bucharest.team_id,
            "country": "MD",
            "roles": [r.pk for r in bucharest.roles.all()],
            "is_active": "on",
            "save": "1",
        },
    )
    assert response.status_code == 302, response.content.decode()
    bucharest.refresh_from_db()
    assert bucharest.country == "MD"
    entry = ChangeEntry.objects.filter(object_id=bucharest.pk, content_type__model="user").latest(
        "id"
    )
    assert entry.changes["country"] == ["", "MD"]
    team_page = client.get("/settings/teams/").content.decode()
    assert '<option value="RO">Romania</option>' in team_page and "<td>Romania</td>" in team_page


# --- API -----------------------------------------------------------------------------


@pytest.fixture
def bucharest_api(client, bucharest):
    token = account_services.token_create(user=bucharest, name="t", scope="write")[1]
    headers = {"Authorization": f"Bearer {token}"}

    def post(path, data):
        return client.post(path, data, content_type="application/json", headers=headers)

    return post


def test_the_api_reads_phones_in_the_authenticated_users_region(bucharest_api):
    response = bucharest_api(
        "/api/v1/companies", {"name": "Stan Construct", "phone": BUCHAREST_PHONE}
    )
    assert response.status_code == 201, response.content
    assert response.json()["phone"] == "+40722000111"
    bad = bucharest_api("/api/v1/contacts", {"first_name": "A", "last_name": "B", "phone": "12"})
    assert bad.status_code == 400
    message = bad.json()["errors"]["phone"][0]
    assert "Romania (+40)" in message and "+country code" in message
    unknown = bucharest_api("/api/v1/leads", {"last_name": "C", "country": "QQ"})
    assert unknown.status_code == 400 and "country" in unknown.json()["errors"]
    assert not Contact.objects.exists() and not Lead.objects.exists()


def test_the_api_sets_users_and_teams_countries(api, admin_user, bucharest, client):
    token = account_services.token_create(user=admin_user, name="a", scope="write")[1]
    headers = {"Authorization": f"Bearer {token}"}
    response = client.patch(
        f"/api/v1/users/{bucharest.pk}",
        {"country": "md"},
        content_type="application/json",
        headers=headers,
    )
    assert response.status_code == 200, response.content
    assert response.json()["country"] == "MD"
    bad = client.patch(
        f"/api/v1/teams/{bucharest.team_id}",
        {"country": "QQ"},
        content_type="application/json",
        headers=headers,
    )
    assert bad.status_code == 400 and "country" in bad.json()["errors"]
    assert Team.objects.get(pk=bucharest.team_id).country == "RO"


# --- Privacy ---------------------------------------------------------------------------


def test_a_users_country_is_their_personal_data():
    declaration = registry()[User]
    assert declaration.personal["country"] == "address"
    assert "country" in declaration.exported
    assert declaration.anonymous_value("country") == ""
    assert "country" in registry()[Team].not_personal
