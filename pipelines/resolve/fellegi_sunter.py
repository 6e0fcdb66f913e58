"""Unsupervised Fellegi-Sunter model: m and u probabilities estimated by EM, no labels needed.

The comparison vectors of millions of candidate pairs take only a few thousand distinct values,
so EM runs on the distinct *patterns* with their counts: each iteration is a handful of numpy
operations over those patterns, whatever the number of pairs.

Missing levels (-1) carry no evidence: they are left out of both the likelihood and the m/u
updates, as in Splink and unlike recordlinkage's `ECMClassifier` (which would treat "missing" as
one more level to learn).

Term-frequency adjustment: agreeing exactly on a common value (张伟) is weaker evidence than on
a rare one. If value v has relative frequency p_v and the exact level's u is u_exact (the chance
that a non-matching pair agrees on *some* value), the likelihood ratio of agreeing on v is
m_exact / u_exact * (sum_w p_w^2) / p_v. The adjustment is applied per pair after fitting.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import polars as pl

from pipelines.resolve.compare import MISSING, Comparison, unique_inverse

_EPS = 1e-6
# Pseudo-matches behind the default m probabilities: on a few hundred records EM has little to
# learn from, so the defaults dominate; on thousands of matches they vanish.
M_PRIOR_STRENGTH = 20.0


def default_m(n_levels: int) -> np.ndarray:
    """Generic m probabilities before any data: a true match mostly agrees exactly (85%), then
    each lower level is less likely, and outright disagreement is rare (2%)."""
    if n_levels == 1:
        return np.ones(1)
    rest = np.arange(1, n_levels - 1, dtype=np.float64)
    middle = 0.13 * rest / rest.sum() if len(rest) else np.zeros(0)
    top = 1.0 - 0.02 - middle.sum()
    return np.concatenate([[0.02], middle, [top]])
# Probabilities are floored here when turned into weights, so that no single level can outvote
# every other comparison (a level never seen among matches is rare evidence, not proof).
PROB_FLOOR = 1e-4


@dataclass
class FellegiSunterModel:
    """Fitted parameters: the prior and per comparison the m and u probability of each level."""

    names: list[str]
    prior: float
    m: list[np.ndarray]
    u: list[np.ndarray]
    iterations: int = 0
    history: list[float] = field(default_factory=list)
    labels: list[tuple[str, ...]] = field(default_factory=list)

    def level_weights(self) -> list[np.ndarray]:
        """log2(m/u) of every level of every comparison (the Bayes factor of the level)."""
        return [
            np.log2(np.clip(m, PROB_FLOOR, 1) / np.clip(u, PROB_FLOOR, 1)) for m, u in zip(self.m, self.u, strict=True)
        ]

    def weights(self, levels: np.ndarray) -> np.ndarray:
        """Match weight (log2 Bayes factor, prior excluded) of each row of a level matrix."""
        total = np.zeros(levels.shape[0])
        for k, lw in enumerate(self.level_weights()):
            col = levels[:, k].astype(np.int64)
            present = col != MISSING
            total[present] += lw[col[present]]
        return total

    @property
    def prior_weight(self) -> float:
        return float(np.log2(self.prior / (1 - self.prior)))

    def describe(self) -> pl.DataFrame:
        """One row per comparison level: m, u and weight (for reports and the audit)."""
        rows = []
        for k, (name, m, u, w) in enumerate(zip(self.names, self.m, self.u, self.level_weights(), strict=True)):
            for level in range(len(m)):
                label = self.labels[k][level] if k < len(self.labels) else None
                rows.append(
                    {
                        "comparison": name,
                        "level": level,
                        "label": label,
                        "m": float(m[level]),
                        "u": float(u[level]),
                        "weight": float(w[level]),
                    }
                )
        rows.append({"comparison": "prior", "level": None, "label": "log2 odds of a random pair matching", "m": None, "u": None, "weight": self.prior_weight})
        return pl.DataFrame(rows, schema={"comparison": pl.String, "level": pl.Int64, "label": pl.String, "m": pl.Float64, "u": pl.Float64, "weight": pl.Float64})


def patterns(levels: np.ndarray, weights: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Distinct rows of a level matrix, their counts, and the pattern index of every row.

    With `weights`, each row stands for that many pairs (rows that are already pattern counts,
    gathered from the partitions of a distributed run)."""
    if levels.shape[0] == 0:
        return levels, np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    shifted = levels.astype(np.int64) + 1  # -1..9 -> 0..10
    code = np.zeros(levels.shape[0], dtype=np.int64)
    for k in range(levels.shape[1]):
        code = code * 16 + shifted[:, k]
    _, inverse, first = unique_inverse(code)
    counts = np.bincount(inverse) if weights is None else np.bincount(inverse, weights=weights).astype(np.int64)
    return levels[first], counts, inverse


def fit_em(
    levels: np.ndarray,
    comparisons: list[Comparison],
    prior: float = 0.05,
    u_init: list[np.ndarray] | None = None,
    fix_u: bool = False,
    max_iter: int = 200,
    tol: float = 1e-7,
    m_init: list[np.ndarray] | None = None,
    fix_m: bool = False,
    counts: np.ndarray | None = None,
) -> FellegiSunterModel:
    """Estimate prior, m and u by EM on the candidate pairs' comparison levels.

    Args:
        levels: (pairs x comparisons) Int8 level matrix (-1 = missing).
        comparisons: the comparisons (for level counts and names).
        prior: starting share of matches among the pairs.
        u_init: starting u per comparison (e.g. from random record pairs); default uniform-ish.
        fix_u: keep u at `u_init` (estimated from random pairs) and learn only m and the prior.
        max_iter, tol: EM stopping rule (change of the log-likelihood).
        counts: pairs per row of `levels` (rows already aggregated to patterns); default one.
    """
    if levels.shape[0] == 0:
        m0 = m_init if m_init is not None else [default_m(c.n_levels) for c in comparisons]
        u0 = u_init if u_init is not None else [np.full(c.n_levels, 1.0 / c.n_levels) for c in comparisons]
        return FellegiSunterModel(
            names=[c.name for c in comparisons], prior=prior, m=[np.asarray(x, float) for x in m0], u=[np.asarray(x, float) for x in u0]
        )
    pats, counts, _ = patterns(levels, counts)
    counts = counts.astype(np.float64)
    n_levels = [c.n_levels for c in comparisons]
    m = []
    u = []
    for k, n in enumerate(n_levels):
        # m starts concentrated on the top levels, u on the bottom ones.
        ramp = np.arange(1, n + 1, dtype=np.float64) ** 3
        m.append(np.asarray(m_init[k], dtype=np.float64) if m_init is not None else ramp / ramp.sum())
        if u_init is not None:
            u.append(np.clip(np.asarray(u_init[k], dtype=np.float64), _EPS, 1))
        else:
            down = ramp[::-1]
            u.append(down / down.sum())
    history: list[float] = []
    iteration = 0
    for iteration in range(1, max_iter + 1):
        log_m = np.zeros(len(pats))
        log_u = np.zeros(len(pats))
        for k in range(len(n_levels)):
            col = pats[:, k].astype(np.int64)
            present = col != MISSING
            log_m[present] += np.log(np.clip(m[k][col[present]], _EPS, 1))
            log_u[present] += np.log(np.clip(u[k][col[present]], _EPS, 1))
        a = np.log(prior) + log_m
        b = np.log1p(-prior) + log_u
        top = np.maximum(a, b)
        denom = top + np.log(np.exp(a - top) + np.exp(b - top))
        post = np.exp(a - denom)
        loglik = float((counts * denom).sum())
        history.append(loglik)
        w_match = counts * post
        w_non = counts * (1 - post)
        prior = float(np.clip(w_match.sum() / counts.sum(), 1e-9, 1 - 1e-9))
        for k, n in enumerate(n_levels):
            col = pats[:, k].astype(np.int64)
            present = col != MISSING
            if not fix_m:
                mk = np.bincount(col[present], weights=w_match[present], minlength=n)
                mk = mk + M_PRIOR_STRENGTH * default_m(n)
                m[k] = mk / mk.sum()
            if not fix_u:
                uk = np.bincount(col[present], weights=w_non[present], minlength=n) + 1e-3
                u[k] = uk / uk.sum()
        if len(history) > 1 and abs(history[-1] - history[-2]) < tol * abs(history[-2]):
            break
    return FellegiSunterModel(
        names=[c.name for c in comparisons], prior=prior, m=m, u=u, iterations=iteration, history=history
    )


def u_from_random_pairs(levels: np.ndarray, comparisons: list[Comparison]) -> list[np.ndarray]:
    """u probabilities of each level measured on random record pairs (nearly all non-matches)."""
    out = []
    for k, comp in enumerate(comparisons):
        col = levels[:, k].astype(np.int64)
        col = col[col != MISSING]
        counts = np.bincount(col, minlength=comp.n_levels).astype(np.float64) + 0.5
        out.append(counts / counts.sum())
    return out


def fit_sessions(
    levels: np.ndarray,
    rules_of_pair: np.ndarray,
    masks: list[list[int]],
    comparisons: list[Comparison],
    u: list[np.ndarray],
    total_pairs: float,
    counts: np.ndarray | None = None,
) -> FellegiSunterModel:
    """Estimate m the way Splink does, then the share of matches among all pairs.

    u comes from random record pairs (nearly all non-matches), so it is not biased by blocking.
    m is estimated by EM (u fixed) separately on the pairs of each blocking rule, ignoring the
    comparisons that rule forces to agree (their agreement there says nothing about m); the
    sessions' estimates are averaged, weighted by their expected number of matches. Finally the
    number of matches among the candidates is estimated (m and u fixed) and turned into the
    prior of a random pair, so that weights are Bayes factors against the whole population.

    Args:
        levels: level matrix of the candidate pairs.
        rules_of_pair: bit mask per pair of the blocking rules whose key the pair shares.
        masks: per rule, the comparison indices that rule forces to agree.
        comparisons: the comparisons.
        u: u probabilities per comparison (from random pairs).
        total_pairs: number of record pairs in the whole population (n(n-1)/2 when deduplicating).
        counts: pairs per row when the rows are (levels, rules) patterns rather than pairs (a
            partitioned or distributed run gathers only those); default one per row.
    """
    k_count = len(comparisons)
    sums = [np.zeros(c.n_levels) for c in comparisons]
    weights = np.zeros(k_count)
    pair_counts = np.ones(levels.shape[0], dtype=np.int64) if counts is None else np.asarray(counts, dtype=np.int64)
    for rule, masked in enumerate(masks):
        chosen = (rules_of_pair >> np.uint64(rule)) & np.uint64(1) == 1
        subset = levels[chosen]
        size = int(pair_counts[chosen].sum())
        if size < 50:
            continue
        subset = subset.copy()
        for k in masked:
            subset[:, k] = MISSING
        session = fit_em(subset, comparisons, prior=0.5, u_init=u, fix_u=True, counts=None if counts is None else pair_counts[chosen])
        expected = session.prior * size
        for k in range(k_count):
            if k in masked:
                continue
            sums[k] += expected * session.m[k]
            weights[k] += expected
    fallback = fit_em(levels, comparisons, prior=0.5, u_init=u, fix_u=True, counts=counts)
    m = [
        (sums[k] + M_PRIOR_STRENGTH * default_m(comparisons[k].n_levels)) / (weights[k] + M_PRIOR_STRENGTH)
        if weights[k] > 0
        else fallback.m[k]
        for k in range(k_count)
    ]
    final = fit_em(levels, comparisons, prior=0.5, u_init=u, fix_u=True, m_init=m, fix_m=True, counts=counts)
    matches = final.prior * int(pair_counts.sum())
    prior = float(np.clip(matches / max(total_pairs, 1.0), 1e-12, 0.5))
    return FellegiSunterModel(
        names=[c.name for c in comparisons], prior=prior, m=m, u=[np.asarray(x) for x in u], iterations=final.iterations
    )
