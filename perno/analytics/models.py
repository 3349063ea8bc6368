"""Customer analytics stored as dated snapshots.

A refresh (``perno analytics refresh``, the daily job or the button on the analytics
pages) reads the confirmed orders up to a date, computes RFM in the database, fits
MBG/NBD and Gamma-Gamma (``perno.analytics.clv``), classifies every customer in the
loyalty x profitability matrix and the journey, and stores one ``Snapshot`` with its
aggregates and one ``CustomerScore`` per customer. Pages read the latest completed
snapshot; a failed refresh keeps the previous one."""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from perno.core.inputs import validate_moment
from perno.core.runs import BackgroundRun


class AnalyticsSettings(models.Model):
    """The parameters of the models, one row, edited on Analytics → Settings."""

    clv_months = models.PositiveSmallIntegerField(
        _("lifetime value horizon (months)"),
        default=12,
        validators=[MinValueValidator(1), MaxValueValidator(120)],
    )
    discount_rate = models.DecimalField(
        _("yearly discount rate (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("10.00"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    min_history_days = models.PositiveSmallIntegerField(
        _("minimum history (days)"),
        default=30,
        validators=[MaxValueValidator(3650)],
        help_text=_(
            "Customers whose first order is more recent than this are labelled "
            "'too little history' and get no prediction."
        ),
    )
    profit_days = models.PositiveSmallIntegerField(
        _("profitability period (days)"),
        default=365,
        validators=[MinValueValidator(1), MaxValueValidator(3650)],
    )
    loyalty_split = models.DecimalField(
        _("loyalty split (expected purchases next year)"),
        max_digits=10,
        decimal_places=3,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_("Empty: the median of the customers."),
    )
    alive_split = models.DecimalField(
        _("loyalty split (probability still active)"),
        max_digits=4,
        decimal_places=3,
        default=Decimal("0.500"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))],
    )
    profit_split = models.DecimalField(
        _("profitability split (contribution)"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("Empty: the median of the customers."),
    )
    active_days = models.PositiveSmallIntegerField(
        _("active period (days)"),
        default=180,
        validators=[MinValueValidator(1), MaxValueValidator(3650)],
        help_text=_(
            "A customer whose last order is within this many days bought recently: it "
            "decides the journey stage and which RFM segments may say 'recent' or 'not "
            "for a while'."
        ),
    )
    fan_satisfaction = models.PositiveSmallIntegerField(
        _("fan principle: satisfied from S ="),
        default=75,
        validators=[MaxValueValidator(100)],
    )
    fan_bond = models.PositiveSmallIntegerField(
        _("fan principle: fan from B ="),
        default=75,
        validators=[MaxValueValidator(100)],
    )
    sympathizer_bond = models.PositiveSmallIntegerField(
        _("fan principle: sympathizer or captive from B ="),
        default=50,
        validators=[MaxValueValidator(100)],
    )
    fan_recent_days = models.PositiveSmallIntegerField(
        _("fan principle: answers count for (days)"),
        default=365,
        validators=[MinValueValidator(1), MaxValueValidator(3650)],
        help_text=_("A customer's latest answer older than this is not in the portfolio."),
    )
    keep_scores = models.PositiveSmallIntegerField(
        _("snapshots kept with per-customer scores"),
        default=12,
        validators=[MinValueValidator(2), MaxValueValidator(400)],
        help_text=_("Older snapshots keep only their totals and charts."),
    )

    class Meta:
        verbose_name = _("analytics settings")
        verbose_name_plural = _("analytics settings")

    def __str__(self) -> str:
        return str(_("analytics settings"))

    @classmethod
    def current(cls) -> AnalyticsSettings:
        found = cls.objects.order_by("pk").first()
        return found if found is not None else cls.objects.create()


class Snapshot(BackgroundRun):
    as_of = models.DateField(_("orders up to"), validators=[validate_moment])
    currency = models.CharField(_("currency"), max_length=3)
    step = models.CharField(_("step"), max_length=80, blank=True)
    customers = models.PositiveIntegerField(_("customers"), default=0)
    orders = models.PositiveIntegerField(_("orders"), default=0)
    other_currency_orders = models.PositiveIntegerField(
        _("orders in other currencies (left out)"), default=0
    )
    scores_kept = models.BooleanField(_("per-customer scores kept"), default=True)
    # Everything else a page shows: fitted parameters, segment counts, Lorenz curve,
    # matrix thresholds, settings used (see ``perno.analytics.refresh``).
    results = models.JSONField(_("results"), default=dict, blank=True)

    class Meta:
        ordering = ["-as_of", "-id"]
        verbose_name = _("analytics snapshot")
        verbose_name_plural = _("analytics snapshots")

    def __str__(self) -> str:
        return f"{self.as_of} ({self.get_status_display()})"


class CustomerScore(models.Model):
    """One customer in one snapshot: a contact, or a company for orders without a
    contact."""

    class History(models.TextChoices):
        SCORED = "scored", _("Scored")
        SHORT = "short", _("Too little history")

    class Matrix(models.TextChoices):
        TRUE_FRIEND = "true_friend", _("True friend")
        BUTTERFLY = "butterfly", _("Butterfly")
        BARNACLE = "barnacle", _("Barnacle")
        STRANGER = "stranger", _("Stranger")

    class Journey(models.TextChoices):
        ATTRACTION = "attraction", _("Attraction")
        CONVERSION = "conversion", _("Conversion")
        NURTURING = "nurturing", _("Nurturing")
        RETENTION = "retention", _("Retention")

    class Segment(models.TextChoices):
        CHAMPIONS = "champions", _("Champions")
        LOYAL = "loyal", _("Loyal")
        POTENTIAL = "potential_loyalists", _("Potential loyalists")
        NEW = "new", _("New")
        PROMISING = "promising", _("Promising")
        NEED_ATTENTION = "need_attention", _("Need attention")
        ABOUT_TO_SLEEP = "about_to_sleep", _("About to sleep")
        AT_RISK = "at_risk", _("At risk")
        CANT_LOSE = "cant_lose", _("Can't lose them")
        HIBERNATING = "hibernating", _("Hibernating")

    snapshot = models.ForeignKey(
        Snapshot, on_delete=models.CASCADE, related_name="scores", db_index=False
    )
    contact = models.ForeignKey(
        "contacts.Contact", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    company = models.ForeignKey(
        "contacts.Company", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    orders = models.PositiveIntegerField(_("orders"))
    purchase_days = models.PositiveIntegerField(_("days with a purchase"))
    first_order = models.DateField(_("first order"))
    last_order = models.DateField(_("last order"))
    recency_days = models.PositiveIntegerField(_("days since the last order"))
    revenue = models.DecimalField(_("revenue"), max_digits=16, decimal_places=2)
    contribution = models.DecimalField(_("contribution"), max_digits=16, decimal_places=2)
    cost_known = models.BooleanField(_("costs known"))
    r = models.PositiveSmallIntegerField("R")
    f = models.PositiveSmallIntegerField("F")
    m = models.PositiveSmallIntegerField("M")
    rfm_segment = models.CharField(_("RFM segment"), max_length=20, choices=Segment.choices)
    history = models.CharField(_("history"), max_length=6, choices=History.choices)
    p_alive = models.FloatField(_("probability still active"), null=True, blank=True)
    expected_90 = models.FloatField(_("expected purchases, 90 days"), null=True, blank=True)
    expected_180 = models.FloatField(_("expected purchases, 180 days"), null=True, blank=True)
    expected_365 = models.FloatField(_("expected purchases, 365 days"), null=True, blank=True)
    expected_value = models.FloatField(_("expected order value"), null=True, blank=True)
    clv = models.FloatField(_("lifetime value"), null=True, blank=True)
    matrix = models.CharField(
        _("loyalty x profitability"), max_length=12, choices=Matrix.choices, blank=True
    )
    journey = models.CharField(_("journey stage"), max_length=10, choices=Journey.choices)

    class Meta:
        verbose_name = _("customer score")
        verbose_name_plural = _("customer scores")
        indexes = [
            models.Index(fields=["snapshot", "rfm_segment"], name="score_segment_idx"),
            models.Index(fields=["snapshot", "matrix"], name="score_matrix_idx"),
            models.Index(
                fields=["contact", "snapshot"],
                condition=models.Q(contact__isnull=False),
                name="score_contact_idx",
            ),
            models.Index(
                fields=["company", "snapshot"],
                condition=models.Q(company__isnull=False),
                name="score_company_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(contact__isnull=False) | models.Q(company__isnull=False),
                name="score_has_customer",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.r}{self.f}{self.m}"

    @property
    def rfm_code(self) -> str:
        return f"{self.r}{self.f}{self.m}"
