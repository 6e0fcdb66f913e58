"""Constrained clustering: chains of matches never join records that must stay apart."""

from __future__ import annotations

import numpy as np

from pipelines.resolve.cluster import constrained_components


def test_a_chain_through_an_id_less_record_does_not_join_two_valid_ids() -> None:
    # 0 (ID A) - 1 (no ID) - 2 (ID B); the 0-1 link is stronger, so 1 stays with 0
    left, right = np.array([0, 1]), np.array([1, 2])
    weights = np.array([20.0, 10.0])
    match = np.array([True, True])
    labels, refused = constrained_components(3, left, right, weights, match, np.zeros(2, bool), np.array([7, -1, 9]))
    assert labels[0] == labels[1] != labels[2]
    assert refused.tolist() == [False, True]


def test_cannot_link_pairs_are_respected_transitively() -> None:
    # 0-1, 1-2 match; 0-2 compared and kept apart (twins): 2 must not join 0 via 1
    left, right = np.array([0, 1, 0]), np.array([1, 2, 2])
    weights = np.array([15.0, 12.0, -3.0])
    match = np.array([True, True, False])
    cannot = np.array([False, False, True])
    labels, refused = constrained_components(3, left, right, weights, match, cannot)
    assert labels[0] == labels[1] != labels[2]
    assert refused.tolist() == [False, True, False]


def test_unconstrained_components_are_plain_connected_components() -> None:
    left, right = np.array([0, 2, 3]), np.array([1, 3, 4])
    labels, refused = constrained_components(6, left, right, np.ones(3), np.ones(3, bool), np.zeros(3, bool))
    assert labels[0] == labels[1]
    assert labels[2] == labels[3] == labels[4]
    assert len({labels[0], labels[2], labels[5]}) == 3
    assert not refused.any()


def test_each_exclusive_identifier_is_bounded_on_its_own() -> None:
    # columns: a valid ID number, a birth certificate number. 0 (ID A, certificate X) - 1 (no ID,
    # certificate Y) - 2 (ID A, no certificate) - 3 (no ID, certificate X): one ID and one
    # certificate per entity, so 1 (a second certificate) is refused and 3 joins (the same one)
    exclusive = np.array([[7, 100], [-1, 101], [7, -1], [-1, 100]])
    left, right = np.array([0, 1, 2]), np.array([2, 2, 3])
    weights = np.array([20.0, 15.0, 10.0])
    match = np.array([True, True, True])
    labels, refused = constrained_components(4, left, right, weights, match, np.zeros(3, bool), exclusive)
    assert labels[0] == labels[2] == labels[3] != labels[1]
    assert refused.tolist() == [False, True, False]
