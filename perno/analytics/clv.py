"""Customer lifetime value: the MBG/NBD model of repeat purchases (Batislam, Denizel &
Filiztekin 2007, "Empirical validation and comparison of models for customer base
analysis") and the Gamma-Gamma model of order value (Fader, Hardie & Lee 2005, "RFM and
CLV"), fitted by maximum likelihood with scipy.

MBG/NBD is BG/NBD (Fader, Hardie & Lee 2005, "Counting your customers the easy way")
with one change: a customer may also drop out right after the first purchase. BG/NBD
lets customers drop out only after a repeat purchase, so it gives P(alive) = 1 to every
customer who bought once, however long ago; MBG/NBD does not.

Time is in weeks. For each customer: ``x`` repeat purchases (days with a purchase after
the first), ``t_x`` the time of the last purchase and ``T`` the age, both from the first
purchase; ``m`` the mean value of the repeat purchases.

Nothing here touches the database: ``perno.analytics.refresh`` feeds numpy arrays in
and stores what comes out."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from scipy.optimize import minimize
from scipy.special import gammaln, hyp2f1

DAYS_PER_WEEK = 7.0
DAYS_PER_MONTH = 365.25 / 12
# A fitted parameter beyond exp(±9) (1.2e-4 .. 8.1e3, time in weeks) is a model running
# off to a limit the data cannot pin down, not an estimate.
EDGE = 9.0


class FitError(Exception):
    """A model could not be fitted: too little data, or the optimizer did not converge."""


@dataclass(frozen=True)
class MbgNbd:
    r: float
    alpha: float
    a: float
    b: float
    log_likelihood: float
    customers: int
    iterations: int

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class GammaGamma:
    p: float
    q: float
    gamma: float
    log_likelihood: float
    customers: int
    iterations: int

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _mbgnbd_terms(params: np.ndarray, x: np.ndarray, t_x: np.ndarray, T: np.ndarray) -> Any:
    """Each customer's log-likelihood (Batislam, Denizel & Filiztekin 2007):
    alive at T after x repeat purchases, or gone after the last one (for x = 0, right
    after the first)."""
    r, alpha, a, b = params
    a1 = gammaln(r + x) - gammaln(r) + r * np.log(alpha)
    a2 = gammaln(a + b) + gammaln(b + x + 1) - gammaln(b) - gammaln(a + b + x + 1)
    a3 = -(r + x) * np.log(alpha + T)
    a4 = np.log(a) - np.log(b + x) - (r + x) * np.log(alpha + t_x)
    return a1 + a2 + np.logaddexp(a3, a4)


def _minimize(nll: Any, start: np.ndarray, what: str) -> Any:
    with np.errstate(all="ignore"):
        result = minimize(nll, start, method="L-BFGS-B", bounds=[(-12.0, 12.0)] * len(start))
    if not result.success or not np.all(np.isfinite(result.x)) or not np.isfinite(result.fun):
        raise FitError(
            f"the {what} fit did not converge after {result.nit} iterations: {result.message}"
        )
    if np.any(np.abs(result.x) > EDGE):
        raise FitError(
            f"the {what} fit did not converge: a parameter ran off towards 0 or infinity "
            f"({', '.join(f'{v:.3g}' for v in np.exp(result.x))}); the data do not "
            "identify the model (for example, no customer ever seems to stop buying)"
        )
    return result


def _weights(*columns: np.ndarray) -> tuple[list[np.ndarray], np.ndarray]:
    """Identical customers counted once, with their number as weight: many share the
    same history, and the likelihood is evaluated a few hundred times."""
    stacked = np.column_stack(columns)
    unique, counts = np.unique(stacked, axis=0, return_counts=True)
    return [unique[:, i] for i in range(unique.shape[1])], counts.astype(float)


def fit_mbgnbd(x: np.ndarray, t_x: np.ndarray, T: np.ndarray) -> MbgNbd:
    x, t_x, T = (np.asarray(v, dtype=float) for v in (x, t_x, T))
    if len(x) < 20 or int((x > 0).sum()) < 10:
        raise FitError(
            "not enough purchase history to fit MBG/NBD: it needs at least 20 customers, "
            f"10 of them with a repeat purchase (there are {len(x)} customers, "
            f"{int((x > 0).sum())} with a repeat purchase)"
        )
    if np.any(x < 0) or np.any(t_x < 0) or np.any(t_x > T):
        raise FitError("invalid purchase history: negative counts or a last purchase after T")
    (ux, ut, uT), weight = _weights(x, t_x, T)
    scale = weight.sum()

    def nll(log_params: np.ndarray) -> float:
        return float(-(weight * _mbgnbd_terms(np.exp(log_params), ux, ut, uT)).sum() / scale)

    result = _minimize(nll, np.zeros(4), "MBG/NBD")
    r, alpha, a, b = (float(v) for v in np.exp(result.x))
    return MbgNbd(r, alpha, a, b, -float(result.fun) * scale, len(x), int(result.nit))


def fit_gamma_gamma(x: np.ndarray, m: np.ndarray) -> GammaGamma:
    """Fit on the repeat buyers (``x > 0``) with a positive mean value."""
    x, m = np.asarray(x, dtype=float), np.asarray(m, dtype=float)
    keep = (x > 0) & (m > 0)
    x, m = x[keep], m[keep]
    if len(x) < 10:
        raise FitError(
            "not enough repeat buyers to fit Gamma-Gamma: it needs at least 10 "
            f"(there are {len(x)})"
        )
    # Values are fitted in units of their mean, so gamma (in money) does not run into
    # the optimizer's range whatever the currency or order size; the log-likelihood is
    # reported in the original units.
    scale = float(m.mean())
    (ux, um), weight = _weights(x, m / scale)
    total = weight.sum()

    def nll(log_params: np.ndarray) -> float:
        p, q, g = np.exp(log_params)
        px = p * ux
        ll = (
            gammaln(px + q)
            - gammaln(px)
            - gammaln(q)
            + q * np.log(g)
            + (px - 1) * np.log(um)
            + px * np.log(ux)
            - (px + q) * np.log(g + um * ux)
        )
        return float(-(weight * ll).sum() / total)

    result = _minimize(nll, np.zeros(3), "Gamma-Gamma")
    p, q, g = (float(v) for v in np.exp(result.x))
    g *= scale
    log_likelihood = -float(result.fun) * total - len(x) * np.log(scale)
    if q <= 1:
        raise FitError(
            f"the Gamma-Gamma fit gave q = {q:.3f}: with q <= 1 the expected order value "
            "is not defined"
        )
    return GammaGamma(p, q, g, float(log_likelihood), len(x), int(result.nit))


def _odds_gone(model: MbgNbd, x: np.ndarray, t_x: np.ndarray, T: np.ndarray) -> np.ndarray:
    """P(gone) / P(alive) at T given the history: a / (b + x) ((alpha + T) /
    (alpha + t_x)) ^ (r + x), also for x = 0."""
    return (
        model.a
        / (model.b + x)
        * np.exp((model.r + x) * (np.log(model.alpha + T) - np.log(model.alpha + t_x)))
    )


def p_alive(model: MbgNbd, x: np.ndarray, t_x: np.ndarray, T: np.ndarray) -> np.ndarray:
    """The probability that each customer is still active at T. Below 1 also for a
    customer who bought once: the longer ago, the lower."""
    x, t_x, T = (np.asarray(v, dtype=float) for v in (x, t_x, T))
    return 1.0 / (1.0 + _odds_gone(model, x, t_x, T))


def expected_purchases(
    model: MbgNbd, t: float, x: np.ndarray, t_x: np.ndarray, T: np.ndarray
) -> np.ndarray:
    """Expected number of purchases in the next ``t`` weeks, given the history: the
    purchases of a customer still active, times P(alive)."""
    r, alpha, a, b = model.r, model.alpha, model.a, model.b
    x, t_x, T = (np.asarray(v, dtype=float) for v in (x, t_x, T))
    if t <= 0:
        return np.zeros_like(x)
    z = t / (alpha + T + t)
    head = (a + b + x) / (a - 1)
    power = np.exp((r + x) * (np.log(alpha + T) - np.log(alpha + T + t)))
    body = head * (1 - power * hyp2f1(r + x, b + x + 1, a + b + x, z))
    return body * p_alive(model, x, t_x, T)


def expected_value(model: GammaGamma, x: np.ndarray, m: np.ndarray) -> np.ndarray:
    """Expected value of a future order: the customer's mean shrunk towards the
    population mean, the more so the fewer purchases (FHL 2005, eq. 5)."""
    x = np.asarray(x, dtype=float)
    m = np.where(x > 0, np.asarray(m, dtype=float), 0.0)
    return model.p * (model.gamma + m * x) / (model.p * x + model.q - 1)


def lifetime_value(
    model: MbgNbd,
    value: np.ndarray,
    x: np.ndarray,
    t_x: np.ndarray,
    T: np.ndarray,
    *,
    months: int,
    yearly_discount: float,
) -> np.ndarray:
    """Discounted value of the purchases expected over the next ``months`` months,
    month by month."""
    monthly = (1 + yearly_discount) ** (1 / 12) - 1
    total = np.zeros_like(np.asarray(x, dtype=float))
    previous = np.zeros_like(total)
    for month in range(1, months + 1):
        current = expected_purchases(model, month * DAYS_PER_MONTH / DAYS_PER_WEEK, x, t_x, T)
        total += (current - previous) / (1 + monthly) ** month
        previous = current
    return total * value


def lorenz(values: np.ndarray, points: int = 50) -> dict[str, Any]:
    """The Lorenz curve of revenue (customers from the smallest to the largest), the
    Gini coefficient and the share of revenue from the top 20 % of customers."""
    ordered = np.sort(np.asarray(values, dtype=float))
    n = len(ordered)
    total = float(ordered.sum())
    if n == 0 or total <= 0:
        return {"gini": None, "top20_share": None, "curve": [], "customers": n}
    cumulative = np.cumsum(ordered) / total
    gini = float((n + 1 - 2 * cumulative.sum()) / n)
    top = max(1, int(np.ceil(n * 0.2)))
    top_share = float(ordered[-top:].sum() / total)
    steps = np.linspace(0, 1, points + 1)
    indexes = np.clip(np.round(steps * n).astype(int) - 1, -1, n - 1)
    curve = [
        [float(s), float(cumulative[i]) if i >= 0 else 0.0]
        for s, i in zip(steps, indexes, strict=True)
    ]
    return {"gini": gini, "top20_share": top_share, "curve": curve, "customers": n}
