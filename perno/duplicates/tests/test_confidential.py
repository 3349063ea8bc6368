"""The duplicate queue, the as-you-type check and the API's 409 keep to the gate:
confidential fields are neither shown nor matched on, a company the user may not open
is not named, and a user who may not create gets the 403 before any look-up."""

import pytest

from perno.accounts.models import ConfidentialField
from perno.accounts.permissions import forget_access
from perno.accounts.services import token_create
from perno.contacts import matching
from perno.contacts import services as contacts
from perno.contacts.models import Affiliation
from perno.duplicates import finder, services
from perno.duplicates.models import DuplicatePair, FinderRun

pytestmark = pytest.mark.django_db

PHONE = "+390612345678"
MOBILE = "+393331234567"
EMAIL = "mario.rossi@example.com"


def contact(actor, first, last, **data):
    return contacts.contact_create(
        actor=actor, data={"first_name": first, "last_name": last, **data}
    )


@pytest.fixture
def secret(user, make_user):
    """Two of the user's own contacts sharing e-mail, phone and company; "phone" is
    confidential for the user and the company belongs to another team."""
    other = make_user("otto", team="Vendite Sud")
    company = contacts.company_create(actor=other, data={"name": "Segreta Holding"})
    mine = contact(user, "Mario", "Rossi", email=EMAIL, phone=PHONE, mobile=MOBILE)
    again = contact(user, "Mario", "Rosi", email=EMAIL, phone=PHONE)
    for person in (mine, again):
        Affiliation.objects.create(contact=person, company=company)
    done = finder.run(services.run_start(actor=None))
    assert done.status == FinderRun.Status.DONE, done.error
    pair = DuplicatePair.objects.get(contact_low=mine, contact_high=again)
    assert {"email", "phone", "company"} <= set(pair.reasons)  # what there is to hide
    ConfidentialField.objects.create(subject="contact", field="phone")
    forget_access(user)  # its hidden fields were read before the mark
    return {"pair": pair, "mine": mine, "again": again, "company": company}


def test_the_queue_shows_a_pair_as_the_contact_page_does(client_user, secret):
    # What the queue must mirror: the contact page hides both, the company is a 404.
    page = client_user.get(secret["mine"].get_absolute_url()).content.decode()
    assert PHONE not in page and "Segreta" not in page
    assert client_user.get(secret["company"].get_absolute_url()).status_code == 404
    pair = secret["pair"]
    for path in ("/duplicates/", f"/duplicates/{pair.pk}/"):
        answer = client_user.get(path)
        assert answer.status_code == 200, path
        html = answer.content.decode()
        assert f'data-testid="pair-{pair.pk}"' in html, path
        assert PHONE not in html and "Segreta" not in html, path
        assert "(confidential)" in html and "a company you cannot see" in html, path
        # Nor is it told that the hidden values are the same.
        assert "same phone" not in html and 'data-testid="matched-phone"' not in html, path
        assert "same company" not in html and 'data-testid="matched-company"' not in html, path
        # The mobile, not confidential, is still shown; the e-mail still matches.
        assert MOBILE in html and "same e-mail" in html, path


def test_who_may_see_confidential_data_sees_the_whole_pair(
    client, admin_user, login_verified, secret
):
    login_verified(client, admin_user)
    html = client.get(f"/duplicates/{secret['pair'].pk}/").content.decode()
    assert PHONE in html and "Segreta Holding" in html
    assert "same phone" in html and "same company" in html


def test_the_api_queue_tells_no_reason_about_hidden_fields(api, secret):
    pair = secret["pair"]
    [listed] = api.get("/api/v1/duplicates?kind=contact").json()["items"]
    one = api.get(f"/api/v1/duplicates/{pair.pk}").json()
    dismissed = api.post(f"/api/v1/duplicates/{pair.pk}/dismiss").json()
    for shown in (listed, one, dismissed):
        assert shown["id"] == pair.pk
        assert "email" in shown["reasons"] and "same e-mail" in shown["why"]
        assert not {"phone", "phone_near", "company", "company_similar"} & set(shown["reasons"])
        assert "same phone" not in shown["why"] and "same company" not in shown["why"]
        assert PHONE not in str(shown) and "Segreta" not in str(shown)


def test_the_check_does_not_match_on_a_confidential_field(client_user, user, secret):
    mine = secret["mine"]
    # The phone is confidential: typing it finds nothing (no "same phone" oracle).
    answer = client_user.get("/duplicates/check/contact/", {"phone": PHONE})
    assert f"candidate-{mine.pk}" not in answer.content.decode()
    assert matching.candidates(user=user, kind="contact", values={"phone": PHONE}) == []
    # The mobile is not: it still matches, under the same reason.
    [found] = matching.candidates(user=user, kind="contact", values={"mobile": MOBILE})
    assert (found.record.pk, found.reasons) == (mine.pk, ["phone"])
    # E-mail confidential too: no match on it either.
    ConfidentialField.objects.create(subject="contact", field="email")
    answer = client_user.get("/duplicates/check/contact/", {"email": EMAIL})
    html = answer.content.decode()
    assert f"candidate-{mine.pk}" not in html and "same e-mail" not in html


def test_the_check_matches_confidential_fields_for_who_may_read_them(admin_user, secret):
    found = matching.candidates(user=admin_user, kind="contact", values={"phone": PHONE})
    assert {c.record.pk for c in found} == {secret["mine"].pk, secret["again"].pk}
    assert all(c.reasons == ["phone"] for c in found)


def test_the_api_409_does_not_match_on_a_confidential_field(api, secret):
    # No 409 "same phone": the create goes on, and is refused for the confidential field.
    answer = api.post(
        "/api/v1/contacts", {"first_name": "Ugo", "last_name": "Verdi", "phone": PHONE}
    )
    assert answer.status_code == 403, answer.json()
    assert "candidates" not in answer.json() and "confidential" in answer.json()["message"]
    answer = api.post(
        "/api/v1/contacts", {"first_name": "Ugo", "last_name": "Bianchi", "email": EMAIL}
    )
    assert answer.status_code == 409
    assert {c["id"] for c in answer.json()["candidates"]} == {
        secret["mine"].pk,
        secret["again"].pk,
    }
    assert all(c["reasons"] == ["email"] for c in answer.json()["candidates"])


def test_who_may_not_create_gets_403_before_any_candidates(client, make_user, user):
    contact(user, "Mario", "Rossi", email=EMAIL)
    contacts.company_create(
        actor=user, data={"name": "Rossi S.r.l.", "vat_number": "IT00743110157"}
    )
    # Marketing sees every contact and company but may create neither.
    reader = make_user("mara", role="marketing")
    headers = {"Authorization": f"Bearer {token_create(user=reader, name='t', scope='write')[1]}"}
    for path, body in (
        ("/api/v1/contacts", {"first_name": "Mario", "last_name": "R.", "email": EMAIL}),
        ("/api/v1/companies", {"name": "Rossi", "vat_number": "IT00743110157"}),
    ):
        answer = client.post(path, body, content_type="application/json", headers=headers)
        assert answer.status_code == 403, (path, answer.json())
        assert "candidates" not in answer.json() and "Rossi" not in answer.content.decode()
        assert "right to create" in answer.json()["message"]
