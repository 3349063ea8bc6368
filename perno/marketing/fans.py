"""The fan principle: Perno's own, transparent model of how customers feel.

From a fan questionnaire (a survey whose questions have the roles below):

- **Satisfaction S** (0-100): the answer to the overall-satisfaction question; a 0-10
  answer times 10, or a 1-5 answer as (answer - 1) x 25.
- **Emotional bond B** (0-100): the mean of the six bond items (stay / repurchase,
  recommend, buy other products, irreplaceable, trust, fits me), each scaled the same
  way; at least 4 of the 6 must be answered, or there is no B.
- **Type**, with the thresholds of Analytics → Settings (defaults 75 / 75 / 50):
  S >= 75 and B >= 75 fan; S >= 75 and 50 <= B < 75 sympathizer; S >= 75 and B < 50
  mercenary; S < 75 and B >= 50 captive; otherwise opponent.

The portfolio places every customer by their latest answer within the recent period
(default 365 days). This is not a published scale: it is documented here, in
docs/analytics.md and on the portfolio page, so anyone can check a placement."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Case, CharField, F, OuterRef, Q, QuerySet, Subquery, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from perno.analytics.models import AnalyticsSettings
from perno.marketing.models import Response

BOND_ROLES = (
    "bond_stay",
    "bond_recommend",
    "bond_other_products",
    "bond_irreplaceable",
    "bond_trust",
    "bond_fits",
)
MIN_BOND_ITEMS = 4

TYPES: dict[str, Any] = {
    "fan": _("Fan"),
    "sympathizer": _("Sympathizer"),
    "mercenary": _("Mercenary"),
    "captive": _("Captive"),
    "opponent": _("Opponent"),
}
COLORS = {
    "fan": "#198754",
    "sympathizer": "#20c997",
    "mercenary": "#ffc107",
    "captive": "#fd7e14",
    "opponent": "#dc3545",
}


def treatments() -> dict[str, Any]:
    return {
        "fan": _("Satisfied and attached: involve them (reviews, referrals, co-creation)."),
        "sympathizer": _("Satisfied, fairly attached: deepen the relationship to make them fans."),
        "mercenary": _("Satisfied but not attached: they leave for a better offer; build a bond."),
        "captive": _(
            "Attached but not satisfied (often no alternative): fix what disappoints them."
        ),
        "opponent": _("Neither satisfied nor attached: find out why, recover or let go."),
    }


@dataclass(frozen=True)
class Thresholds:
    satisfied: float = 75
    fan: float = 75
    sympathizer: float = 50

    @classmethod
    def current(cls) -> Thresholds:

        config = AnalyticsSettings.current()
        return cls(config.fan_satisfaction, config.fan_bond, config.sympathizer_bond)


def to_100(kind: str, value: Any) -> float | None:
    """A 0-10 or 1-5 answer on the 0-100 scale."""
    if value is None or isinstance(value, bool):
        return None
    if kind == "scale":
        return float(value) * 10
    if kind == "likert":
        return (float(value) - 1) * 25
    return None


def scores(answers: dict[str, tuple[str, Any]]) -> dict[str, Any]:
    """S, B, the number of bond items, NPS and CSAT answers from answers by role
    (role -> (question kind, value))."""
    satisfaction = None
    if "satisfaction" in answers:
        satisfaction = to_100(*answers["satisfaction"])
    bond_values = [
        v
        for role in BOND_ROLES
        if role in answers
        for v in [to_100(*answers[role])]
        if v is not None
    ]
    bond = sum(bond_values) / len(bond_values) if len(bond_values) >= MIN_BOND_ITEMS else None
    nps = answers.get("nps", (None, None))[1]
    csat = answers.get("csat", (None, None))[1]
    return {
        "satisfaction": satisfaction,
        "bond": bond,
        "bond_items": len(bond_values),
        "nps": int(nps) if nps is not None and answers["nps"][0] == "scale" else None,
        "csat": int(csat) if csat is not None and answers["csat"][0] == "likert" else None,
    }


def fan_type(satisfaction: float | None, bond: float | None, t: Thresholds) -> str:
    if satisfaction is None or bond is None:
        return ""
    if satisfaction >= t.satisfied:
        if bond >= t.fan:
            return "fan"
        return "sympathizer" if bond >= t.sympathizer else "mercenary"
    return "captive" if bond >= t.sympathizer else "opponent"


def type_expression(t: Thresholds) -> Case:
    """The same rule in SQL, for aggregates."""
    return Case(
        When(Q(satisfaction__gte=t.satisfied, bond__gte=t.fan), then=Value("fan")),
        When(Q(satisfaction__gte=t.satisfied, bond__gte=t.sympathizer), then=Value("sympathizer")),
        When(satisfaction__gte=t.satisfied, then=Value("mercenary")),
        When(bond__gte=t.sympathizer, then=Value("captive")),
        default=Value("opponent"),
        output_field=CharField(),
    )


def latest_placed(at: datetime, days: int) -> QuerySet:
    """Each contact's latest response with both S and B in the ``days`` before ``at``."""

    window = Response.objects.filter(
        satisfaction__isnull=False,
        bond__isnull=False,
        submitted_at__lte=at,
        submitted_at__gt=at - timedelta(days=days),
    )
    newest = window.filter(contact=OuterRef("contact")).order_by("-submitted_at", "-id")
    return window.filter(pk=Subquery(newest.values("pk")[:1]))


def portfolio(
    *, contacts: QuerySet | None = None, at: datetime | None = None, period_days: int = 90
) -> dict[str, Any]:
    """Where customers stand now and ``period_days`` ago: counts and shares per type,
    the fan quota, each customer's point, and the moves between types."""

    config = AnalyticsSettings.current()
    t = Thresholds(config.fan_satisfaction, config.fan_bond, config.sympathizer_bond)
    at = at or timezone.now()
    expression = type_expression(t)

    def placed(when: datetime) -> QuerySet:
        rows = latest_placed(when, config.fan_recent_days)
        if contacts is not None:
            rows = rows.filter(contact__in=contacts)
        return rows.annotate(kind=expression)

    now_rows = list(placed(at).values("contact_id", "satisfaction", "bond", "kind"))
    before_rows = {
        r["contact_id"]: r["kind"]
        for r in placed(at - timedelta(days=period_days)).values("contact_id", "kind")
    }
    counts = dict.fromkeys(TYPES, 0)
    for row in now_rows:
        counts[row["kind"]] += 1
    before_counts = dict.fromkeys(TYPES, 0)
    for kind in before_rows.values():
        before_counts[kind] += 1
    moves: dict[tuple[str, str], int] = {}
    for row in now_rows:
        old = before_rows.get(row["contact_id"])
        if old and old != row["kind"]:
            moves[(old, row["kind"])] = moves.get((old, row["kind"]), 0) + 1
    total = len(now_rows)
    return {
        "thresholds": t,
        "recent_days": config.fan_recent_days,
        "period_days": period_days,
        "total": total,
        "counts": counts,
        "shares": {k: (v / total * 100 if total else 0.0) for k, v in counts.items()},
        "fan_quota": counts["fan"] / total * 100 if total else None,
        "before_total": len(before_rows),
        "before_counts": before_counts,
        "change": {k: counts[k] - before_counts[k] for k in TYPES},
        "moves": sorted(
            ({"from": a, "to": b, "count": n} for (a, b), n in moves.items()),
            key=lambda m: -m["count"],
        ),
        "points": now_rows,
    }


def contacts_of_type(kind: str, *, at: datetime | None = None) -> QuerySet:
    """The contact ids whose latest recent answer places them in ``kind``."""

    config = AnalyticsSettings.current()
    t = Thresholds(config.fan_satisfaction, config.fan_bond, config.sympathizer_bond)
    rows = latest_placed(at or timezone.now(), config.fan_recent_days).annotate(
        kind=type_expression(t)
    )
    return rows.filter(kind=kind).values("contact_id")


def history(contact_id: int) -> list[dict[str, Any]]:
    """A contact's placements over time, newest first."""

    t = Thresholds.current()
    rows = (
        Response.objects.filter(contact_id=contact_id)
        .select_related("survey")
        .order_by("-submitted_at", "-id")
        .annotate(s=F("satisfaction"), b=F("bond"))
    )
    return [
        {
            "response": r,
            "satisfaction": r.satisfaction,
            "bond": r.bond,
            "type": fan_type(r.satisfaction, r.bond, t),
        }
        for r in rows[:20]
    ]
