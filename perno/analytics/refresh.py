"""``refresh(as_of)``: recompute the customer analytics from the stored orders and store
them as a dated snapshot.

1. **Customers and RFM, in the database** (one query): the confirmed orders in the
   base currency up to ``as_of`` grouped per customer (the contact, or the company for
   orders without a contact) and per day; recency, frequency (orders), monetary
   (revenue), quintile scores 1-5 with ``NTILE`` (recency reversed; ties broken by the
   customer's rank, so every quintile holds a fifth), the named segment from R and F
   and two facts its name must not contradict (one purchase or more; the last within
   the active period or not), and the contribution over the profitability period
   (revenue minus the costs entered on orders and on the customer).
2. **MBG/NBD and Gamma-Gamma** (``perno.analytics.clv``) on the customers' histories in
   weeks: P(alive), expected purchases in 90/180/365 days, expected order value and the
   discounted lifetime value over the horizon set in the analytics settings. Customers
   whose first order is more recent than the minimum history are labelled "too little
   history" and get no prediction.
3. **The loyalty x profitability matrix** (Reinartz & Kumar 2002), the journey stage,
   the Lorenz curve, Gini and the top-20 % share.
4. **One write**: the snapshot's totals and every customer's scores, in one
   transaction. A failed fit marks the snapshot failed with the reason; pages keep
   reading the previous completed snapshot.

One module (about 550 lines) on purpose: it is one pipeline whose steps, above, read
top to bottom; the fitting itself is in ``perno.analytics.clv``."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from string import Template
from typing import Any

import numpy as np
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from perno.analytics import clv
from perno.analytics.models import AnalyticsSettings, CustomerScore, Snapshot
from perno.audit import trail
from perno.audit.models import AuditEvent
from perno.sales.models import Order

logger = logging.getLogger(__name__)
CHUNK = 50_000
STALE_AFTER = timedelta(hours=6)
HORIZONS = (90, 180, 365)

# The ten named segments. Quintiles are relative and ties are split by rank, so R and F
# alone can call a customer who bought once, years ago, "loyal" (when most customers
# bought once, single buyers fill the upper F quintiles too). Two facts come first, so
# no segment's description is false of its customers: whether the last purchase is
# within the active period (the parameter) and whether there was more than one
# purchase day. Repeat buyers within the active period then follow the R x F grid (R
# rows 1-5, F columns 1-5); its "long ago" cells become "about to sleep" for them.
SEGMENT_SQL = """
CASE
  WHEN recency > %s THEN
    CASE WHEN purchase_days = 1 OR f <= 2 THEN 'hibernating'
         WHEN f = 5 THEN 'cant_lose'
         ELSE 'at_risk' END
  WHEN purchase_days = 1 THEN CASE WHEN r = 5 THEN 'new' ELSE 'promising' END
  WHEN r <= 2 AND f <= 2 THEN 'about_to_sleep'
  WHEN r <= 2 AND f <= 4 THEN 'at_risk'
  WHEN r <= 2 THEN 'cant_lose'
  WHEN r = 3 AND f <= 2 THEN 'about_to_sleep'
  WHEN r = 3 AND f = 3 THEN 'need_attention'
  WHEN r <= 4 AND f >= 4 THEN 'loyal'
  WHEN f <= 3 THEN 'potential_loyalists'
  ELSE 'champions'
END"""


class RefreshRefused(Exception):
    """A refresh is already running, or the date asked for is not valid."""


def _days_before(column: str) -> str:
    """SQL for the whole days from ``column`` to the date parameter."""
    if connection.vendor == "postgresql":
        return f"(CAST(%s AS date) - {column})"
    return f"CAST(julianday(%s) - julianday({column}) AS INTEGER)"


def _float(expression: str) -> str:
    kind = "double precision" if connection.vendor == "postgresql" else "REAL"
    return f"CAST({expression} AS {kind})"


# The RFM query, with the vendor's day arithmetic filled in by ``customers_sql``.
CUSTOMERS_SQL = Template(
    """
WITH days AS (
  SELECT COALESCE(contact_id, -company_id) AS k, ordered_on AS d, COUNT(*) AS n,
         SUM(total) AS v,
         SUM(total - COALESCE(cost, 0)) AS c,
         SUM(CASE WHEN cost IS NULL THEN 1 ELSE 0 END) AS nocost
  FROM sales_order
  WHERE status = 'confirmed' AND currency = %s AND ordered_on <= %s
    AND (contact_id IS NOT NULL OR company_id IS NOT NULL)
  GROUP BY COALESCE(contact_id, -company_id), ordered_on
), customers AS (
  SELECT k, MIN(d) AS first_d, MAX(d) AS last_d, COUNT(*) AS purchase_days,
         SUM(n) AS orders, SUM(v) AS revenue,
         SUM(CASE WHEN d > %s THEN c ELSE 0 END) AS contribution,
         SUM(CASE WHEN d > %s THEN nocost ELSE 0 END) AS nocost
  FROM days GROUP BY k
), costs AS (
  SELECT COALESCE(contact_id, -company_id) AS k, SUM(amount) AS amount
  FROM sales_customercost
  WHERE incurred_on > %s AND incurred_on <= %s
  GROUP BY COALESCE(contact_id, -company_id)
), scored AS (
  SELECT c.k, c.orders, c.purchase_days, $age AS age, $recency AS recency,
         c.revenue, c.revenue - fd.v AS repeat_revenue,
         c.contribution - COALESCE(cc.amount, 0) AS contribution, c.nocost,
         NTILE(5) OVER (ORDER BY $recency DESC, c.k) AS r,
         NTILE(5) OVER (ORDER BY c.orders, c.k) AS f,
         NTILE(5) OVER (ORDER BY c.revenue, c.k) AS m
  FROM customers c JOIN days fd ON fd.k = c.k AND fd.d = c.first_d
  LEFT JOIN costs cc ON cc.k = c.k
)
SELECT k, orders, purchase_days, age, recency, $revenue, $repeat_revenue, $contribution,
       nocost, r, f, m, $segment
FROM scored
"""
)


def customers_sql() -> str:
    """The RFM query: one row per customer, RFM scores and segment computed in SQL.
    Only constant fragments are substituted; every value is a parameter."""
    return CUSTOMERS_SQL.substitute(
        age=_days_before("c.first_d"),
        recency=_days_before("c.last_d"),
        revenue=_float("revenue"),
        repeat_revenue=_float("repeat_revenue"),
        contribution=_float("contribution"),
        segment=SEGMENT_SQL,
    )


def customer_params(as_of: date, currency: str, profit_start: date, active_days: int) -> list[Any]:
    return [
        currency,
        *(as_of, profit_start, profit_start, profit_start),
        *(as_of, as_of, as_of, as_of, active_days),
    ]


@dataclass
class Columns:
    """The customers of a refresh as numpy columns, in the order the query returns."""

    key: np.ndarray
    orders: np.ndarray
    purchase_days: np.ndarray
    age: np.ndarray
    recency: np.ndarray
    revenue: np.ndarray
    repeat_revenue: np.ndarray
    contribution: np.ndarray
    nocost: np.ndarray
    r: np.ndarray
    f: np.ndarray
    m: np.ndarray
    segment: np.ndarray

    def __len__(self) -> int:
        return len(self.key)


def read_customers(as_of: date, currency: str, profit_start: date, active_days: int) -> Columns:
    """Run the RFM query and read its rows into numpy arrays, a chunk at a time."""
    parts: list[list[np.ndarray]] = [[] for _ in range(13)]
    params = customer_params(as_of, currency, profit_start, active_days)
    with connection.cursor() as cursor:
        cursor.execute(customers_sql(), params)
        while True:
            rows = cursor.fetchmany(CHUNK)
            if not rows:
                break
            for i, column in enumerate(zip(*rows, strict=True)):
                parts[i].append(np.array(column, dtype=object if i == 12 else float))
    arrays = [
        np.concatenate(p) if p else np.array([], dtype=object if i == 12 else float)
        for i, p in enumerate(parts)
    ]
    ints = {0, 1, 2, 3, 4, 8, 9, 10, 11}
    return Columns(*(a.astype(np.int64) if i in ints else a for i, a in enumerate(arrays)))


def _median_or(value: Any, data: np.ndarray) -> float:
    if value is not None:
        return float(value)
    return float(np.median(data)) if len(data) else 0.0


def _counts(values: np.ndarray) -> dict[str, int]:
    keys, counts = np.unique(values, return_counts=True)
    return {str(k): int(c) for k, c in zip(keys, counts, strict=True) if str(k)}


def _histogram(values: np.ndarray, edges: list[float]) -> list[int]:
    counts, _ = np.histogram(values, bins=edges)
    return [int(c) for c in counts]


def compute(
    cols: Columns, config: AnalyticsSettings, progress: Callable[[str, int], None]
) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """Fit the models and classify every customer. Returns the snapshot's results and
    the per-customer columns to store. Raises ``clv.FitError`` when a fit that has
    enough data does not converge."""
    n = len(cols)
    x = (cols.purchase_days - 1).astype(float)
    age_days = cols.age.astype(float)
    T = age_days / clv.DAYS_PER_WEEK
    t_x = (age_days - cols.recency) / clv.DAYS_PER_WEEK
    repeat_mean = np.where(x > 0, cols.repeat_revenue / np.maximum(x, 1), 0.0)
    scored = age_days >= config.min_history_days
    out: dict[str, np.ndarray] = {
        name: np.full(n, np.nan) for name in ("p_alive", *map(str, HORIZONS), "value", "clv")
    }
    results: dict[str, Any] = {"mbgnbd": None, "gamma_gamma": None, "clv_note": ""}
    progress("fitting MBG/NBD", 40)
    try:
        model = clv.fit_mbgnbd(x, t_x, T)
    except clv.FitError as exc:
        if "not enough" not in str(exc):
            raise
        model = None
        results["clv_note"] = str(exc)
    spend = None
    if model is not None:
        results["mbgnbd"] = model.as_dict()
        progress("fitting Gamma-Gamma", 50)
        try:
            spend = clv.fit_gamma_gamma(x, repeat_mean)
            results["gamma_gamma"] = spend.as_dict()
        except clv.FitError as exc:
            if "not enough" not in str(exc):
                raise
            results["clv_note"] = str(exc)
        progress("scoring customers", 60)
        s = scored
        out["p_alive"][s] = clv.p_alive(model, x[s], t_x[s], T[s])
        for days in HORIZONS:
            out[str(days)][s] = clv.expected_purchases(
                model, days / clv.DAYS_PER_WEEK, x[s], t_x[s], T[s]
            )
        if spend is not None:
            out["value"][s] = clv.expected_value(spend, x[s], repeat_mean[s])
            out["clv"][s] = clv.lifetime_value(
                model,
                out["value"][s],
                x[s],
                t_x[s],
                T[s],
                months=config.clv_months,
                yearly_discount=float(config.discount_rate) / 100,
            )
    progress("classifying", 75)
    predicted = scored & ~np.isnan(out["365"])
    loyalty_split = _median_or(config.loyalty_split, out["365"][predicted])
    profit_split = _median_or(config.profit_split, cols.contribution[predicted])
    alive_split = float(config.alive_split)
    # A median split puts customers on the median in the lower half (with many equal
    # values, often 0, ">=" would put almost everyone in the upper one); a configured
    # split is a minimum.
    expected = out["365"]
    above_loyalty = (
        expected > loyalty_split if config.loyalty_split is None else expected >= loyalty_split
    )
    loyal = (out["p_alive"] >= alive_split) & above_loyalty
    contribution = cols.contribution
    profitable = (
        contribution > profit_split if config.profit_split is None else contribution >= profit_split
    )
    matrix = np.full(n, "", dtype=object)
    matrix[predicted & loyal & profitable] = CustomerScore.Matrix.TRUE_FRIEND.value
    matrix[predicted & ~loyal & profitable] = CustomerScore.Matrix.BUTTERFLY.value
    matrix[predicted & loyal & ~profitable] = CustomerScore.Matrix.BARNACLE.value
    matrix[predicted & ~loyal & ~profitable] = CustomerScore.Matrix.STRANGER.value
    # A customer whose last order is older than the active period is to be kept or won
    # back, whether they bought once or often: "has just become a customer" is only
    # for one order within the active period.
    journey = np.where(
        cols.recency > config.active_days,
        CustomerScore.Journey.RETENTION.value,
        np.where(
            cols.orders <= 1,
            CustomerScore.Journey.CONVERSION.value,
            CustomerScore.Journey.NURTURING.value,
        ),
    ).astype(object)
    grid = np.zeros((5, 5), dtype=int)
    np.add.at(grid, (cols.r - 1, cols.f - 1), 1)
    clv_values = out["clv"][~np.isnan(out["clv"])]
    results.update(
        {
            "customers": n,
            "scored": int(scored.sum()),
            "short_history": int((~scored).sum()),
            "revenue": float(cols.revenue.sum()),
            "equity": float(clv_values.sum()) if len(clv_values) else None,
            "rfm_segments": _counts(cols.segment),
            "rfm_grid": grid.tolist(),
            "matrix": {
                "loyalty_split": loyalty_split,
                "alive_split": alive_split,
                "profit_split": profit_split,
                "loyalty_is_median": config.loyalty_split is None,
                "profit_is_median": config.profit_split is None,
                "counts": _counts(matrix),
                "cost_known": int((cols.nocost == 0).sum()),
            },
            "journey": _counts(journey),
            "pareto": clv.lorenz(cols.revenue),
            "p_alive_histogram": _histogram(out["p_alive"][predicted], [i / 10 for i in range(11)]),
            "settings": {
                "clv_months": config.clv_months,
                "discount_rate": float(config.discount_rate),
                "min_history_days": config.min_history_days,
                "profit_days": config.profit_days,
                "active_days": config.active_days,
            },
        }
    )
    out["matrix"] = matrix
    out["journey"] = journey
    out["scored"] = scored
    return results, out


SCORE_COLUMNS = (
    "snapshot_id",
    "contact_id",
    "company_id",
    "orders",
    "purchase_days",
    "first_order",
    "last_order",
    "recency_days",
    "revenue",
    "contribution",
    "cost_known",
    "r",
    "f",
    "m",
    "rfm_segment",
    "history",
    "p_alive",
    "expected_90",
    "expected_180",
    "expected_365",
    "expected_value",
    "clv",
    "matrix",
    "journey",
)


def _rows(snapshot: Snapshot, cols: Columns, out: dict[str, np.ndarray]) -> Iterator[tuple]:
    as_of = np.datetime64(snapshot.as_of, "D")
    first = (as_of - cols.age.astype("timedelta64[D]")).astype(object)
    last = (as_of - cols.recency.astype("timedelta64[D]")).astype(object)
    floats = [out[name] for name in ("p_alive", "90", "180", "365", "value", "clv")]
    float_lists = [[None if np.isnan(v) else float(v) for v in column] for column in floats]
    short, scored = CustomerScore.History.SHORT.value, CustomerScore.History.SCORED.value
    for i, key in enumerate(cols.key.tolist()):
        yield (
            snapshot.pk,
            key if key > 0 else None,
            -key if key < 0 else None,
            int(cols.orders[i]),
            int(cols.purchase_days[i]),
            first[i],
            last[i],
            int(cols.recency[i]),
            f"{cols.revenue[i]:.2f}",
            f"{cols.contribution[i]:.2f}",
            bool(cols.nocost[i] == 0),
            int(cols.r[i]),
            int(cols.f[i]),
            int(cols.m[i]),
            cols.segment[i],
            scored if out["scored"][i] else short,
            *(column[i] for column in float_lists),
            out["matrix"][i],
            out["journey"][i],
        )


def write_scores(snapshot: Snapshot, cols: Columns, out: dict[str, np.ndarray]) -> None:
    table = CustomerScore._meta.db_table
    names = ", ".join(SCORE_COLUMNS)
    rows = _rows(snapshot, cols, out)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            raw = cursor.cursor
            with raw.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        placeholders = ", ".join(["%s"] * len(SCORE_COLUMNS))
        # Table and column names are the model's own constants; values are parameters.
        sql = f"INSERT INTO {table} ({names}) VALUES ({placeholders})"  # noqa: S608  # nosec B608
        batch: list[tuple] = []
        for row in rows:
            batch.append(row)
            if len(batch) >= CHUNK:
                cursor.executemany(sql, batch)
                batch = []
        if batch:
            cursor.executemany(sql, batch)


def _progress(
    snapshot: Snapshot, echo: Callable[[str, int], None] | None
) -> Callable[[str, int], None]:
    def report(step: str, percent: int) -> None:
        snapshot.step, snapshot.progress = step, percent
        Snapshot.objects.filter(pk=snapshot.pk).update(step=step, progress=percent)
        logger.info("analytics refresh %s: %s (%s %%)", snapshot.as_of, step, percent)
        if echo is not None:
            echo(step, percent)

    return report


def start(as_of: date | None = None, *, actor: Any = None) -> Snapshot:
    """Create the snapshot row of a new refresh; refuse while another one runs."""
    today = timezone.localdate()
    as_of = as_of or today
    if as_of > today:
        raise RefreshRefused(f"{as_of.isoformat()} is in the future: give today or an earlier date")
    running = Snapshot.objects.filter(
        status=Snapshot.Status.RUNNING, started_at__gt=timezone.now() - STALE_AFTER
    ).first()
    if running is not None:
        raise RefreshRefused(
            f"a refresh for {running.as_of.isoformat()} is already running "
            f"(started {running.started_at:%Y-%m-%d %H:%M}); wait for it to finish"
        )
    return Snapshot.objects.create(
        as_of=as_of, currency=settings.PERNO_DEFAULT_CURRENCY, started_by=actor
    )


def run(
    snapshot: Snapshot, *, actor: Any = None, echo: Callable[[str, int], None] | None = None
) -> Snapshot:
    """Compute and store ``snapshot``. On failure it is marked failed with the reason
    and nothing of it is stored; the previous completed snapshot stays current."""

    progress = _progress(snapshot, echo)
    config = AnalyticsSettings.current()
    as_of = snapshot.as_of
    try:
        progress("reading orders and computing RFM", 10)
        cols = read_customers(
            as_of,
            snapshot.currency,
            as_of - timedelta(days=config.profit_days),
            config.active_days,
        )
        counted = Order.objects.filter(
            status=Order.Status.CONFIRMED, ordered_on__lte=as_of
        ).exclude(contact__isnull=True, company__isnull=True)
        snapshot.orders = int(cols.orders.sum())
        snapshot.other_currency_orders = counted.exclude(currency=snapshot.currency).count()
        snapshot.customers = len(cols)
        results, out = compute(cols, config, progress)
        progress("storing scores", 85)
        with transaction.atomic():
            write_scores(snapshot, cols, out)
            snapshot.results = results
            snapshot.status = Snapshot.Status.DONE
            snapshot.step, snapshot.progress = "", 100
            snapshot.finished_at = timezone.now()
            snapshot.save()
            trail.record(
                actor=actor,
                action=AuditEvent.Action.PROFILE,
                obj=snapshot,
                subject="",
                detail={"analytics_refresh": as_of.isoformat(), "customers": len(cols)},
            )
        prune(config.keep_scores)
    except Exception as exc:
        logger.exception("analytics refresh %s failed", as_of)
        Snapshot.objects.filter(pk=snapshot.pk).update(
            status=Snapshot.Status.FAILED,
            error=str(exc)[:2000] or exc.__class__.__name__,
            finished_at=timezone.now(),
        )
        snapshot.refresh_from_db()
    return snapshot


def refresh(
    as_of: date | None = None,
    *,
    actor: Any = None,
    echo: Callable[[str, int], None] | None = None,
) -> Snapshot:
    return run(start(as_of, actor=actor), actor=actor, echo=echo)


def prune(keep: int) -> int:
    """Drop the per-customer scores of all but the ``keep`` latest completed snapshots
    (their totals and charts stay). Returns the number of snapshots pruned."""
    done = Snapshot.objects.filter(status=Snapshot.Status.DONE, scores_kept=True)
    old = list(done.order_by("-as_of", "-id").values_list("pk", flat=True)[keep:])
    if old:
        CustomerScore.objects.filter(snapshot__in=old).delete()
        Snapshot.objects.filter(pk__in=old).update(scores_kept=False)
    Snapshot.objects.filter(status=Snapshot.Status.FAILED).exclude(
        pk__in=Snapshot.objects.order_by("-id").values("pk")[:20]
    ).delete()
    return len(old)


def latest() -> Snapshot | None:
    """The snapshot pages read: the latest completed one."""
    return Snapshot.objects.filter(status=Snapshot.Status.DONE, scores_kept=True).first()


def clv_report(snapshot: Snapshot) -> dict[str, Any]:
    """What ``perno analytics clv --json`` prints: enough to check the fit from outside."""
    results = snapshot.results
    return {
        "snapshot": snapshot.pk,
        "calibration_end": snapshot.as_of.isoformat(),
        "currency": snapshot.currency,
        "time_unit": "weeks",
        "customers": snapshot.customers,
        "mbgnbd": results.get("mbgnbd"),
        "gamma_gamma": results.get("gamma_gamma"),
        "customer_equity": results.get("equity"),
        "horizon_months": results.get("settings", {}).get("clv_months"),
        "discount_rate_percent": results.get("settings", {}).get("discount_rate"),
        "note": results.get("clv_note", ""),
    }
