"""What the analytics pages and the API read: snapshots, their aggregates as chart
data, and a customer's scores with the reasons behind them."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from perno.analytics.models import CustomerScore, Snapshot

SEGMENT_COLORS = {
    "champions": "#198754",
    "loyal": "#20c997",
    "potential_loyalists": "#0dcaf0",
    "new": "#0d6efd",
    "promising": "#6610f2",
    "need_attention": "#ffc107",
    "about_to_sleep": "#fd7e14",
    "at_risk": "#dc3545",
    "cant_lose": "#d63384",
    "hibernating": "#6c757d",
}
MATRIX_COLORS = {
    "true_friend": "#198754",
    "butterfly": "#0dcaf0",
    "barnacle": "#ffc107",
    "stranger": "#6c757d",
}
JOURNEY_COLORS = {
    "attraction": "#6c757d",
    "conversion": "#0d6efd",
    "nurturing": "#198754",
    "retention": "#fd7e14",
}


def segment_descriptions() -> dict[str, str]:
    return {
        "champions": _("Bought recently and often: reward them, ask for reviews and referrals."),
        "loyal": _("Buy often: offer more of the range and loyalty programmes."),
        "potential_loyalists": _("Recent, a few orders: build the habit with follow-ups."),
        "new": _("First order very recently: welcome them and help them get started."),
        "promising": _("Recent single buyers: make the second order easy."),
        "need_attention": _("Average on both: a timely, personal offer."),
        "about_to_sleep": _("Slipping away after few orders: remind them why they came."),
        "at_risk": _("Bought often, but not for a while: reach out before they leave."),
        "cant_lose": _("Used to buy the most, long ago: win them back personally."),
        "hibernating": _("Few orders, long ago: low-cost reactivation, or let go."),
    }


def matrix_treatments() -> dict[str, str]:
    """Reinartz & Kumar (2002), "The mismanagement of customer loyalty"."""
    return {
        "true_friend": _(
            "Profitable and loyal: communicate consistently but not too often, build "
            "attitudinal loyalty, nurture and defend them."
        ),
        "butterfly": _(
            "Profitable but not loyal: enjoy them while they buy, stop investing once "
            "they stop; do not try to turn them into loyal customers."
        ),
        "barnacle": _(
            "Loyal but not profitable: measure the size and share of wallet; up-sell and "
            "cross-sell when the wallet is large, cut the cost to serve when it is small."
        ),
        "stranger": _(
            "Neither profitable nor loyal: no investment; make every transaction profitable."
        ),
    }


def journey_rules() -> dict[str, str]:
    return {
        "attraction": _("No confirmed order yet: a lead or a prospect."),
        "conversion": _("Exactly one order: has just become a customer."),
        "nurturing": _("Two or more orders, the last within the active period."),
        "retention": _("Two or more orders, none within the active period: keep or win back."),
    }


def completed() -> QuerySet[Snapshot]:
    return Snapshot.objects.filter(status=Snapshot.Status.DONE)


def chosen(pk: Any = None) -> Snapshot | None:
    """The snapshot asked for by id, or the latest completed one."""
    found = completed()
    if pk:
        try:
            return found.filter(pk=int(pk)).first()
        except (TypeError, ValueError):
            return None
    return found.first()


def previous(snapshot: Snapshot) -> Snapshot | None:
    return (
        completed()
        .filter(as_of__lte=snapshot.as_of)
        .exclude(pk=snapshot.pk)
        .exclude(as_of=snapshot.as_of, pk__gt=snapshot.pk)
        .first()
    )


def movement(current: dict[str, int], before: dict[str, int] | None) -> dict[str, int | None]:
    if before is None:
        return dict.fromkeys(current)
    keys = set(current) | set(before)
    return {k: current.get(k, 0) - before.get(k, 0) for k in keys}


def running() -> Snapshot | None:
    return Snapshot.objects.filter(status=Snapshot.Status.RUNNING).first()


def scores_for(record_type: str, pk: int) -> list[CustomerScore]:
    """A contact's or company's scores in the snapshots that keep them, newest first."""
    return list(
        CustomerScore.objects.filter(
            **{f"{record_type}_id": pk}, snapshot__status=Snapshot.Status.DONE
        )
        .select_related("snapshot")
        .order_by("-snapshot__as_of", "-snapshot_id")
    )


def explain(score: CustomerScore) -> list[str]:
    """Why the customer has these scores, in a few sentences."""
    snapshot = score.snapshot
    results = snapshot.results
    lines = [
        _(
            "RFM %(code)s: last order %(days)s days before %(date)s (R %(r)s of 5), "
            "%(orders)s orders (F %(f)s), %(revenue)s %(currency)s spent (M %(m)s). "
            "Scores are quintiles among all %(customers)s customers."
        )
        % {
            "code": score.rfm_code,
            "days": score.recency_days,
            "date": snapshot.as_of.isoformat(),
            "r": score.r,
            "orders": score.orders,
            "f": score.f,
            "revenue": f"{score.revenue:,.2f}",
            "currency": snapshot.currency,
            "m": score.m,
            "customers": snapshot.customers,
        },
        _("Segment “%(segment)s”: %(why)s")
        % {
            "segment": score.get_rfm_segment_display(),
            "why": segment_descriptions().get(score.rfm_segment, ""),
        },
    ]
    if score.history == CustomerScore.History.SHORT:
        lines.append(
            _(
                "Too little history: the first order is less than %(days)s days old, so no "
                "lifetime value or probability is predicted yet."
            )
            % {"days": results.get("settings", {}).get("min_history_days", "")}
        )
    elif score.p_alive is not None:
        lines.append(
            _(
                "BG/NBD: %(pct)s%% likely still active, given %(repeat)s repeat purchase days, "
                "the last %(days)s days ago; %(e365)s purchases expected in the next year."
            )
            % {
                "pct": round(score.p_alive * 100),
                "repeat": score.purchase_days - 1,
                "days": score.recency_days,
                "e365": f"{score.expected_365:.2f}",
            }
        )
        if score.clv is not None:
            lines.append(
                _(
                    "Lifetime value over %(months)s months: %(clv)s %(currency)s (expected "
                    "order value %(value)s, discounted at %(rate)s%% a year)."
                )
                % {
                    "months": results.get("settings", {}).get("clv_months", ""),
                    "clv": f"{score.clv:,.2f}",
                    "currency": snapshot.currency,
                    "value": f"{score.expected_value:,.2f}",
                    "rate": results.get("settings", {}).get("discount_rate", ""),
                }
            )
    if score.matrix:
        split = results.get("matrix", {})
        lines.append(
            _(
                "%(matrix)s: contribution %(contribution)s %(currency)s over the last "
                "%(period)s days (split at %(split)s%(costs)s); loyal when at least "
                "%(alive)s%% likely active and more than %(loyalty)s purchases expected next year."
            )
            % {
                "matrix": score.get_matrix_display(),
                "contribution": f"{score.contribution:,.2f}",
                "currency": snapshot.currency,
                "period": results.get("settings", {}).get("profit_days", ""),
                "split": f"{split.get('profit_split', 0):,.2f}",
                "costs": "" if score.cost_known else _("; revenue only where no cost was entered"),
                "alive": round(split.get("alive_split", 0) * 100),
                "loyalty": f"{split.get('loyalty_split', 0):.2f}",
            }
        )
    lines.append(
        _("Journey: %(stage)s. %(rule)s")
        % {"stage": score.get_journey_display(), "rule": journey_rules().get(score.journey, "")}
    )
    return lines
