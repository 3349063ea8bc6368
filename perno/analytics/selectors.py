"""What the analytics pages and the API read: snapshots, their aggregates as chart
data, and a customer's scores with the reasons behind them."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

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
    """What each segment says of its customers: true of every one of them by the rules
    in ``refresh.SEGMENT_SQL`` ("recent": the last purchase within the active period;
    "often": more than one purchase day and F 3 to 5)."""
    return {
        "champions": _("Bought recently and often: reward them, ask for reviews and referrals."),
        "loyal": _("Buy often and recently: offer more of the range and loyalty programmes."),
        "potential_loyalists": _(
            "Recent, more than one purchase: build the habit with follow-ups."
        ),
        "new": _("One purchase, among the most recent: welcome them and help them get started."),
        "promising": _("One purchase, within the active period: make the second order easy."),
        "need_attention": _("Recent, average on both: a timely, personal offer."),
        "about_to_sleep": _(
            "Repeat buyers with few purchases, the last not among the most recent: remind "
            "them why they came."
        ),
        "at_risk": _("Bought often, but not for a while: reach out before they leave."),
        "cant_lose": _("Bought the most often, but not for a while: win them back personally."),
        "hibernating": _(
            "Few purchases, none within the active period: low-cost reactivation, or let go."
        ),
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
        "conversion": _("One order, within the active period: has just become a customer."),
        "nurturing": _("Two or more orders, the last within the active period."),
        "retention": _("No order within the active period: keep or win back."),
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


def _alive_sentence(score: CustomerScore) -> str:
    repeat = score.purchase_days - 1
    figures = {
        # Snapshots before MBG/NBD were scored with BG/NBD: name the model that was used.
        "model": "MBG/NBD" if score.snapshot.results.get("mbgnbd") else "BG/NBD",
        "pct": round((score.p_alive or 0) * 100),
        "repeat": repeat,
        "days": score.recency_days,
        "e365": f"{score.expected_365:.2f}",
    }
    if repeat == 0:
        return (
            _(
                "%(model)s: %(pct)s%% likely still active, given a single purchase day, "
                "%(days)s days before the snapshot (with no repeat purchase, the estimate "
                "rests mostly on how the other customers behave); %(e365)s purchases "
                "expected in the next year."
            )
            % figures
        )
    return (
        ngettext(
            "%(model)s: %(pct)s%% likely still active, given %(repeat)s repeat purchase day "
            "after the first, the last %(days)s days before the snapshot; %(e365)s "
            "purchases expected in the next year.",
            "%(model)s: %(pct)s%% likely still active, given %(repeat)s repeat purchase "
            "days after the first, the last %(days)s days before the snapshot; %(e365)s "
            "purchases expected in the next year.",
            repeat,
        )
        % figures
    )


def explain(score: CustomerScore) -> list[str]:
    """Why the customer has these scores, in a few sentences."""
    snapshot = score.snapshot
    results = snapshot.results
    settings = results.get("settings", {})
    lines = [
        ngettext(
            "RFM %(code)s: last order %(days)s days before %(date)s (R %(r)s of 5), "
            "%(orders)s order (F %(f)s), %(revenue)s %(currency)s spent (M %(m)s). "
            "Scores are quintiles among all %(customers)s customers.",
            "RFM %(code)s: last order %(days)s days before %(date)s (R %(r)s of 5), "
            "%(orders)s orders (F %(f)s), %(revenue)s %(currency)s spent (M %(m)s). "
            "Scores are quintiles among all %(customers)s customers.",
            score.orders,
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
            % {"days": settings.get("min_history_days", "")}
        )
    elif score.p_alive is None:
        lines.append(
            _(
                "Not enough history in the whole customer base to fit the purchase model "
                "yet (it needs at least 20 customers, 10 of them with a repeat purchase): no "
                "lifetime value or probability is predicted."
            )
        )
    else:
        lines.append(_alive_sentence(score))
        if score.clv is not None:
            lines.append(
                _(
                    "Lifetime value over %(months)s months: %(clv)s %(currency)s (expected "
                    "order value %(value)s, discounted at %(rate)s%% a year)."
                )
                % {
                    "months": settings.get("clv_months", ""),
                    "clv": f"{score.clv:,.2f}",
                    "currency": snapshot.currency,
                    "value": f"{score.expected_value:,.2f}",
                    "rate": settings.get("discount_rate", ""),
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
