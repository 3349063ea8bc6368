from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from perno.core.fields import SealableJSONField, SealableTextField
from perno.core.inputs import validate_moment
from perno.core.validators import validate_e164
from perno.records.models import RecordModel, TimeStampedModel, owner_field

CURRENCY_CHOICES = [("EUR", "EUR"), ("RON", "RON"), ("USD", "USD"), ("GBP", "GBP"), ("CHF", "CHF")]


class Pipeline(TimeStampedModel):
    name = models.CharField(_("name"), max_length=100, unique=True)
    is_default = models.BooleanField(_("default"), default=False)
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("pipeline")
        verbose_name_plural = _("pipelines")

    def __str__(self) -> str:
        return self.name


class Stage(models.Model):
    class Kind(models.TextChoices):
        OPEN = "open", _("Open")
        WON = "won", _("Won")
        LOST = "lost", _("Lost")

    pipeline = models.ForeignKey(Pipeline, on_delete=models.CASCADE, related_name="stages")
    name = models.CharField(_("name"), max_length=100)
    position = models.PositiveIntegerField(_("position"), default=0)
    probability = models.PositiveSmallIntegerField(
        _("probability %"), default=10, validators=[MaxValueValidator(100)]
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.OPEN)

    class Meta:
        ordering = ["pipeline", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["pipeline", "name"], name="stage_name_unique")
        ]
        verbose_name = _("stage")
        verbose_name_plural = _("stages")

    def __str__(self) -> str:
        return self.name


class Lead(RecordModel):
    class Status(models.TextChoices):
        NEW = "new", _("New")
        CONTACTED = "contacted", _("Contacted")
        QUALIFIED = "qualified", _("Qualified")
        UNQUALIFIED = "unqualified", _("Unqualified")
        CONVERTED = "converted", _("Converted")

    class Source(models.TextChoices):
        WEB = "web", _("Web form")
        REFERRAL = "referral", _("Referral")
        EVENT = "event", _("Event / fair")
        PHONE = "phone", _("Phone")
        EMAIL = "email", _("E-mail")
        PARTNER = "partner", _("Partner")
        OTHER = "other", _("Other")

    first_name = models.CharField(_("first name"), max_length=100, blank=True)
    last_name = models.CharField(_("last name"), max_length=100)
    company_name = models.CharField(_("company"), max_length=200, blank=True)
    job_title = models.CharField(_("job title"), max_length=100, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True, validators=[validate_e164])
    country = models.CharField(_("country"), max_length=2, blank=True)
    source = models.CharField(
        _("source"), max_length=20, choices=Source.choices, default=Source.OTHER
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.NEW
    )
    notes = SealableTextField(_("notes"), blank=True)
    converted_at = models.DateTimeField(_("converted"), null=True, blank=True, editable=False)
    converted_contact = models.ForeignKey(
        "contacts.Contact",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    converted_company = models.ForeignKey(
        "contacts.Company",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    converted_deal = models.ForeignKey(
        "Deal", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["last_name", "first_name", "id"], name="lead_name_idx"),
            models.Index(fields=["status", "-created_at"], name="lead_status_idx"),
            models.Index(fields=["created_at", "id"], name="lead_created_idx"),
        ]
        verbose_name = _("lead")
        verbose_name_plural = _("leads")

    def __str__(self) -> str:
        name = f"{self.first_name} {self.last_name}".strip()
        return f"{name} ({self.company_name})" if self.company_name else name

    def get_absolute_url(self) -> str:
        return reverse("sales:lead_detail", args=[self.pk])


class Deal(RecordModel):
    owner = owner_field(db_index=False)  # the composite (owner, …) index covers it

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        WON = "won", _("Won")
        LOST = "lost", _("Lost")

    title = models.CharField(_("title"), max_length=200)
    company = models.ForeignKey(
        "contacts.Company",
        verbose_name=_("company"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="deals",
    )
    contact = models.ForeignKey(
        "contacts.Contact",
        verbose_name=_("contact"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="deals",
    )
    pipeline = models.ForeignKey(
        Pipeline, verbose_name=_("pipeline"), on_delete=models.PROTECT, related_name="deals"
    )
    # Indexed by (stage, board_position, id).
    stage = models.ForeignKey(
        Stage,
        verbose_name=_("stage"),
        on_delete=models.PROTECT,
        related_name="deals",
        db_index=False,
    )
    amount = models.DecimalField(
        _("amount"),
        max_digits=14,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    currency = models.CharField(
        _("currency"),
        max_length=3,
        choices=CURRENCY_CHOICES,
        default=settings.PERNO_DEFAULT_CURRENCY,
    )
    probability = models.PositiveSmallIntegerField(
        _("probability %"), default=10, validators=[MaxValueValidator(100)]
    )
    expected_close_date = models.DateField(
        _("expected close date"), null=True, blank=True, validators=[validate_moment]
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    close_reason = models.CharField(_("won/lost reason"), max_length=200, blank=True)
    closed_at = models.DateTimeField(
        _("closed"), null=True, blank=True, validators=[validate_moment]
    )
    board_position = models.FloatField(default=0, editable=False)
    notes = SealableTextField(_("notes"), blank=True)
    custom_fields = SealableJSONField(_("custom fields"), default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["stage", "board_position", "id"], name="deal_board_idx"),
            models.Index(fields=["owner", "-created_at"], name="deal_owner_idx"),
            models.Index(fields=["title", "id"], name="deal_title_idx"),
            models.Index(fields=["created_at", "id"], name="deal_created_idx"),
        ]
        verbose_name = _("deal")
        verbose_name_plural = _("deals")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("sales:deal_detail", args=[self.pk])


class Product(RecordModel):
    name = models.CharField(_("name"), max_length=200)
    sku = models.CharField(_("code (SKU)"), max_length=60, unique=True)
    description = models.TextField(_("description"), blank=True)
    unit_price = models.DecimalField(
        _("unit price"),
        max_digits=12,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0"))],
    )
    currency = models.CharField(
        _("currency"),
        max_length=3,
        choices=CURRENCY_CHOICES,
        default=settings.PERNO_DEFAULT_CURRENCY,
    )
    vat_rate = models.DecimalField(
        _("VAT %"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("22"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("product")
        verbose_name_plural = _("products")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("sales:product_detail", args=[self.pk])


class Order(RecordModel):
    """A purchase: the base of the customer analytics (RFM, lifetime value, the loyalty x
    profitability matrix). The buyer is a contact, a company, or both; an order kept for
    the accounts after its buyer was erased has neither."""

    class Status(models.TextChoices):
        CONFIRMED = "confirmed", _("Confirmed")
        CANCELLED = "cancelled", _("Cancelled")

    class Source(models.TextChoices):
        MANUAL = "manual", _("Entered")
        API = "api", _("API")
        IMPORT = "import", _("Import")

    number = models.CharField(
        _("order id"),
        max_length=64,
        blank=True,
        help_text=_("The order's id in the shop or accounting system; imports skip known ids."),
    )
    contact = models.ForeignKey(
        "contacts.Contact",
        verbose_name=_("contact"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="orders",
    )
    company = models.ForeignKey(
        "contacts.Company",
        verbose_name=_("company"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="orders",
    )
    ordered_on = models.DateField(_("date"), validators=[validate_moment])
    currency = models.CharField(
        _("currency"),
        max_length=3,
        choices=CURRENCY_CHOICES,
        default=settings.PERNO_DEFAULT_CURRENCY,
    )
    total = models.DecimalField(
        _("total"), max_digits=14, decimal_places=2, validators=[MinValueValidator(Decimal("0"))]
    )
    cost = models.DecimalField(
        _("cost"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_("What the order cost you, for the profitability of the customer."),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.CONFIRMED
    )
    source = models.CharField(
        _("source"), max_length=10, choices=Source.choices, default=Source.MANUAL
    )

    class Meta:
        ordering = ["-ordered_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["number"],
                condition=~models.Q(number=""),
                name="order_number_unique",
                violation_error_message=_("An order with this order id already exists."),
            ),
        ]
        indexes = [
            models.Index(fields=["contact", "ordered_on"], name="order_contact_idx"),
            models.Index(fields=["company", "ordered_on"], name="order_company_idx"),
            models.Index(fields=["ordered_on", "id"], name="order_date_idx"),
        ]
        verbose_name = _("order")
        verbose_name_plural = _("orders")

    def __str__(self) -> str:
        return self.number or f"#{self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("sales:order_detail", args=[self.pk])


class OrderLine(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(
        Product, verbose_name=_("product"), null=True, blank=True, on_delete=models.SET_NULL
    )
    description = models.CharField(_("description"), max_length=200)
    quantity = models.DecimalField(
        _("quantity"),
        max_digits=12,
        decimal_places=3,
        default=Decimal("1"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    unit_price = models.DecimalField(
        _("unit price"),
        max_digits=14,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0"))],
    )
    total = models.DecimalField(_("total"), max_digits=14, decimal_places=2)
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["order", "position", "id"]
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")

    def __str__(self) -> str:
        return self.description


class CustomerCost(models.Model):
    """A cost of serving a customer that no single order carries (support hours, a free
    replacement, a visit): subtracted from the customer's contribution in the loyalty x
    profitability matrix."""

    contact = models.ForeignKey(
        "contacts.Contact",
        verbose_name=_("contact"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="costs",
    )
    company = models.ForeignKey(
        "contacts.Company",
        verbose_name=_("company"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="costs",
    )
    incurred_on = models.DateField(_("date"), validators=[validate_moment])
    amount = models.DecimalField(
        _("amount"), max_digits=14, decimal_places=2, validators=[MinValueValidator(Decimal("0"))]
    )
    description = models.CharField(_("description"), max_length=200)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["-incurred_on", "-id"]
        verbose_name = _("customer cost")
        verbose_name_plural = _("customer costs")
        indexes = [
            models.Index(fields=["contact", "incurred_on"], name="cost_contact_idx"),
            models.Index(fields=["company", "incurred_on"], name="cost_company_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(contact__isnull=False) | models.Q(company__isnull=False),
                name="cost_has_customer",
            )
        ]

    def __str__(self) -> str:
        return self.description
