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

from pipelines.resolve.compare import MISSING, Comparison

_EPS = 1e-6


@dataclass
class FellegiSunterModel:
    """Fitted parameters: the prior and per comparison the m and u probability of each level."""

    names: list[str]
    prior: float
    m: list[np.ndarray]
    u: list[np.ndarray]
    iterations: int = 0
    history: list[float] = field(default_factory=list)

    def level_weights(self) -> list[np.ndarray]:
        """log2(m/u) of every level of every comparison (the Bayes factor of the level)."""
        return [np.log2(np.clip(m, _EPS, 1) / np.clip(u, _EPS, 1)) for m, u in zip(self.m, self.u, strict=True)]

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
        for name, m, u, w in zip(self.names, self.m, self.u, self.level_weights(), strict=True):
            for level in range(len(m)):
                rows.append({"comparison": name, "level": level, "m": float(m[level]), "u": float(u[level]), "weight": float(w[level])})
        return pl.DataFrame(rows)


def patterns(levels: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Distinct rows of a level matrix, their counts, and the pattern index of every row."""
    if levels.shape[0] == 0:
        return levels, np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    shifted = levels.astype(np.int64) + 1  # -1..9 -> 0..10
    code = np.zeros(levels.shape[0], dtype=np.int64)
    for k in range(levels.shape[1]):
        code = code * 16 + shifted[:, k]
    uniq, first, inverse, counts = np.unique(code, return_index=True, return_inverse=True, return_counts=True)
    return levels[first], counts, inverse


def fit_em(
    levels: np.ndarray,
    comparisons: list[Comparison],
    prior: float = 0.05,
    u_init: list[np.ndarray] | None = None,
    fix_u: bool = False,
    max_iter: int = 200,
    tol: float = 1e-7,
) -> FellegiSunterModel:
    """Estimate prior, m and u by EM on the candidate pairs' comparison levels.

    Args:
        levels: (pairs x comparisons) Int8 level matrix (-1 = missing).
        comparisons: the comparisons (for level counts and names).
        prior: starting share of matches among the pairs.
        u_init: starting u per comparison (e.g. from random record pairs); default uniform-ish.
        fix_u: keep u at `u_init` (estimated from random pairs) and learn only m and the prior.
        max_iter, tol: EM stopping rule (change of the log-likelihood).
    """
    pats, counts, _ = patterns(levels)
    counts = counts.astype(np.float64)
    n_levels = [c.n_levels for c in comparisons]
    m = []
    u = []
    for k, n in enumerate(n_levels):
        # m starts concentrated on the top levels, u on the bottom ones.
        ramp = np.arange(1, n + 1, dtype=np.float64) ** 3
        m.append(ramp / ramp.sum())
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
            mk = np.bincount(col[present], weights=w_match[present], minlength=n) + 1e-3
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


def term_frequency_adjustment(
    values_left: pl.Series, values_right: pl.Series, exact: np.ndarray, frequencies: pl.DataFrame
) -> np.ndarray:
    """log2 adjustment per pair for agreeing exactly on a value of the given frequency.

    `frequencies` has `value, p` (relative frequency of each value among records); the adjustment
    is log2(sum p^2 / p_v) where both sides equal v, 0 elsewhere.
    """
    sum_p2 = float((frequencies["p"] ** 2).sum())
    looked = (
        values_left.rename("value")
        .to_frame()
        .join(frequencies, on="value", how="left", maintain_order="left")["p"]
        .fill_null(1.0)
        .to_numpy()
    )
    adj = np.log2(sum_p2 / np.clip(looked, 1e-12, 1))
    return np.where(exact & (values_left == values_right).fill_null(False).to_numpy(), adj, 0.0)
