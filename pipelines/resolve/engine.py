"""The resolution engine: block, compare, score (Fellegi-Sunter + EM), decide, cluster.

It works on *standardised* records (the `persons` / `orgs` modules standardise the raw columns
first) described by a `ResolverConfig`, so the same engine serves persons, organisations and
generic test sets such as FEBRL.

Decisions go beyond a score threshold, because the score alone misses the traps of population
data:

* two records with different checksum-valid identifiers never match (a valid check character
  rules out a keying slip), neither directly nor through a chain of other records: clusters
  holding two valid identifiers are re-built edge by edge, strongest first, refusing any union
  that would join two valid identifiers;
* agreeing on the name alone is never enough (many people in a county are called 张伟): a match
  needs agreement on at least one other identifying field;
* twins (same birth date and address, different names) stay apart, and so do records whose
  birth dates conflict beyond a slip (a household's namesakes), unless their ID numbers agree;
  such kept-apart pairs bind the clustering as cannot-links, like two valid identifiers;
* a source that issues one record per person in a role (a birth certificate per child, a death
  certificate per deceased) never describes one person twice: two of its records with different
  keys (certificate numbers) never end up in one entity, directly or through a chain
  (`ResolverConfig.issued`); the same key twice is one record delivered again;
* organisations sharing a valid credit code always match (a renamed company keeps its code);
* linking files that hold no duplicates themselves (FEBRL4) can require one-to-one links.

Scale: identical records carrying an identifier (monthly payment rolls repeat a person twelve
times a year) are resolved once; blocking is sort-based on 64-bit key hashes; comparisons work
on integer-coded columns and score each distinct pair of values once; EM runs on the distinct
comparison patterns. Time grows with records and candidate pairs, both close to linear.

Memory: records are standardised, and candidate pairs formed, compared, scored and decided, one
partition at a time (`[resolve] partition_records`): a block belongs to the partition its key's
hash falls in, so each partition's blocks are complete; the pairs of all partitions are gathered
as packed 64-bit integers and made distinct once. The model is fitted once on every pair (EM
counts distinct patterns, so `pipelines.spark.resolve` fits the same model from pattern counts
gathered from its executors). Results do not depend on the number of partitions.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl

from pipelines.resolve.blocking import BlockingRule, candidate_pairs
from pipelines.resolve.cluster import canonical_labels, components, constrained_components
from pipelines.resolve.compare import MISSING, Columns, Comparison, unique_inverse
from pipelines.resolve.fellegi_sunter import (
    FellegiSunterModel,
    fit_em,
    fit_sessions,
    u_from_random_pairs,
)
from pipelines.resolve.model import Resolution


@dataclass(frozen=True)
class KeepApart:
    """A pair rule: pairs meeting every condition in `when` never match (cannot-link), unless
    some comparison in `unless` reaches its level.

    Conditions are `(comparison, op, level)` with op one of `<`, `<=`, `==`, `>=`; a missing
    level (-1) never meets a condition. Kept-apart pairs also bind the clustering: two records
    kept apart never end up in one entity through a chain of other records.
    """

    reason: str
    when: tuple[tuple[str, str, int], ...]
    unless: tuple[tuple[str, int], ...] = ()


@dataclass(frozen=True)
class UniqueEvidence:
    """Links records that carry no identifier and no birth date ("sparse" records: a utility
    account, a hand-kept list) on a name that sounds the same and one shared place, when that
    evidence is unique.

    A sparse record and another record are linked when they share `place` (an address
    standardised to the house number, a phone) and a sound key of the name, and:

    * unique: among the records that do identify their person (ID number or birth date, as
      resolved without the sparse records), exactly one person at that place has a name of
      that sound (no second person at the address or with the phone whose name sounds the same);
    * specific: the place is a house, not a building or a switchboard: at most `max_people`
      people there, and the expected number of other people at the place sharing the name's
      sound (people there x the sound's share of the county's people) at most `max_expected`
      (a common name at a shared address is not evidence).

    Attributes:
        rule: short name written to the pair audit's `rule` column.
        reason: the audit's reason text for pairs it links.
        place: the shared column (e.g. `addr_n`, `phone_n`).
        sparse_place: if set, the sparse record's place is read from this column instead, and
            compared with the other records' `place` (a family contact named on a death record
            carries no address; the row's address, `row_addr_n`, is where to look for them).
        open_column: if set, a boolean column: the rule links a pair only when one of its two
            records has it true, and judges a sparse record only when the record has it true
            or an identified record of its (place, sound) has (an address without its house
            number, `addr_open`, is placed in its village or street, `area_n`: it agrees with
            any house there; two different house numbers of one street never link this way).
    """

    rule: str
    reason: str
    place: str
    max_people: int = 12
    max_expected: float = 0.1
    sparse_place: str | None = None
    open_column: str | None = None


_OPS = {
    "<": np.less,
    "<=": np.less_equal,
    "==": np.equal,
    ">=": np.greater_equal,
}


@dataclass(frozen=True)
class ResolverConfig:
    """What to compare and how to decide, for one kind of record.

    Attributes:
        prefix: entity id prefix (`P`, `O`, `E`).
        comparisons: the comparison vector.
        blocking: blocking rules (most specific first).
        identifier: (column, valid-flag column) of the checksum identifier, if any: different
            valid identifiers never merge.
        issued: (group column, key column) of records a source issues once per person (group:
            the source and role; key: that and the certificate number): within a group, a
            cluster holds at most one key, so two such records with different keys are two
            people (a cannot-link, also through chains); records without a group are free.
        link_same_identifier: records sharing a checksum-valid identifier always match
            (organisations: a credit code is issued once and survives renaming).
        collapse_on: identical records with this column present are resolved once (see
            `_collapse`); None disables collapsing.
        name: the name comparison (agreement on it alone is not enough to match).
        agree_levels: per comparison name, the lowest level that counts as agreement for the
            "more than the name" rule (default: the top level).
        keep_apart: pair rules that forbid a match (twins, conflicting birth dates, ...).
        sparse_columns: a record with all of these null is sparse (persons: no ID number, no
            birth date); with `unique_evidence` set, sparse records are linked by those rules
            only, after the other records are resolved (see `UniqueEvidence`).
        sound_columns: sound keys of the name (the unique-evidence rules compare these).
        unique_evidence: the rules that link sparse records, in order of preference.
        threshold: match probability above which a pair matches.
        link_only: only compare records from different sources.
        one_to_one: keep only mutually best links (between sources).
        random_pairs: random record pairs used to estimate u.
        training: how pairs are scored: `sessions` (u from random pairs, m per blocking rule
            as Splink does, prior over all pairs; the default), `candidates` (EM on the candidate
            pairs) or `recordlinkage-ecm` (recordlinkage's `ECMClassifier` on binary agreement
            vectors built from our vectorised comparisons; no term frequencies, no missing-value
            handling: kept for comparison).
        fix_u: with `candidates` training, keep u from random pairs instead of refining it.
        chunk_pairs: pairs compared per batch (keeps memory flat).
    """

    prefix: str
    comparisons: tuple[Comparison, ...]
    blocking: tuple[BlockingRule, ...]
    identifier: tuple[str, str] | None = None
    issued: tuple[str, str] | None = None
    link_same_identifier: bool = False
    collapse_on: str | None = None
    name: str | None = None
    agree_levels: dict[str, int] = field(default_factory=dict)
    keep_apart: tuple[KeepApart, ...] = ()
    sparse_columns: tuple[str, ...] = ()
    sound_columns: tuple[str, ...] = ()
    unique_evidence: tuple[UniqueEvidence, ...] = ()
    threshold: float = 0.5
    link_only: bool = False
    one_to_one: bool = False
    random_pairs: int = 200_000
    training: str = "sessions"
    fix_u: bool = True
    chunk_pairs: int = 2_000_000
    seed: int = 42
    partition_records: int = 0
    """Records per blocking partition (0: the settings' `[resolve] partition_records`): pairs
    are formed, compared and scored partition by partition, so the temporary arrays stay the
    size of one partition whatever the size of the input (see `_resolve_core`)."""

    def comparison_columns(self) -> list[str]:
        """Every record column the comparisons and rules read (in a stable order)."""
        cols: list[str] = []
        for comp in self.comparisons:
            for c in (*comp.columns(), comp.term_frequency):
                if c and c not in cols:
                    cols.append(c)
        for c in (*(self.identifier or ()), *(self.issued or ()), *self.sparse_columns, *self.sound_columns,
                  *(rule.place for rule in self.unique_evidence),
                  *(rule.sparse_place for rule in self.unique_evidence if rule.sparse_place),
                  *(rule.open_column for rule in self.unique_evidence if rule.open_column)):
            if c not in cols:
                cols.append(c)
        return cols


def compare_pairs(cols: Columns, left: np.ndarray, right: np.ndarray, config: ResolverConfig) -> np.ndarray:
    """Level matrix (pairs x comparisons, Int8) for the given row-number pairs, in chunks so that
    the temporary arrays stay small whatever the number of pairs."""
    out = np.empty((len(left), len(config.comparisons)), dtype=np.int8)
    step = max(1, config.chunk_pairs)
    for start in range(0, len(left), step):
        stop = min(start + step, len(left))
        for k, comp in enumerate(config.comparisons):
            out[start:stop, k] = comp.levels(cols, left[start:stop], right[start:stop])
    return out


def _random_pairs(
    canonical: np.ndarray, count: int, seed: int, sources: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray]:
    """Random record pairs for estimating u, drawn in a canonical record order (by content hash)
    so that the sample, and hence the model, does not depend on the order rows arrive in."""
    n = len(canonical)
    rng = np.random.default_rng(seed)
    count = min(count, max(0, n * (n - 1) // 2))
    left = canonical[rng.integers(0, n, size=count * 2)]
    right = canonical[rng.integers(0, n, size=count * 2)]
    keep = left != right
    if sources is not None:
        keep &= sources[left] != sources[right]
    left, right = left[keep][:count], right[keep][:count]
    return left.astype(np.int64), right.astype(np.int64)


def score_pairs(
    cols: Columns,
    left: np.ndarray,
    right: np.ndarray,
    levels: np.ndarray,
    model: FellegiSunterModel,
    config: ResolverConfig,
    frequencies: dict[str, tuple[np.ndarray, float]] | None = None,
) -> np.ndarray:
    """Match weight (log2 odds, prior included) per pair, with term-frequency adjustments.

    Agreeing exactly on value v of relative frequency p_v is worth log2(sum_w p_w^2 / p_v) more
    than agreeing on an average value (see `fellegi_sunter`); clipped to +-10. Frequencies are
    those of `cols` unless given (`term_frequencies` of the whole input, when `cols` holds only
    one partition's records).
    """
    weights = model.weights(levels) + model.prior_weight
    frequencies = frequencies if frequencies is not None else term_frequencies(cols, config)
    for k, comp in enumerate(config.comparisons):
        if not comp.term_frequency or comp.term_frequency not in frequencies:
            continue
        (codes,) = cols.codes(comp.term_frequency)
        p, sum_p2 = frequencies[comp.term_frequency]
        top = (levels[:, k] == comp.n_levels - 1) & (codes[left] >= 0) & (codes[left] == codes[right])
        adj = np.zeros(len(left))
        adj[top] = np.log2(sum_p2 / p[codes[left[top]]])
        weights += np.clip(adj, -10, 10)
    return weights


def term_frequencies(cols: Columns, config: ResolverConfig) -> dict[str, tuple[np.ndarray, float]]:
    """Per term-frequency column: the relative frequency of each value (by `cols` code) and the
    sum of their squares (columns with no value at all are left out)."""
    out: dict[str, tuple[np.ndarray, float]] = {}
    for comp in config.comparisons:
        if not comp.term_frequency or comp.term_frequency in out:
            continue
        (codes,) = cols.codes(comp.term_frequency)
        present = codes[codes >= 0]
        if len(present) == 0:
            continue
        p = np.bincount(present).astype(np.float64) / len(present)
        out[comp.term_frequency] = (p, float((p**2).sum()))
    return out


def recordlinkage_ecm_weights(levels: np.ndarray, comparisons: list[Comparison]) -> np.ndarray:
    """Match weights from recordlinkage's ECM classifier (unsupervised Fellegi-Sunter on binary
    vectors): a comparison "agrees" at its top two levels (its top level when it has two)."""
    import pandas as pd
    import recordlinkage

    if levels.shape[0] == 0:
        return np.zeros(0)
    binary = {
        comp.name: (levels[:, k] >= max(1, comp.n_levels - 2)).astype(np.int8) for k, comp in enumerate(comparisons)
    }
    index = pd.MultiIndex.from_arrays([np.arange(levels.shape[0]), np.arange(levels.shape[0])])
    features = pd.DataFrame(binary, index=index)
    classifier = recordlinkage.ECMClassifier(binarize=None)
    classifier.fit(features)
    prob = np.clip(np.asarray(classifier.prob(features), dtype=np.float64), 1e-12, 1 - 1e-12)
    return np.log2(prob / (1 - prob))


def _decide(
    levels: np.ndarray, weights: np.ndarray, cols: Columns, left: np.ndarray, right: np.ndarray, config: ResolverConfig
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pair decisions (True = match), the reason code of each, and the cannot-link pairs.

    Reason codes index `reasons(config)`.
    """
    names = [c.name for c in config.comparisons]
    prob = 1.0 / (1.0 + np.exp2(-weights))
    match = prob >= config.threshold
    reason = np.where(match, 1, 0).astype(np.int8)  # 0 below threshold, 1 above
    cannot = np.zeros(len(weights), dtype=bool)
    if config.identifier is not None:
        id_col, valid_col = config.identifier
        valid = cols.flags(valid_col)
        (ids,) = cols.codes(id_col)
        clash = valid[left] & valid[right] & (ids[left] != ids[right])
        reason[match & clash] = 2
        match &= ~clash
        cannot |= clash
        if config.link_same_identifier:
            same = valid[left] & valid[right] & (ids[left] == ids[right]) & ~match
            reason[same] = REASON_SAME_IDENTIFIER
            match |= same
    if config.issued is not None:
        group, key = cols.codes(*config.issued)
        clash = (group[left] >= 0) & (group[left] == group[right]) & (key[left] != key[right])
        reason[match & clash] = REASON_ISSUED
        match &= ~clash
        cannot |= clash
    if config.name is not None:
        evidence = np.zeros(len(weights), dtype=bool)
        for k, comp in enumerate(config.comparisons):
            if comp.name == config.name or not comp.evidence:
                continue
            level = config.agree_levels.get(comp.name, comp.n_levels - 1)
            evidence |= levels[:, k] >= level
        name_only = match & ~evidence
        reason[name_only] = 3
        match &= ~name_only
    for offset, rule in enumerate(config.keep_apart):
        hit = np.ones(len(weights), dtype=bool)
        for comp_name, op, level in rule.when:
            col = levels[:, names.index(comp_name)]
            hit &= (col != MISSING) & _OPS[op](col, level)
        for comp_name, level in rule.unless:
            hit &= levels[:, names.index(comp_name)] < level
        reason[match & hit] = len(FIXED_REASONS) + offset
        match &= ~hit
        cannot |= hit
    return match, reason, cannot


FIXED_REASONS = (
    "match probability below threshold",
    "match probability above threshold",
    "different checksum-valid identifiers",
    "only the name agrees",
    "not the best link of either record (one-to-one)",
    "kept apart in clustering: a chain of links would join records that must stay apart",
    "same checksum-valid identifier",
    "identical to another record with an identifier (resolved once)",
    "no ID number or birth date: linked only on a unique same-sounding name at a shared house or phone",
    "no ID number or birth date, and another person at the address or with the phone sounds the same",
    "no ID number or birth date, and the address or phone is shared by too many people (a building, a switchboard) for the name",
    "the source issues one record per person: two of its records with different keys (certificate numbers) are two people",
)
REASON_SPARSE = 8
REASON_AMBIGUOUS = 9
REASON_COMMON = 10
REASON_ONE_TO_ONE = 4
REASON_CLUSTER = 5
REASON_SAME_IDENTIFIER = 6
REASON_IDENTICAL = 7
REASON_ISSUED = 11


def reasons(config: ResolverConfig) -> list[str]:
    """Reason texts by code: the fixed ones, one per keep-apart rule, one per unique-evidence rule."""
    return [*FIXED_REASONS, *(rule.reason for rule in config.keep_apart), *(rule.reason for rule in config.unique_evidence)]


def link_rules(config: ResolverConfig) -> list[str | None]:
    """The `rule` that linked a matched pair, by reason code (None: the reason is not a link)."""
    out: list[str | None] = [None] * len(reasons(config))
    out[1] = "match_weight"
    out[REASON_SAME_IDENTIFIER] = "same_identifier"
    out[REASON_IDENTICAL] = "identical_content"
    first = len(FIXED_REASONS) + len(config.keep_apart)
    for k, rule in enumerate(config.unique_evidence):
        out[first + k] = rule.rule
    return out


def _one_to_one(left: np.ndarray, right: np.ndarray, weights: np.ndarray, match: np.ndarray, sources: np.ndarray) -> np.ndarray:
    """Keep a matched pair only if it is the best match of both records towards the other's source."""
    idx = np.flatnonzero(match)
    if len(idx) == 0:
        return match
    frame = pl.DataFrame(
        {"p": idx, "l": left[idx], "r": right[idx], "w": weights[idx], "sl": sources[left[idx]], "sr": sources[right[idx]]}
    )
    best_l = frame.sort("w", "p", descending=[True, False]).group_by("l", "sr", maintain_order=True).first()["p"]
    best_r = frame.sort("w", "p", descending=[True, False]).group_by("r", "sl", maintain_order=True).first()["p"]
    keep = np.intersect1d(best_l.to_numpy(), best_r.to_numpy())
    out = np.zeros_like(match)
    out[keep] = True
    return out


def _rule_masks(rule: BlockingRule, config: ResolverConfig) -> list[int]:
    """Indices of the comparisons a blocking rule forces to agree."""
    return [
        k
        for k, comp in enumerate(config.comparisons)
        if comp.name in rule.masks or {*comp.columns(), comp.term_frequency} & set(rule.columns)
    ]


def _total_pairs(frame: pl.DataFrame, config: ResolverConfig) -> float:
    """Number of record pairs in the population the prior refers to."""
    n = float(frame.height)
    if not config.link_only:
        return n * (n - 1) / 2
    sizes = frame.group_by("_src").len()["len"].to_numpy().astype(np.float64)
    return float((sizes.sum() ** 2 - (sizes**2).sum()) / 2)


def _collapse(frame: pl.DataFrame, config: ResolverConfig) -> np.ndarray:
    """The representative row of every row: identical records (same content in every compared
    column) that carry an identifier (`config.collapse_on`) are resolved once.

    Monthly payment rolls and similar sources repeat the same person dozens of times; comparing
    every copy with every other is quadratic work that cannot change the outcome. Records without
    the identifier are never collapsed: two bare 张伟 are not the same person for being alike.
    The representative is the group's first row in canonical (hash) order (`_collapse_hashes`).
    """
    if config.collapse_on is None or frame.height == 0:
        return np.arange(frame.height)
    content = frame.select(pl.struct(config.comparison_columns()).hash(seed=9)).to_series().to_numpy()
    eligible = frame[config.collapse_on].is_not_null().to_numpy()
    return _collapse_hashes(frame["_h"].to_numpy(), content, eligible)


def _collapse_hashes(h: np.ndarray, content: np.ndarray, eligible: np.ndarray) -> np.ndarray:
    """`_collapse` from the per-record hashes: `h` (key and content, the canonical order),
    `content` (the compared columns) and which records may be collapsed."""
    n = len(h)
    rep = np.arange(n)
    at = np.flatnonzero(eligible)
    if len(at) == 0:
        return rep
    order = at[np.lexsort((h[at], content[at]))]
    keys = content[order]
    starts = np.r_[True, keys[1:] != keys[:-1]]
    group_first = order[starts][np.cumsum(starts) - 1]
    rep[order] = group_first
    return rep


@dataclass
class Standardised:
    """Standardised records held once per distinct content (`standardise_distinct`).

    Departments deliver the same content many times (a payment roll lists a person every
    month) and a record's standard forms depend on its content alone, so they are kept once per
    distinct content (`contents`) and each record holds only its key, the row of its content
    (`_c`) and the few columns that depend on the record itself (persons: the row address and
    issued keys, which read `record_id`). A per-record frame of some columns for some records is
    gathered on demand (`gather`), a batch at a time: a frame of every standard form for every
    record (tens of string columns) was the largest thing the resolver held.

    Attributes:
        records: per record, `source`, `record_id`, `_c` and the record's own columns (every
            column, and no `_c`, when built from a per-record frame by `of`).
        contents: the standard forms of each distinct content (no `record_id`).
        order: the standardised frame's columns in order (the order `resolve` sees them in).
    """

    records: pl.DataFrame
    contents: pl.DataFrame
    order: list[str]

    @classmethod
    def of(cls, frame: pl.DataFrame) -> Standardised:
        """A per-record standardised frame as it is (every column is the record's own)."""
        return cls(frame, pl.DataFrame(), list(frame.columns))

    @property
    def height(self) -> int:
        return self.records.height

    def gather(self, rows: np.ndarray | None, columns: list[str]) -> pl.DataFrame:
        """The per-record frame of `columns` (in that order) for `rows` (None: every record)."""
        own = [c for c in columns if c in self.records.columns]
        picked = self.records.select(own)
        if rows is not None and own:  # (a frame of no columns has no rows to pick)
            picked = picked[rows]
        rest = [c for c in columns if c not in self.records.columns]
        if rest:
            at = self.records["_c"].to_numpy()
            got = self.contents.select(rest)[at if rows is None else at[rows]]
            picked = pl.concat([picked, got], how="horizontal") if own else got
        return picked.select(columns)

    def gather_releasing(self, rows: np.ndarray, columns: list[str]) -> pl.DataFrame:
        """`gather(rows, columns)` a column at a time, each column released from this object as
        soon as it is gathered (the keys `source` and `record_id` stay).

        The distinct records are most of the records again; gathered whole they sat beside every
        column they came from (at county the standardised contents and the distinct records were
        each about a third of the resolver's live data at its peak). Afterwards this object holds
        its keys and the columns not asked for: the gathered ones must not be read from it again.
        """
        out = []
        for column in columns:
            out.append(self.gather(rows, [column]).to_series())
            if column in self.records.columns:
                if column not in ("source", "record_id"):
                    self.records = self.records.drop(column)
            else:
                self.contents = self.contents.drop(column)
        return pl.DataFrame(out)

    def with_own(self, columns: pl.DataFrame) -> Standardised:
        """These per-record columns (row-aligned) added to the records' own, at the end."""
        return Standardised(self.records.with_columns(columns), self.contents, [*self.order, *columns.columns])


@dataclass
class Collapsed:
    """Records made ready for resolution (`collapse_records`): what `resolve_collapsed` needs,
    and nothing per record but the key.

    Attributes:
        keys: `source, record_id` of every record (input order).
        rep: per record, the row of its representative (itself when not collapsed).
        reps: the representatives' rows, ascending.
        distinct: the representatives' resolution columns, numbered by `_i`.
        collapse_s: seconds spent collapsing.
    """

    keys: pl.DataFrame
    rep: np.ndarray
    reps: np.ndarray
    distinct: pl.DataFrame
    collapse_s: float


def collapse_records(records: pl.DataFrame | Standardised, config: ResolverConfig) -> Collapsed:
    """Hash, collapse (`_collapse`) and reduce standardised records to their representatives.

    Split from `resolve` so that a caller holding the only reference to the standardised
    records can drop them before the pairs are formed (`persons`, `orgs`): from here on every
    record is needed only by its key. The per-record hashes are taken a partition's worth of
    records at a time from `Standardised.gather`, so no frame of every column for every record
    is built; their values are those of hashing the whole per-record frame.
    """
    clock = time.perf_counter()
    std = records if isinstance(records, Standardised) else Standardised.of(records)
    n = std.height
    # Nothing below depends on the order rows arrive in: pairs are sets, EM counts patterns,
    # and where an order is needed (random pairs, tie-breaks) it is the order of a hash of each
    # record's key and content.
    # Only the columns resolution reads (not the raw text beside the standard forms).
    keep = set(resolution_columns(config))
    columns = [c for c in std.order if c in keep]
    compared = config.comparison_columns()
    h = np.empty(n, dtype=np.uint64)
    content = np.empty(n, dtype=np.uint64)
    eligible = np.zeros(n, dtype=bool)
    step = max(1, config.partition_records or settings_partition_records())
    for start in range(0, n, step):
        rows = np.arange(start, min(n, start + step))
        part = std.gather(rows, list(dict.fromkeys(["source", "record_id", *compared, *([config.collapse_on] if config.collapse_on else [])])))
        h[rows] = part.select(pl.struct(["source", "record_id", *compared]).hash(seed=3)).to_series().to_numpy()
        if config.collapse_on is not None:
            content[rows] = part.select(pl.struct(compared).hash(seed=9)).to_series().to_numpy()
            eligible[rows] = part[config.collapse_on].is_not_null().to_numpy()
        del part  # (not held beside the distinct records gathered below)
    rep = _collapse_hashes(h, content, eligible)
    reps = np.flatnonzero(rep == np.arange(n))
    row_mates = None
    if any(rule.sparse_place for rule in config.unique_evidence):
        # (before the distinct records are gathered: this reads every record's columns)
        places = [rule.sparse_place for rule in config.unique_evidence if rule.sparse_place]
        mates = std.gather(None, list(dict.fromkeys(["source", "record_id", *config.sparse_columns, *places])))
        row_mates = _row_mates(mates, rep, reps, config)
        del mates
    keys = std.records.select("source", "record_id")
    # One chunk per column: selections from a frame whose columns are chunked differently
    # copy every time (a frame built by joins and concatenations often is).
    distinct = (
        std.gather_releasing(reps, columns)
        .with_columns(pl.Series("_h", h[reps], dtype=pl.UInt64))
        .rechunk()
        .with_columns(pl.int_range(len(reps), dtype=pl.UInt32).alias("_i"))
    )
    if row_mates is not None:
        distinct = distinct.with_columns(row_mates)
    return Collapsed(keys, rep, reps, distinct, time.perf_counter() - clock)


def resolve(records: pl.DataFrame, config: ResolverConfig, core_fn: Callable[..., Any] | None = None) -> Resolution:
    """Resolve standardised records (with `source`, `record_id` and the config's columns).

    Returns the crosswalk (input order kept), the audit table of compared pairs, run statistics
    and the fitted model. Identical records are collapsed first (see `_collapse`) and each copy
    appears in the audit table as a match with its representative.

    `core_fn` replaces `_resolve_core` (same arguments and result): the Spark resolver passes its
    distributed core, so collapsing, labelling and the audit of copies stay this code.
    """
    return resolve_collapsed(collapse_records(records, config), config, core_fn)


def resolve_collapsed(collapsed: Collapsed, config: ResolverConfig, core_fn: Callable[..., Any] | None = None) -> Resolution:
    """`resolve` from `collapse_records`' result (see there); the distinct records are released
    as soon as the core has them, so they are not held beside the audit table."""
    frame, rep, reps = collapsed.keys, collapsed.rep, collapsed.reps
    distinct, collapsed.distinct = collapsed.distinct, pl.DataFrame()
    n = frame.height
    core_labels, audit, stats, model, cols = (core_fn or _resolve_core)(distinct, config)
    del distinct
    stats["collapse_s"] = round(collapsed.collapse_s, 3)

    position = np.empty(n, dtype=np.int64)
    position[reps] = np.arange(len(reps))
    labels = core_labels[position[rep]]
    members = np.flatnonzero(rep != np.arange(n))
    if len(members):
        audit = pl.concat([audit, _copies_table(frame, members, rep, position, cols, model, config)])
    del cols, core_labels  # the distinct records' codes: not needed for the crosswalk
    xref = frame.select("source", "record_id").with_columns(canonical_labels(frame, labels, config.prefix))
    stats.update({"records": n, "distinct_records": len(reps), "entities": int(xref["entity_id"].n_unique())})
    return Resolution(xref=xref, pairs=audit, keys=pl.DataFrame(), stats=stats, model=model)


def _row_mates(frame: pl.DataFrame, rep: np.ndarray, reps: np.ndarray, config: ResolverConfig) -> pl.Series:
    """`_mates`: for each distinct record placed by a `sparse_place` (a bare name placed at the
    house of the row it is named in), the distinct-record numbers of the row's other records
    that carry an identifier or birth date (null for every other record).

    Taken before collapsing: the row's deceased may be identical to their register entry and
    collapsed onto it, and must still be known as the row's own party (`_without_row_parties`).
    Rows are `record_id` = `<row id>#<role>`; only rows holding such a bare name are looked at."""
    n = len(reps)
    position = np.empty(len(rep), dtype=np.int64)
    position[reps] = np.arange(n)
    places = [rule.sparse_place for rule in config.unique_evidence if rule.sparse_place]
    sparse = _sparse(frame, config)
    placed = sparse & frame.select(pl.any_horizontal([pl.col(c).is_not_null() for c in places])).to_series().to_numpy()
    out = pl.Series("_mates", [None] * n, dtype=pl.List(pl.Int64))  # null: not such a record
    at = np.flatnonzero(placed)
    if len(at) == 0:
        return out
    row = pl.col("record_id").str.replace(r"#[^#]*$", "")
    wanted = frame[at].select("source", row.alias("_row"), _d=pl.Series(position[at]))
    mates = (
        frame.select("source", "record_id", _m=pl.Series(position[rep]), _s=pl.Series(sparse))
        .filter(pl.col("source").is_in(wanted["source"].unique().implode()) & ~pl.col("_s"))
        .select("source", row.alias("_row"), "_m")
        .join(wanted.select("source", "_row").unique(), on=["source", "_row"], how="semi")
        .group_by("source", "_row")
        .agg(pl.col("_m").unique())
    )
    found = wanted.join(mates, on=["source", "_row"]).unique("_d").select("_d", "_m")
    if found.height == 0:
        return out
    return (
        pl.DataFrame({"_d": np.arange(n, dtype=np.int64)})
        .join(found, on="_d", how="left", maintain_order="left")["_m"]
        .rename("_mates")
    )


def _copies_table(
    frame: pl.DataFrame,
    members: np.ndarray,
    rep: np.ndarray,
    position: np.ndarray,
    cols: Columns,
    model: FellegiSunterModel,
    config: ResolverConfig,
) -> pl.DataFrame:
    """Audit rows for collapsed copies: each copy against its representative (identical)."""
    at = position[rep[members]]
    levels = compare_pairs(cols, at, at, config)
    weights = score_pairs(cols, at, at, levels, model, config)
    pairs = pl.DataFrame({"l": rep[members].astype(np.uint32), "r": members.astype(np.uint32), "rule": np.zeros(len(members), dtype=np.uint8)})
    table = _pair_table(frame, pairs, levels, weights, np.ones(len(members), dtype=bool), np.full(len(members), REASON_IDENTICAL, dtype=np.int8), config)
    return table.with_columns(pl.lit(IDENTICAL_BLOCK, dtype=audit_types(config)["blocked_by"]).alias("blocked_by"))


def _resolve_core(
    frame: pl.DataFrame, config: ResolverConfig
) -> tuple[np.ndarray, pl.DataFrame, dict[str, float], FellegiSunterModel, Columns]:
    """Block, compare, score, decide and cluster distinct records (`_i` numbers them)."""
    timings: dict[str, float] = {}
    clock = time.perf_counter()
    n = frame.height
    frame = frame.with_columns(pl.Series("_src", Columns(frame).codes("source")[0].astype(np.uint32)))
    canonical = np.argsort(frame["_h"].to_numpy(), kind="stable")
    sources = frame["_src"].to_numpy()
    partitions = partition_count(n, config)
    pairs, stats = candidate_pairs(frame, config.blocking, link_only=config.link_only, partitions=partitions)
    stats["partitions"] = partitions
    timings["blocking_s"] = time.perf_counter() - clock
    left = pairs["l"].to_numpy().astype(np.int64)
    right = pairs["r"].to_numpy().astype(np.int64)

    clock = time.perf_counter()
    cols = Columns(frame.select(config.comparison_columns()))
    levels = compare_pairs(cols, left, right, config)
    timings["compare_s"] = time.perf_counter() - clock

    clock = time.perf_counter()
    comps = list(config.comparisons)
    rl, rr = _random_pairs(canonical, config.random_pairs, config.seed, sources if config.link_only else None)
    u_random = u_from_random_pairs(compare_pairs(cols, rl, rr, config), comps) if len(rl) else None
    if config.training == "sessions" and u_random is not None:
        masks = [_rule_masks(rule, config) for rule in config.blocking]
        model = fit_sessions(levels, pairs["rules"].to_numpy(), masks, comps, u_random, _total_pairs(frame, config))
    else:
        model = fit_em(levels, comps, u_init=u_random, fix_u=config.fix_u and u_random is not None)
    model.labels = [c.labels for c in comps]
    if config.training == "recordlinkage-ecm":
        weights = recordlinkage_ecm_weights(levels, comps)
        match, reason, cannot = _decide(levels, weights, cols, left, right, config)
    else:
        weights, match, reason, cannot = score_and_decide(cols, left, right, levels, model, config, partitions)
    if config.one_to_one:
        kept = _one_to_one(left, right, weights, match, sources)
        reason[match & ~kept] = REASON_ONE_TO_ONE
        match = kept
    timings["score_s"] = time.perf_counter() - clock

    clock = time.perf_counter()
    exclusive = exclusive_codes(cols, config)
    rank = np.empty(n, dtype=np.int64)
    rank[canonical] = np.arange(n)
    if config.unique_evidence:
        # Records without identifier and birth date join the others only through the
        # unique-evidence rules, judged against the entities the other records resolve to.
        sparse = _sparse(frame, config)
        touches = sparse[left] | sparse[right]
        match &= ~touches
    labels, refused = constrained_components(n, left, right, weights, match, cannot, exclusive, rank)
    reason[refused] = REASON_CLUSTER
    if config.unique_evidence:
        labels = link_sparse(frame, cols, left, right, labels, match, reason, sparse, touches, config, exclusive)
    timings["cluster_s"] = time.perf_counter() - clock

    audit = _pair_table(frame, pairs, levels, weights, match & ~refused, reason, config)
    stats["matches"] = int((match & ~refused).sum())
    stats.update({k: round(v, 3) for k, v in timings.items()})
    return labels, audit, stats, model, cols


DEFAULT_PARTITION_RECORDS = 500_000


def exclusive_codes(cols: Columns, config: ResolverConfig) -> np.ndarray | None:
    """Per record, the codes of which a cluster may hold at most one distinct value (-1: none),
    one column each: the checksum-valid identifier, and per issuing group (`config.issued`,
    a source and role issuing one record per person) the record's key. A group gets a column
    of its own because one person may well hold one record of each group (a birth and a death
    certificate), never two of one."""
    columns = []
    if config.identifier is not None:
        id_col, valid_col = config.identifier
        columns.append(np.where(cols.flags(valid_col), cols.codes(id_col)[0], -1))
    if config.issued is not None:
        group, key = cols.codes(*config.issued)
        for g in np.unique(group[group >= 0]):
            columns.append(np.where(group == g, key, -1))
    if not columns:
        return None
    return np.column_stack(columns).astype(np.int64)


def partition_count(records: int, config: ResolverConfig) -> int:
    """How many blocking partitions `records` distinct records are split into: one per
    `partition_records` (the config's, else the settings' `[resolve] partition_records`)."""
    size = config.partition_records or settings_partition_records()
    return max(1, -(-records // max(1, size)))


def standardise_in_batches(
    standardise: Callable[[pl.DataFrame, Any], pl.DataFrame],
    records: pl.DataFrame,
    as_of: Any,
    config: ResolverConfig,
) -> pl.DataFrame:
    """`standardise(records, as_of)`, each distinct record content once, a partition's worth
    (`partition_records`) of distinct contents at a time.

    Standardising works record by record (a record's standard form depends on its own values
    alone), so neither batches nor repeats change the result; but its temporaries (pinyin
    tables, regex results, raw and standard text side by side) are several times the size of
    its input, and at county scale they, not the pairs, set the resolver's peak memory.
    Departments repeat records (a payment roll lists a person every month), so standardising
    each distinct content (all columns but `record_id`) once also saves time.
    """
    size = config.partition_records or settings_partition_records()
    content = [c for c in records.columns if c != "record_id"]
    if records.height == 0 or "record_id" not in records.columns or not content:
        return standardise(records, as_of)
    keyed = records.select("record_id", pl.struct(content).hash(seed=13).alias("_content"))
    distinct = records.with_columns(keyed["_content"]).unique("_content", keep="first", maintain_order=True)
    if distinct.height == records.height and records.height <= size:
        return standardise(records, as_of)
    parts = []
    for start in range(0, distinct.height, size):
        batch = distinct.slice(start, size)
        parts.append(standardise(batch.drop("_content"), as_of).with_columns(batch["_content"]))
    std = pl.concat(parts, rechunk=False)  # the join below writes the one contiguous copy
    del parts, distinct
    order = std.columns
    out = keyed.join(std.drop("record_id", strict=False), on="_content", how="left", maintain_order="left")
    # one contiguous frame, so that `resolve` selects its columns without copying them
    return out.select([c for c in order if c != "_content"]).rechunk()


@dataclass
class DistinctContents:
    """Records given as their distinct contents, the form `standardise_distinct` works on.

    A record's standard forms depend on its content (every column but `record_id`) alone, and
    departments deliver the same content many times; so each distinct content is standardised
    once and each record needs only its key and the number of its content
    (`distinct_contents`).

    Attributes:
        keys: per record in input order, `source`, `record_id` and `_c` (UInt32, the number of
            its content: contents are numbered from 0 in the order `batches` yields them).
        batches: `batches(size)` yields the distinct contents in `_c` order, `size` at a time
            (at least one frame, empty when there are none), with every input column;
            `record_id` is that of the content's first record.
    """

    keys: pl.DataFrame
    batches: Callable[[int], Iterator[pl.DataFrame]]


def distinct_contents(read: Callable[[], Iterator[pl.DataFrame]]) -> DistinctContents:
    """The distinct contents of the records `read()` yields a batch at a time (the same records
    in the same order on every call; at least one frame, with `record_id` and the content
    columns).

    Two readings, so no more than a batch of raw records is ever held: the first keeps each
    record's key and a 64-bit hash of its content (every column but `record_id`); the second
    picks each content's first record as it passes. Contents are numbered in the order of their
    first record, the order the second reading meets them in. At city the raw person records,
    read whole, were 7 GB of the process (31 million records), held until standardised."""
    keys: list[pl.DataFrame] = []
    hashes: list[np.ndarray] = []
    columns: list[str] = []
    for batch in read():
        columns = batch.columns
        content = [c for c in columns if c != "record_id"]
        keys.append(batch.select("source", "record_id"))
        hashes.append(batch.select(pl.struct(content).hash(seed=13)).to_series().to_numpy())
    _, inverse, first = unique_inverse(np.concatenate(hashes))
    by_position = np.argsort(first, kind="stable")
    number = np.empty(len(first), dtype=np.int64)
    number[by_position] = np.arange(len(first))
    firsts = first[by_position]  # each content's first record, ascending
    own = pl.concat(keys).with_columns(pl.Series("_c", number[inverse], dtype=pl.UInt32))
    del keys, hashes, inverse, number

    def batches(size: int) -> Iterator[pl.DataFrame]:
        held: list[pl.DataFrame] = []
        count = yielded = offset = 0
        for batch in read():
            lo, hi = np.searchsorted(firsts, [offset, offset + batch.height])
            if hi > lo:
                held.append(batch[firsts[lo:hi] - offset])
                count += hi - lo
            offset += batch.height
            while count >= size:
                frame = pl.concat(held)
                yield frame.head(size)
                yielded += 1
                held, count = [frame.slice(size)], frame.height - size
        if count or not yielded:
            yield pl.concat(held) if held else pl.DataFrame(schema=dict.fromkeys(columns, pl.String))

    return DistinctContents(own, batches)


def standardise_distinct(
    standardise: Callable[[pl.DataFrame, Any], pl.DataFrame],
    records: pl.DataFrame | DistinctContents,
    as_of: Any,
    config: ResolverConfig,
    keep: list[str] | tuple[str, ...] | None = None,
) -> Standardised:
    """`standardise_in_batches` without joining the standard forms back onto every record:
    each distinct content (all columns but `record_id`) is standardised once, a partition's
    worth at a time, and kept once (`Standardised`); each record keeps its key and the row of
    its content. `keep` (if given) names the standard forms wanted: the raw text and any form
    the caller does not read are dropped from each batch, so they never outlive standardising.

    `records` is a frame, or its distinct contents (`DistinctContents`), whose batches are read
    one at a time: only one batch of raw text is held at once."""
    wanted = None if keep is None else {*keep, "source", "record_id"}

    def kept(std: pl.DataFrame) -> pl.DataFrame:
        return std if wanted is None else std.select([c for c in std.columns if c in wanted])

    size = max(1, config.partition_records or settings_partition_records())
    if isinstance(records, pl.DataFrame):
        if "record_id" not in records.columns or records.width < 2:  # (no content to share)
            return Standardised.of(kept(standardise(records, as_of)))
        frame = records
        records = distinct_contents(lambda: (frame.slice(at, size) for at in range(0, max(1, frame.height), size)))
    parts = [kept(standardise(batch, as_of)) for batch in records.batches(size)]
    order = parts[0].columns
    contents = pl.concat(parts).drop("record_id", strict=False)
    return Standardised(records.keys, contents, order)


def record_keys(keys: pl.DataFrame, fingerprint: pl.Series, identifier: pl.Series) -> pl.DataFrame:
    """The parts of the id map's persistent keys of each record (`persons.person_keys`,
    `orgs.org_keys`): `source, record_id`, `fingerprint` (UInt64, the content's) and
    `identifier` (String, the checksum-valid identifier, null for none). `idmap.assign_ids`
    makes the keys of them, `r:<source>|<record_id>`, `f:<fingerprint>` and `i:<identifier>`
    (null parts left out; `key_lists` writes them out).

    Built from `keys` (`source, record_id`, row-aligned) and two per-record columns taken while
    the standard forms were at hand (`person_key_parts`): the standard forms need not be kept
    through the whole resolution for the keys that are made at its end. The key strings are made
    in DuckDB: as lists of strings they were about 5 GB at city (31 million records)."""
    return keys.select("source", "record_id").with_columns(
        fingerprint.cast(pl.UInt64).alias("fingerprint"), identifier.cast(pl.String).alias("identifier")
    )


def key_lists(parts: pl.DataFrame) -> pl.DataFrame:
    """`source, record_id, keys`: each record's keys (List[String]) from `record_keys`' parts,
    as `idmap.assign_ids` makes them."""
    return parts.select(
        "source",
        "record_id",
        pl.concat_list(
            pl.concat_str([pl.lit("r:"), pl.col("source"), pl.lit("|"), pl.col("record_id")]),
            pl.concat_str([pl.lit("f:"), pl.col("fingerprint").cast(pl.String)]),
            pl.concat_str([pl.lit("i:"), pl.col("identifier")]),
        )
        .list.drop_nulls()
        .alias("keys"),
    )


def resolution_columns(config: ResolverConfig) -> list[str]:
    """The columns `resolve` reads: the record key, every compared and blocking column."""
    cols = ["source", "record_id", *config.comparison_columns()]
    for rule in config.blocking:
        cols.extend(rule.columns)
    if config.collapse_on:
        cols.append(config.collapse_on)
    return list(dict.fromkeys(cols))


def settings_partition_records() -> int:
    """`[resolve] partition_records` from the settings (the engine's default when the settings
    cannot be read, e.g. a library caller without a project)."""
    try:
        from pipelines.settings import get_settings

        return int(get_settings().resolve.partition_records)
    except Exception:  # noqa: BLE001 - settings are optional for the engine as a library
        return DEFAULT_PARTITION_RECORDS


def score_and_decide(
    cols: Columns,
    left: np.ndarray,
    right: np.ndarray,
    levels: np.ndarray,
    model: FellegiSunterModel,
    config: ResolverConfig,
    partitions: int = 1,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Weights and decisions (`score_pairs`, `_decide`) in slices of about one partition's
    pairs, so their temporaries (a dozen arrays per pair) stay bounded. Every pair's result
    depends on that pair alone, so slicing changes nothing."""
    total = len(left)
    weights = np.empty(total, dtype=np.float64)
    match = np.empty(total, dtype=bool)
    reason = np.empty(total, dtype=np.int8)
    cannot = np.empty(total, dtype=bool)
    step = max(1, -(-total // max(1, partitions)))
    frequencies = term_frequencies(cols, config)
    for start in range(0, total, step):
        stop = min(start + step, total)
        part = slice(start, stop)
        w = score_pairs(cols, left[part], right[part], levels[part], model, config, frequencies)
        weights[part] = w
        match[part], reason[part], cannot[part] = _decide(levels[part], w, cols, left[part], right[part], config)
    return weights, match, reason, cannot


def link_sparse(
    frame: pl.DataFrame,
    cols: Columns,
    left: np.ndarray,
    right: np.ndarray,
    labels: np.ndarray,
    match: np.ndarray,
    reason: np.ndarray,
    sparse: np.ndarray,
    touches: np.ndarray,
    config: ResolverConfig,
    exclusive: np.ndarray | None = None,
) -> np.ndarray:
    """After the others are clustered, link the sparse records by the unique-evidence rules:
    updates `match` and `reason` of the pairs touching them in place, returns the labels.

    The clustering's exclusive identifiers (`exclusive_codes`) hold here too: a linked group
    that would hold two of one (two certificates of a source issuing one per person) keeps its
    sparse records apart."""
    linked, why = unique_evidence_links(frame, cols, left, right, labels, sparse, config)
    if exclusive is not None and (linked >= 0).any():
        on = linked >= 0
        trial = _attach(labels, left[on], right[on], sparse)
        exclusive = exclusive.reshape(len(exclusive), -1)
        broken = np.zeros(int(trial.max()) + 1, dtype=bool)
        for j in range(exclusive.shape[1]):
            has = exclusive[:, j] >= 0
            multi = (
                pl.DataFrame({"label": trial[has], "vid": exclusive[has, j]})
                .group_by("label").agg(pl.col("vid").n_unique().alias("k")).filter(pl.col("k") > 1)["label"].to_numpy()
            )
            broken[multi] = True
        drop = on & (broken[trial[left]] | broken[trial[right]])
        linked[drop] = -1
        why[drop] = REASON_ISSUED
    touched_reason = np.where(linked >= 0, len(FIXED_REASONS) + len(config.keep_apart) + linked, why)
    update = touches & ((linked >= 0) | (why != REASON_SPARSE) | (reason == 1))
    reason[update] = touched_reason[update]
    match |= linked >= 0
    return _attach(labels, left[linked >= 0], right[linked >= 0], sparse)


def _sparse(frame: pl.DataFrame, config: ResolverConfig) -> np.ndarray:
    """Which records carry none of `config.sparse_columns` (persons: no ID number, no birth date)."""
    if not config.sparse_columns or frame.height == 0:
        return np.zeros(frame.height, dtype=bool)
    missing = pl.all_horizontal([pl.col(c).is_null() for c in config.sparse_columns])
    return frame.select(missing).to_series().to_numpy().astype(bool)


def _attach(labels: np.ndarray, left: np.ndarray, right: np.ndarray, sparse: np.ndarray) -> np.ndarray:
    """Labels after the unique-evidence links. Until now every sparse record is an entity of its
    own, and each linked group holds at most one other entity (see `unique_evidence_links`):
    the group takes that entity's label, or its smallest label when it holds sparse records
    only. Only the linked records are touched."""
    if len(left) == 0:
        return labels
    nodes, local = np.unique(np.r_[left, right], return_inverse=True)
    comp = components(len(nodes), local[: len(left)], local[len(left) :])
    offset = int(labels.max()) + 1
    rank = np.where(sparse[nodes], labels[nodes] + offset, labels[nodes])  # identified first
    best = np.full(int(comp.max()) + 1, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(best, comp, rank)
    chosen = best[comp]
    out = labels.copy()
    out[nodes] = np.where(chosen >= offset, chosen - offset, chosen)
    return out


def _place_codes(cols: Columns, rule: UniqueEvidence, sparse: np.ndarray) -> np.ndarray:
    """Each record's place under a unique-evidence rule, as codes of `rule.place`: with a
    `sparse_place`, sparse records are placed by that column instead (its values looked up
    among the place's values; a value no other record has places nobody)."""
    (codes,) = cols.codes(rule.place)
    if rule.sparse_place is None:
        return codes
    out = codes.copy()
    out[sparse] = MISSING
    at = np.flatnonzero(sparse)
    theirs = cols.frame[rule.sparse_place].gather(at)
    wanted = pl.DataFrame({"at": at, "v": theirs}).drop_nulls("v")
    if wanted.height == 0:
        return out
    values = cols.values(rule.place)
    lookup = pl.DataFrame({"v": values, "code": np.arange(len(values), dtype=np.int64)})
    found = wanted.join(lookup, on="v")
    out[found["at"].to_numpy()] = found["code"].to_numpy()
    return out


def unique_evidence_links(
    frame: pl.DataFrame,
    cols: Columns,
    left: np.ndarray,
    right: np.ndarray,
    labels: np.ndarray,
    sparse: np.ndarray,
    config: ResolverConfig,
) -> tuple[np.ndarray, np.ndarray]:
    """Decide the pairs that involve a sparse record by the unique-evidence rules.

    `labels` are the entities of the other records, resolved without the sparse ones. Returns,
    per pair, the index of the rule that links it (-1: not linked) and, for the others, the
    reason code (ambiguous, place too common, or simply not enough evidence).

    Everything is group-bys over (record, place, sound key) rows: the distinct people
    (entities) per place and per (place, sound), the share of the county's people per sound.
    """
    n = frame.height
    pairs = len(left)
    linked = np.full(pairs, -1, dtype=np.int64)
    why = np.full(pairs, REASON_SPARSE, dtype=np.int64)
    touches = np.flatnonzero(sparse[left] | sparse[right])
    if len(touches) == 0 or not config.sound_columns:
        return linked, why
    # Only places where a sparse record sits, and only sounds a sparse record has, matter: the
    # rest of the county is left out before any group-by.
    slots = cols.codes(*config.sound_columns)
    places = [_place_codes(cols, rule, sparse) for rule in config.unique_evidence]
    opens = [
        None if rule.open_column is None else cols.frame[rule.open_column].fill_null(False).to_numpy().astype(bool)
        for rule in config.unique_evidence
    ]
    # (at least one entry: a column with no value at all, every phone missing say, has codes of
    # -1 only, and is looked up at 0 below)
    sparse_key = np.zeros(max((int(c.max(initial=-1)) for c in slots), default=-1) + 2, dtype=bool)
    for c in slots:
        sparse_key[c[sparse & (c >= 0)]] = True
    at_sparse_place = []
    for place in places:
        flag = np.zeros(int(place.max(initial=-1)) + 2, dtype=bool)
        flag[place[sparse & (place >= 0)]] = True
        at_sparse_place.append((place >= 0) & flag[np.maximum(place, 0)])
    # (record, sound key) rows of the keys a sparse record has, each pair once (two readings of
    # a name can share a near-sound key)
    key_parts, row_parts = [], []
    for j, c in enumerate(slots):
        wanted = (c >= 0) & sparse_key[np.maximum(c, 0)]
        for earlier in slots[:j]:
            wanted &= c != earlier
        row_parts.append(np.flatnonzero(wanted))
        key_parts.append(c[row_parts[-1]])
    key_rows = np.concatenate(row_parts)
    key_codes = np.concatenate(key_parts)
    keys = pl.DataFrame({"i": key_rows, "key": key_codes, "label": labels[key_rows].astype(np.int64), "ident": ~sparse[key_rows]})
    seen = np.zeros(int(labels.max(initial=-1)) + 1, dtype=bool)
    seen[labels[~sparse]] = True
    people = max(1, int(seen.sum()))
    share = keys.filter("ident").group_by("key").agg((pl.col("label").n_unique() / people).alias("share"))
    rows = []
    for k, rule in enumerate(config.unique_evidence):
        place, here = places[k], at_sparse_place[k]
        at = here[key_rows]
        members = keys.filter(pl.Series(at)).with_columns(place=pl.Series(place[key_rows[at]]))
        if rule.open_column is not None:
            members = members.with_columns(open=pl.Series(opens[k][key_rows[at]]))
        ident_label = pl.col("label").filter(pl.col("ident"))
        groups = members.group_by("place", "key").agg(
            ident_label.n_unique().alias("n_id"), ident_label.min().alias("id_label"), (~pl.col("ident")).any().alias("has_sparse"),
            *([(pl.col("open") & pl.col("ident")).any().alias("open_id")] if rule.open_column is not None else []),
        )
        # people at the place: its identified people, plus the sounds of sparse records no
        # identified person there shares (each such sound is someone the registers do not know)
        at_place = pl.concat(
            [
                pl.DataFrame({"place": place[here & ~sparse], "label": labels[here & ~sparse].astype(np.int64)})
                .group_by("place")
                .agg(pl.col("label").n_unique().cast(pl.UInt32).alias("n")),
                groups.filter(pl.col("n_id") == 0).group_by("place").agg(pl.len().alias("n")),
            ]
        ).group_by("place").agg(pl.col("n").sum().alias("people"))
        groups = (
            groups.filter("has_sparse")
            .join(at_place, on="place", how="left")
            .join(share, on="key", how="left")
            .with_columns(
                pl.col("share").fill_null(1.0 / people),
                ok=(pl.col("n_id") <= 1)
                & (pl.col("people") <= rule.max_people)
                & (pl.col("people") * pl.col("share").fill_null(1.0 / people) <= rule.max_expected),
            )
        )
        ruled = members.join(groups.select("place", "key", "n_id", "id_label", "ok", "people", "share"), on=["place", "key"])
        if rule.open_column is not None:
            # a sparse record at a numbered house is judged here only where an identified
            # record of that sound has no house number (else its house says more than the area)
            open_id = groups.filter("open_id").select("place", "key")
            ruled = pl.concat(
                [
                    ruled.filter(pl.col("ident") | pl.col("open")),
                    ruled.filter(~pl.col("ident") & ~pl.col("open")).join(open_id, on=["place", "key"], how="semi"),
                ]
            ).drop("open")
        if rule.sparse_place is not None:
            ruled = _without_row_parties(frame, ruled, labels, sparse, rule)
        rows.append(ruled.drop("people", "share").with_columns(rule=pl.lit(k)))
    rows_all = pl.concat(rows)
    # per sparse record and rule: ambiguous (a second same-sounding person at its place), else
    # the identified people its specific, unique evidence points to; a rule that is ambiguous
    # for a record says nothing (another rule may still decide), two rules pointing at different
    # people make the record ambiguous
    useful = pl.col("ok") & (pl.col("n_id") == 1)
    sparse_rows = rows_all.filter(~pl.col("ident"))
    rule_ambiguous = sparse_rows.filter(pl.col("n_id") >= 2).select("i", "rule").unique()
    targets = (
        sparse_rows.filter(useful)
        .join(rule_ambiguous, on=["i", "rule"], how="anti")
        .group_by("i")
        .agg(pl.col("id_label").n_unique().alias("k"), pl.col("id_label").min().alias("t"))
    )
    per_record = (
        sparse_rows.select("i")
        .unique()
        .join(targets, on="i", how="left")
        .join(rule_ambiguous.select("i").unique().with_columns(some=pl.lit(True)), on="i", how="left")
        .with_columns(
            ambiguous=(pl.col("k").fill_null(0) >= 2) | (pl.col("some").fill_null(False) & pl.col("k").is_null()),
            target=pl.when(pl.col("k") == 1).then(pl.col("t")),
        )
    )
    ambiguous = np.zeros(n, dtype=bool)
    target = np.full(n, -1, dtype=np.int64)
    idx = per_record["i"].to_numpy()
    ambiguous[idx] = per_record["ambiguous"].to_numpy()
    target[idx] = per_record["target"].fill_null(-1).to_numpy()

    # pairs sharing a (place, sound) under some rule
    open_columns, pair_open = _pair_open(opens, left[touches], right[touches])
    tp = pl.DataFrame({"p": touches.astype(np.int64), "l": left[touches].astype(np.int64), "r": right[touches].astype(np.int64), **open_columns})
    side = rows_all.select("i", "rule", "place", "key", "ok")
    shared = (
        tp.join(side.rename({"i": "l"}), on="l")
        # both records' view of the evidence must hold (a bare name's view leaves out its row's
        # other parties, see `_without_row_parties`)
        .join(side.rename({"i": "r", "ok": "ok_r"}), on=["r", "rule", "place", "key"])
        .with_columns(pl.col("ok") & pl.col("ok_r") & pair_open)
        # a rule ambiguous for either record does not link them
        .join(rule_ambiguous.rename({"i": "l"}), on=["l", "rule"], how="anti")
        .join(rule_ambiguous.rename({"i": "r"}), on=["r", "rule"], how="anti")
        .group_by("p")
        .agg(pl.col("rule").filter("ok").min().alias("rule"), pl.col("ok").any().alias("any_ok"))
    )
    p = shared["p"].to_numpy()
    rule_of = shared["rule"].fill_null(-1).to_numpy()
    lp, rp = left[p], right[p]
    amb = ambiguous[lp] | ambiguous[rp]
    tl = np.where(sparse[lp], target[lp], labels[lp])
    tr = np.where(sparse[rp], target[rp], labels[rp])
    agree = (tl == tr) | (sparse[lp] & sparse[rp] & ((tl < 0) | (tr < 0)))
    ok = (rule_of >= 0) & ~amb & agree
    # a chain of sparse records must not join two people: drop the links of any group of sparse
    # records whose members point at different people
    if ok.any():
        nodes, local = np.unique(np.r_[lp[ok], rp[ok]], return_inverse=True)
        comp = components(len(nodes), local[: ok.sum()], local[ok.sum() :])
        pointed = pl.DataFrame({"c": comp, "t": np.where(sparse[nodes], target[nodes], labels[nodes])}).filter(pl.col("t") >= 0)
        clash = pointed.group_by("c").agg(pl.col("t").n_unique().alias("k")).filter(pl.col("k") > 1)["c"].to_numpy()
        if len(clash):
            bad = np.zeros(len(ok), dtype=bool)
            bad[np.flatnonzero(ok)] = np.isin(comp[local[: ok.sum()]], clash)
            amb |= bad
            ok &= ~bad
    linked[p[ok]] = rule_of[ok]
    why[touches[ambiguous[left[touches]] | ambiguous[right[touches]]]] = REASON_AMBIGUOUS
    why[p[amb & ~ok]] = REASON_AMBIGUOUS
    why[p[~amb & ~ok & (rule_of < 0) & shared["any_ok"].not_().to_numpy()]] = REASON_COMMON
    return linked, why


def _pair_open(opens: list[np.ndarray | None], left: np.ndarray, right: np.ndarray) -> tuple[dict[str, np.ndarray], pl.Expr]:
    """Columns for the pairs (`left`, `right`) and an expression over them and `rule`: the pair
    meets its rule's `open_column` condition (one of the two records has it true); true for
    rules without one."""
    columns: dict[str, np.ndarray] = {}
    out = pl.lit(True)
    for k, flag in enumerate(opens):
        if flag is not None:
            columns[f"_open{k}"] = flag[left] | flag[right]
            out = pl.when(pl.col("rule") == k).then(pl.col(f"_open{k}")).otherwise(out)
    return columns, out


def _without_row_parties(
    frame: pl.DataFrame, ruled: pl.DataFrame, labels: np.ndarray, sparse: np.ndarray, rule: UniqueEvidence
) -> pl.DataFrame:
    """A bare name's evidence at the house of the row it is named in, leaving out the people
    that row itself names: a death record's family contact is never the deceased, so when the
    house holds two people of the contact's name (a father and son both 陈祥) and one is the
    row's deceased, the other is the only candidate. Rows are `record_id` = `<row id>#<role>`.

    `ruled` holds a rule's (record, place, sound) rows with the place-wide counts; the sparse
    records' rows get their own count and target of identified people there (`n_id`,
    `id_label`) and `ok`; the identified records' rows keep the place-wide conditions but the
    count (a bare name's own view decides uniqueness for it)."""
    specific = (pl.col("people") <= rule.max_people) & (pl.col("people") * pl.col("share") <= rule.max_expected)
    bare = ruled.filter(~pl.col("ident"))
    if bare.height == 0:
        return ruled.with_columns(ok=specific)
    # the identified people at each (place, sound) a bare name looks at
    present = (
        ruled.filter("ident")
        .join(bare.select("place", "key").unique(), on=["place", "key"], how="semi")
        .select("place", "key", pl.col("label").alias("cand"))
        .unique()
    )
    # the people the row itself names (its other identified parties, `_row_mates`)
    at = bare["i"].unique().to_numpy()
    if "_mates" in frame.columns:
        rows = pl.DataFrame({"i": at.astype(np.int64), "m": frame["_mates"].gather(at)}).explode("m").drop_nulls("m")
        mates = rows.select("i", cand=pl.Series(labels.astype(np.int64)[rows["m"].to_numpy().astype(np.int64)], dtype=pl.Int64))
    else:
        mates = pl.DataFrame(schema={"i": pl.Int64, "cand": pl.Int64})
    own = (
        bare.select("i", "place", "key")
        .unique()
        .join(present, on=["place", "key"], how="left")
        .join(mates, on=["i", "cand"], how="anti")
        .group_by("i", "place", "key")
        .agg(pl.col("cand").drop_nulls().n_unique().alias("n_own"), pl.col("cand").min().alias("label_own"))
    )
    out = ruled.join(own, on=["i", "place", "key"], how="left")
    return out.with_columns(
        n_id=pl.when(pl.col("ident")).then(pl.col("n_id")).otherwise(pl.col("n_own").cast(ruled.schema["n_id"])),
        id_label=pl.when(pl.col("ident")).then(pl.col("id_label")).otherwise(pl.col("label_own")),
        ok=pl.when(pl.col("ident")).then(specific).otherwise(specific & (pl.col("n_own") <= 1)),
    ).drop("n_own", "label_own")


def _pair_table(
    frame: pl.DataFrame,
    pairs: pl.DataFrame,
    levels: np.ndarray,
    weights: np.ndarray,
    match: np.ndarray,
    reason: np.ndarray,
    config: ResolverConfig,
) -> pl.DataFrame:
    """The audit table of compared pairs: who, blocked by which rule, levels, score, decision."""
    left = pairs["l"]
    right = pairs["r"]
    src = frame["source"]
    rid = frame["record_id"]
    types = audit_types(config)
    rule_names = pl.Series([r.name for r in config.blocking], dtype=types["blocked_by"])
    reason_names = pl.Series(reasons(config), dtype=types["reason"])
    cols = {
        "left_source": src.gather(left),
        "left_record_id": rid.gather(left),
        "right_source": src.gather(right),
        "right_record_id": rid.gather(right),
        "blocked_by": rule_names.gather(pairs["rule"].cast(pl.UInt32)) if len(rule_names) else pl.Series([], dtype=types["blocked_by"]),
    }
    for k, comp in enumerate(config.comparisons):
        cols[f"cmp_{comp.name}"] = pl.Series(levels[:, k], dtype=pl.Int8)
    cols["match_weight"] = pl.Series(np.round(weights, 4), dtype=pl.Float64)
    cols["match_probability"] = pl.Series(np.round(1.0 / (1.0 + np.exp2(-weights)), 6), dtype=pl.Float64)
    cols["decision"] = pl.Series(list(DECISIONS), dtype=types["decision"]).gather(pl.Series(match.astype(np.uint32)))
    cols["reason"] = reason_names.gather(pl.Series(reason.astype(np.uint32)))
    rule_of = pl.Series(link_rules(config), dtype=types["rule"]).gather(pl.Series(reason.astype(np.uint32)))
    cols["rule"] = pl.select(pl.when(pl.Series(match)).then(rule_of)).to_series().rename("rule")
    return pl.DataFrame(cols)


IDENTICAL_BLOCK = "identical content"
"""`blocked_by` of a collapsed copy's pair with its representative (`_copies_table`)."""
DECISIONS = ("non_match", "match")
"""`decision` by whether the pair matched (index 0: no, 1: yes)."""


def audit_types(config: ResolverConfig) -> dict[str, pl.Enum]:
    """The audit table's descriptive columns as enums of the texts they can hold.

    Millions of pairs repeat a few dozen texts; as strings each row cost 16 bytes or more per
    column (the audit table was the largest frame at the end of a resolution), as an enum one
    byte. They are written as text: Parquet and DuckDB read an enum as its text.
    """
    blocks = [r.name for r in config.blocking]
    return {
        "blocked_by": pl.Enum(list(dict.fromkeys([*blocks, IDENTICAL_BLOCK]))),
        "decision": pl.Enum(list(DECISIONS)),
        "reason": pl.Enum(list(dict.fromkeys(reasons(config)))),
        "rule": pl.Enum(list(dict.fromkeys(r for r in link_rules(config) if r is not None))),
    }
