"""The health check's figures and score, computed in SQL.

``compute(user=None)``: over every row (the stored snapshot), or over the rows ``user``
may see (the aggregates rule of docs/architecture.md). Per record type one aggregate
statement counts the rows and every check at once (``Count(filter=...)``); the privacy
and usage figures are a few more counts. Nothing loops over records in Python (VAT
check digits are checked once per distinct VAT number, as no database can).

The score (0-100) is the weighted mean of three areas, each 100 x the mean of its
shares of good rows (``WEIGHTS``, documented in docs/health.md):

- data quality (45 %): completeness of every field checked (contacts and companies),
  and the shares without a duplicate, a stale record, an invalid e-mail, phone or VAT
  number;
- compliance (35 %): people with a legal basis; retention applied (1 - rows overdue /
  rows of contacts, at least 0); requests answered in time (1 - overdue / open, near the
  deadline counting half); breaches notified in time (each open breach costs a half, a
  late one all);
- usage (20 %): users active in the last 30 days, open deals not past their close date,
  open deals with a next step.

An area without any row to measure counts as healthy (100).

Some groups of figures need a right beyond seeing the records (``GATED``: the
compliance group is the privacy office's). A user without that right never gets them,
whichever path computes the figures: ``compute(user=...)`` leaves them out and
``visible`` drops them from the stored snapshot; the area scores and the score are then
computed over the figures the user gets (the compliance area from the people with a
legal basis alone), so the score shown always matches the figures shown."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from perno.accounts.models import User
from perno.accounts.permissions import can, restrict
from perno.activities.models import Activity
from perno.audit.models import ChangeEntry
from perno.health.checks import MODELS, RECENT_DAYS, Context, checks_for
from perno.privacy import retention
from perno.privacy.breaches import open_clocks
from perno.privacy.models import SubjectRequest

WEIGHTS = {"quality": 45, "compliance": 35, "usage": 20}
NEAR_DAYS = 7  # a request due within a week is near its deadline
# Groups of figures shown only to who has a further right: group -> (action, subject).
GATED = {"compliance": ("view", "privacy")}


def may_see(user: Any, group: str) -> bool:
    """Whether ``user`` gets the figures of ``group`` (``user`` None: the snapshot)."""
    action, subject = GATED[group]
    return user is None or can(user, action, subject)


def _rows(subject: str, user: Any) -> QuerySet:
    rows = MODELS[subject]._default_manager.all()
    return rows if user is None else restrict(rows, user, "view")


def record_figures(subject: str, ctx: Context, user: Any = None) -> dict[str, Any]:
    """``{"total": n, "checks": {key: count}}`` for one record type."""
    checks = checks_for(subject)
    rows = _rows(subject, user)
    counts = rows.aggregate(
        _total=Count("pk"),
        **{f"c_{c.key}": Count("pk", filter=c.condition(ctx)) for c in checks},
    )
    return {
        "total": counts["_total"],
        "checks": {c.key: counts[f"c_{c.key}"] for c in checks},
    }


def requests_due(ctx: Context) -> Q:
    """Open data subject requests due within ``NEAR_DAYS`` days or overdue."""
    soon = ctx.today + timedelta(days=NEAR_DAYS)
    return Q(status=SubjectRequest.Status.OPEN) & (
        Q(extended_to__isnull=True, due_on__lte=soon) | Q(extended_to__lte=soon)
    )


def requests_late(ctx: Context) -> Q:
    return Q(status=SubjectRequest.Status.OPEN) & (
        Q(extended_to__isnull=True, due_on__lt=ctx.today) | Q(extended_to__lt=ctx.today)
    )


def breaches_waiting() -> Q:
    """Breaches still waiting for the authority's notification (``breaches.open_clocks``)."""
    return Q(closed_at__isnull=True, authority_notified_at__isnull=True, no_notification_reason="")


def compliance_figures(ctx: Context, user: Any = None) -> dict[str, Any] | None:
    """Retention, requests and breaches: the privacy office's records, for who handles
    personal data (and the snapshot)."""
    if not may_see(user, "compliance"):
        return None
    overdue = sum(item.expired().count() for item in retention.plan(ctx.now))
    requests = SubjectRequest.objects.aggregate(
        open=Count("pk", filter=Q(status=SubjectRequest.Status.OPEN)),
        due=Count("pk", filter=requests_due(ctx)),
        late=Count("pk", filter=requests_late(ctx)),
    )
    clocks = open_clocks(ctx.now)
    return {
        "retention_overdue": overdue,
        "requests_open": requests["open"],
        "requests_due": requests["due"],
        "requests_late": requests["late"],
        "breaches_open": len(clocks),
        "breaches_late": sum(1 for c in clocks if c["late"]),
        "breach_hours_left": min((c["hours_left"] for c in clocks), default=None),
    }


def active_users(ctx: Context) -> QuerySet:
    since = ctx.now - timedelta(days=RECENT_DAYS)
    acted = ChangeEntry.objects.filter(actor=OuterRef("pk"), created_at__gte=since)
    return User.objects.filter(is_active=True).filter(Q(last_login__gte=since) | Exists(acted))


def activities_by_user(ctx: Context, user: Any = None) -> list[tuple[int, int]]:
    """(user id, activities created in the last 30 days) over the activities ``user`` may
    see, most first: shown on the page, never stored (it is about colleagues)."""
    activities = Activity.objects.all() if user is None else restrict(Activity.objects.all(), user)
    return list(
        activities.filter(created_at__date__gte=ctx.recent_since)
        .exclude(owner__isnull=True)
        .values("owner")
        .annotate(n=Count("pk"))
        .order_by("-n", "owner")
        .values_list("owner", "n")[:50]
    )


def usage_figures(ctx: Context, user: Any = None) -> dict[str, Any]:
    users = User.objects.filter(is_active=True).count()
    activities = Activity.objects.all() if user is None else restrict(Activity.objects.all(), user)
    recent = activities.filter(created_at__date__gte=ctx.recent_since)
    active = active_users(ctx).count()
    made = recent.count()
    return {
        "users": users,
        "active_users": active,
        "activities_recent": made,
        "activities_per_active_user": round(made / max(1, active), 1),
    }


def _share(bad: int, total: int) -> float:
    return 1.0 if total <= 0 else max(0.0, 1.0 - bad / total)


def _mean(values: list[float]) -> float:
    return sum(values) / len(values) if values else 1.0


def area_scores(figures: dict[str, Any]) -> dict[str, float]:
    quality: list[float] = []
    for subject in ("contact", "company"):
        record = figures["records"][subject]
        quality.extend(_share(n, record["total"]) for n in record["checks"].values())
    contacts = figures["records"]["contact"]["total"]
    compliance = [_share(figures["records"]["contact"]["checks"].get("no_basis", 0), contacts)]
    privacy = figures.get("compliance")
    if privacy:
        compliance.append(_share(privacy["retention_overdue"], max(contacts, 1)))
        near = privacy["requests_due"] - privacy["requests_late"]
        compliance.append(
            _share(privacy["requests_late"] + near / 2, privacy["requests_open"])
            if privacy["requests_open"]
            else 1.0
        )
        breaches = privacy["breaches_open"]
        compliance.append(
            max(0.0, 1.0 - 0.5 * (breaches - privacy["breaches_late"]) - privacy["breaches_late"])
        )
    usage = figures["usage"]
    deals = figures["records"]["deal"]
    open_deals = deals.get("open", 0)
    usage_shares = [
        _share(usage["users"] - usage["active_users"], usage["users"]),
        _share(deals["checks"]["overdue"], open_deals),
        _share(deals["checks"]["no_next_step"], open_deals),
    ]
    return {
        "quality": round(100 * _mean(quality), 1),
        "compliance": round(100 * _mean(compliance), 1),
        "usage": round(100 * _mean(usage_shares), 1),
    }


def score(areas: dict[str, float]) -> int:
    total = sum(WEIGHTS.values())
    return round(sum(areas[name] * weight for name, weight in WEIGHTS.items()) / total)


def compute(user: Any = None, now: datetime | None = None) -> dict[str, Any]:
    """Every figure, the area scores and the score, over every row (``user`` None) or
    over the rows ``user`` may see."""
    ctx = Context(now, scope={subject: _rows(subject, user) for subject in MODELS})
    records = {subject: record_figures(subject, ctx, user) for subject in MODELS}
    records["deal"]["open"] = _rows("deal", user).filter(status="open").count()
    figures: dict[str, Any] = {
        "computed_at": ctx.now.isoformat(),
        "stale_before": ctx.stale_before.isoformat(),
        "recent_since": ctx.recent_since.isoformat(),
        "records": records,
        "compliance": compliance_figures(ctx, user),
        "usage": usage_figures(ctx, user),
    }
    figures["areas"] = area_scores(figures)
    figures["score"] = score(figures["areas"])
    return figures


def visible(figures: dict[str, Any], user: Any) -> dict[str, Any]:
    """``figures`` (the snapshot's, computed with ``user=None``) as ``user`` may see them:
    each group of ``GATED`` they lack the right for is None, and the area scores and the
    score are computed again over what is left (as ``compute(user=user)`` would). The
    same dict when nothing is dropped; the stored figures are never changed."""
    hidden = [g for g in GATED if figures.get(g) is not None and not may_see(user, g)]
    if not hidden:
        return figures
    shown = {**figures, **dict.fromkeys(hidden)}
    shown["areas"] = area_scores(shown)
    shown["score"] = score(shown["areas"])
    return shown


def stale_months() -> int:
    return int(settings.PERNO_HEALTH_STALE_MONTHS)
