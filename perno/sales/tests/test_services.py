from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from perno.activities.models import Activity
from perno.activities.services import activity_create
from perno.audit.models import ChangeEntry
from perno.contacts.models import Affiliation, Company, Contact
from perno.core.exceptions import ConflictError
from perno.sales import selectors, services
from perno.sales.models import Deal, Lead, Pipeline

pytestmark = pytest.mark.django_db


@pytest.fixture
def lead(user):
    return services.lead_create(
        actor=user,
        data={
            "first_name": "Luca",
            "last_name": "Bianchi",
            "company_name": "Bianchi Arredamenti S.r.l.",
            "email": "luca@bianchi.it",
            "phone": "347 123 4567",
            "country": "IT",
            "source": "web",
            "job_title": "Titolare",
        },
        tags=["fiera"],
    )


def test_lead_conversion_creates_contact_company_and_deal_in_one_step(user, pipeline, lead):
    activity_create(actor=user, data={"kind": "call", "subject": "Prima chiamata", "lead": lead})
    contact, company, deal = services.lead_convert(
        actor=user, lead=lead, amount=Decimal("1500"), currency="EUR"
    )
    lead.refresh_from_db()
    assert lead.status == Lead.Status.CONVERTED and lead.converted_at is not None
    assert (lead.converted_contact, lead.converted_company, lead.converted_deal) == (
        contact,
        company,
        deal,
    )
    assert (contact.first_name, contact.last_name, contact.phone) == (
        "Luca",
        "Bianchi",
        "+393471234567",
    )
    assert [t.name for t in contact.tags.all()] == ["fiera"]
    assert company.name == "Bianchi Arredamenti S.r.l."
    assert Affiliation.objects.get(contact=contact, company=company).job_title == "Titolare"
    assert (deal.company, deal.contact, deal.pipeline, deal.amount) == (
        company,
        contact,
        pipeline,
        Decimal("1500"),
    )
    assert deal.stage.name == "Nuovo"
    moved = Activity.objects.get(subject="Prima chiamata")
    assert (moved.contact, moved.company, moved.deal) == (contact, company, deal)
    assert ChangeEntry.objects.filter(object_id=lead.pk, action="convert").exists()


def test_conversion_with_an_existing_company_and_no_deal(user, pipeline, lead):
    existing = Company.objects.create(name="Già cliente", owner=user)
    _contact, company, deal = services.lead_convert(
        actor=user, lead=lead, company=existing, create_deal=False
    )
    assert company == existing and deal is None
    assert Company.objects.count() == 1


def test_a_lead_converts_once(user, pipeline, lead):
    services.lead_convert(actor=user, lead=lead)
    with pytest.raises(ValidationError):
        services.lead_convert(actor=user, lead=lead)
    assert Contact.objects.count() == 1


def test_failed_conversion_leaves_nothing_behind(user, lead, admin_user):
    # No pipeline exists: the deal cannot be created, so neither contact nor company may remain.
    assert not Pipeline.objects.exists()
    with pytest.raises(ValidationError) as info:
        services.lead_convert(actor=user, lead=lead)
    assert "pipeline" in info.value.message_dict
    assert Contact.objects.count() == Company.objects.count() == Deal.objects.count() == 0
    lead.refresh_from_db()
    assert lead.status == Lead.Status.NEW


def test_lead_status_converted_only_through_conversion(user, lead):
    with pytest.raises(ValidationError):
        services.lead_update(
            actor=user, lead=lead, data={"status": "converted"}, expected_version=None
        )


def test_deal_defaults_to_first_stage_of_default_pipeline(user, pipeline):
    deal = services.deal_create(
        actor=user, data={"title": "Licenze", "amount": Decimal("100"), "currency": "RON"}
    )
    assert (deal.pipeline, deal.stage.name, deal.probability, deal.status) == (
        pipeline,
        "Nuovo",
        10,
        "open",
    )


def test_moving_a_deal_to_won_and_back(user, pipeline):
    deal = services.deal_create(actor=user, data={"title": "Licenze"})
    won = pipeline.stages.get(kind="won")
    deal = services.deal_move(actor=user, deal=deal, stage=won, expected_version=deal.version)
    assert (deal.status, deal.probability) == ("won", 100) and deal.closed_at is not None
    assert ChangeEntry.objects.filter(
        object_id=deal.pk, content_type__model="deal"
    ).first().changes["stage"] == ["Nuovo", "Vinto"]
    deal = services.deal_move(
        actor=user,
        deal=deal,
        stage=pipeline.stages.get(name="Offerta"),
        expected_version=deal.version,
    )
    assert (deal.status, deal.closed_at) == ("open", None)


def test_stage_of_another_pipeline_is_refused(user, pipeline, admin_user):
    other = services.pipeline_create(actor=admin_user, name="Altro", stages=[("Uno", 10, "open")])
    deal = services.deal_create(actor=user, data={"title": "X"})
    with pytest.raises(ValidationError):
        services.deal_move(actor=user, deal=deal, stage=other.stages.first(), expected_version=None)
    with pytest.raises(ValidationError):
        services.deal_create(
            actor=user, data={"title": "Y", "pipeline": pipeline, "stage": other.stages.first()}
        )
    deal.refresh_from_db()
    assert deal.stage.pipeline == pipeline and Deal.objects.count() == 1


def test_stale_board_move_conflicts(user, pipeline):
    deal = services.deal_create(actor=user, data={"title": "X"})
    services.deal_update(actor=user, deal=deal, data={"title": "X2"}, expected_version=1)
    with pytest.raises(ConflictError):
        services.deal_move(
            actor=user,
            deal=deal,
            stage=pipeline.stages.get(kind="lost"),
            expected_version=1,
            reason="Budget",
        )
    deal.refresh_from_db()
    assert deal.status == "open"


def test_only_administrators_change_pipelines(user, pipeline):
    with pytest.raises(PermissionDenied):
        services.pipeline_create(actor=user, name="Mia", stages=[("A", 1, "open")])
    with pytest.raises(PermissionDenied):
        services.stage_add(actor=user, pipeline=pipeline, name="Extra")


def test_pipeline_and_stages_keep_their_order(admin_user, pipeline):
    ids = list(pipeline.stages.order_by("position").values_list("id", flat=True))
    services.stages_reorder(actor=admin_user, pipeline=pipeline, stage_ids=list(reversed(ids)))
    assert [
        s.pk for s in selectors.pipeline_get(user=admin_user, pk=pipeline.pk).stages.all()
    ] == list(reversed(ids))
    with pytest.raises(ValidationError):
        services.stages_reorder(actor=admin_user, pipeline=pipeline, stage_ids=ids[:2])


def test_board_groups_deals_by_stage_with_totals(user, pipeline):
    services.deal_create(
        actor=user, data={"title": "A", "amount": Decimal("100.50"), "currency": "EUR"}
    )
    services.deal_create(
        actor=user, data={"title": "B", "amount": Decimal("200"), "currency": "EUR"}
    )
    services.deal_create(
        actor=user, data={"title": "C", "amount": Decimal("1000"), "currency": "RON"}
    )
    board = selectors.deal_board(
        user=user, pipeline=selectors.pipeline_get(user=user, pk=pipeline.pk), per_stage=2
    )
    first, second = board[:2]
    assert (first.stage.name, [d.title for d in first.deals], first.has_more) == (
        "Nuovo",
        ["A", "B"],
        True,
    )
    assert first.count == 3
    assert first.totals == [("EUR", Decimal("300.50")), ("RON", Decimal("1000.00"))]
    assert (second.count, second.deals, second.totals) == (0, [], [])


def test_products_validate_prices(admin_user):
    with pytest.raises(ValidationError) as info:
        services.product_create(
            actor=admin_user, data={"name": "X", "sku": "X1", "unit_price": Decimal("-1")}
        )
    assert "unit_price" in info.value.message_dict
    product = services.product_create(
        actor=admin_user, data={"name": "X", "sku": "X1", "unit_price": Decimal("9.90")}
    )
    with pytest.raises(ValidationError) as info:
        services.product_create(
            actor=admin_user, data={"name": "Y", "sku": "X1", "unit_price": Decimal("1")}
        )
    assert "sku" in info.value.message_dict
    assert product.vat_rate == Decimal("22")


def test_pipeline_settings_page(client, user, admin_user, pipeline, login_verified):
    client.force_login(user)
    assert client.get("/settings/pipelines/").status_code == 403
    login_verified(client, admin_user)
    assert "Vendite" in client.get("/settings/pipelines/").content.decode()
    client.post("/settings/pipelines/", {"action": "create", "name": "Rinnovi"})
    new = Pipeline.objects.get(name="Rinnovi")
    assert [s.kind for s in new.stages.order_by("position")] == [
        "open",
        "open",
        "open",
        "won",
        "lost",
    ]
    first, second = new.stages.order_by("position")[:2]
    client.post(
        "/settings/pipelines/",
        {"action": "move_stage", "pipeline": new.pk, "stage": second.pk, "direction": "up"},
    )
    assert list(new.stages.order_by("position")[:2]) == [second, first]
    client.post(
        "/settings/pipelines/",
        {
            "action": "update_stage",
            "pipeline": new.pk,
            "stage": first.pk,
            "name": "Contatto",
            "probability": "15",
            "kind": "open",
        },
    )
    first.refresh_from_db()
    assert (first.name, first.probability) == ("Contatto", 15)
    client.post("/settings/pipelines/", {"action": "make_default", "pipeline": new.pk})
    assert Pipeline.objects.get(is_default=True) == new
    services.deal_create(actor=user, data={"title": "X", "pipeline": new})
    response = client.post("/settings/pipelines/", {"action": "delete", "pipeline": new.pk})
    assert response.status_code == 400 and "still has deals" in response.content.decode()
    bad = client.post(
        "/settings/pipelines/",
        {
            "action": "update_stage",
            "pipeline": new.pk,
            "stage": first.pk,
            "name": "",
            "probability": "150",
            "kind": "open",
        },
    )
    assert bad.status_code == 400
    first.refresh_from_db()
    assert first.name == "Contatto"
