from __future__ import annotations

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from perno.core.fields import SealableJSONField, SealableTextField
from perno.core.validators import validate_e164, validate_vat
from perno.records.models import RecordModel, TimeStampedModel, owner_field, present_index


class CustomFieldDefinition(TimeStampedModel):
    """A field an administrator adds to companies, contacts or deals. Values live in the
    record's ``custom_fields`` JSON and are validated by ``contacts.custom_fields``."""

    class Entity(models.TextChoices):
        COMPANY = "company", _("Company")
        CONTACT = "contact", _("Contact")
        DEAL = "deal", _("Deal")

    class FieldType(models.TextChoices):
        TEXT = "text", _("Text")
        NUMBER = "number", _("Number")
        DATE = "date", _("Date")
        CHOICE = "choice", _("Choice")
        BOOLEAN = "boolean", _("Yes/no")

    entity = models.CharField(_("record type"), max_length=20, choices=Entity.choices)
    key = models.SlugField(
        _("key"),
        max_length=50,
        help_text=_("Lower-case letters, digits and underscores; used in the API."),
    )
    label = models.CharField(_("label"), max_length=100)
    field_type = models.CharField(_("type"), max_length=20, choices=FieldType.choices)
    choices = models.JSONField(_("choices"), default=list, blank=True)
    is_required = models.BooleanField(_("required"), default=False)
    position = models.PositiveIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["entity", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["entity", "key"], name="customfield_entity_key_unique")
        ]
        verbose_name = _("custom field")
        verbose_name_plural = _("custom fields")

    def __str__(self) -> str:
        return f"{self.get_entity_display()}: {self.label}"


def external_id_field() -> models.CharField:
    """A customer's id in another system (unique when set, by a constraint)."""
    return models.CharField(
        _("external id"),
        max_length=64,
        blank=True,
        db_default="",  # bulk loaders that name their columns leave it out
        help_text=_("The customer's id in another system (shop, accounting), for imports."),
    )


class Company(RecordModel):
    owner = owner_field(db_index=False)  # the composite (owner, …) index covers it
    name = models.CharField(_("name"), max_length=200)
    vat_number = models.CharField(
        _("VAT number"), max_length=20, blank=True, validators=[validate_vat]
    )
    industry = models.CharField(_("industry"), max_length=100, blank=True)
    website = models.URLField(_("website"), blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True, validators=[validate_e164])
    country = models.CharField(_("country"), max_length=2, blank=True)
    employees = models.PositiveIntegerField(_("employees"), null=True, blank=True)
    notes = SealableTextField(_("notes"), blank=True)
    custom_fields = SealableJSONField(_("custom fields"), default=dict, blank=True)
    external_id = external_id_field()

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["external_id"],
                condition=~models.Q(external_id=""),
                name="company_external_id_unique",
                violation_error_message=_("Another company already has this external id."),
            )
        ]
        indexes = [
            models.Index(fields=["name", "id"], name="company_name_idx"),
            models.Index(fields=["created_at", "id"], name="company_created_idx"),
            models.Index(fields=["owner", "name", "id"], name="company_owner_idx"),
            models.Index(fields=["vat_number"], name="company_vat_idx"),
        ]
        verbose_name = _("company")
        verbose_name_plural = _("companies")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("contacts:company_detail", args=[self.pk])


class Contact(RecordModel):
    owner = owner_field(db_index=False)  # the composite (owner, …) index covers it
    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True, validators=[validate_e164])
    mobile = models.CharField(_("mobile"), max_length=20, blank=True, validators=[validate_e164])
    job_title = models.CharField(_("job title"), max_length=100, blank=True)
    language = models.CharField(_("language"), max_length=8, blank=True)
    country = models.CharField(_("country"), max_length=2, blank=True)
    notes = SealableTextField(_("notes"), blank=True)
    companies = models.ManyToManyField(
        Company, through="Affiliation", verbose_name=_("companies"), related_name="contacts"
    )
    custom_fields = SealableJSONField(_("custom fields"), default=dict, blank=True)
    external_id = external_id_field()

    class Meta:
        ordering = ["last_name", "first_name", "id"]
        indexes = [
            models.Index(fields=["last_name", "first_name", "id"], name="contact_name_idx"),
            models.Index(fields=["created_at", "id"], name="contact_created_idx"),
            models.Index(
                fields=["owner", "last_name", "first_name", "id"], name="contact_owner_idx"
            ),
            models.Index(fields=["email"], name="contact_email_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["external_id"],
                condition=~models.Q(external_id=""),
                name="contact_external_id_unique",
                violation_error_message=_("Another contact already has this external id."),
            )
        ]
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def get_absolute_url(self) -> str:
        return reverse("contacts:contact_detail", args=[self.pk])


class Affiliation(models.Model):
    """A contact's role at a company."""

    # Indexed by the unique (contact, company) constraint.
    contact = models.ForeignKey(
        Contact, on_delete=models.CASCADE, related_name="affiliations", db_index=False
    )
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="affiliations")
    job_title = models.CharField(_("role / job title"), max_length=100, blank=True)
    is_primary = models.BooleanField(_("primary"), default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["contact", "company"], name="affiliation_unique")
        ]
        verbose_name = _("affiliation")
        verbose_name_plural = _("affiliations")

    def __str__(self) -> str:
        return f"{self.contact} @ {self.company}"


class Address(TimeStampedModel):
    class Kind(models.TextChoices):
        OFFICE = "office", _("Office")
        BILLING = "billing", _("Billing")
        SHIPPING = "shipping", _("Shipping")
        HOME = "home", _("Home")

    company = models.ForeignKey(
        Company,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="addresses",
        db_index=False,
    )
    contact = models.ForeignKey(
        Contact,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="addresses",
        db_index=False,
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.OFFICE)
    street = models.CharField(_("street"), max_length=200)
    city = models.CharField(_("city"), max_length=100)
    postal_code = models.CharField(_("postal code"), max_length=20, blank=True)
    region = models.CharField(_("province / county"), max_length=100, blank=True)
    country = models.CharField(_("country"), max_length=2, default="IT")

    class Meta:
        # Partial indexes: most rows have only one of the two owners, and a plain index on a
        # mostly-NULL column misleads SQLite's planner into a full scan.
        indexes = [
            present_index("company", "address_company_idx"),
            present_index("contact", "address_contact_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(company__isnull=False, contact__isnull=True)
                    | models.Q(company__isnull=True, contact__isnull=False)
                ),
                name="address_one_owner",
            )
        ]
        verbose_name = _("address")
        verbose_name_plural = _("addresses")

    def __str__(self) -> str:
        return ", ".join(
            p
            for p in [
                self.street,
                f"{self.postal_code} {self.city}".strip(),
                self.region,
                self.country,
            ]
            if p
        )
