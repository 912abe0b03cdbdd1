"""The first ids of a sort order inside a match set, read in growing slices (FTS5 sorted
pages). The contract suite's register is small enough for one slice; these sets are not."""

from __future__ import annotations

import numpy as np
import pytest

from app.search.sqlbase import first_in_mask


def plainly(in_order: np.ndarray, mask: np.ndarray, k: int) -> list[int]:
    return [int(i) for i in in_order if i < mask.size and mask[i]][:k]


@pytest.mark.parametrize("density", [0.0, 0.00005, 0.001, 0.3, 1.0])
@pytest.mark.parametrize("k", [1, 20, 700])
def test_the_first_ids_in_order_are_those_of_a_plain_scan(density: float, k: int) -> None:
    rng = np.random.default_rng(int(density * 1e6) + k)
    in_order = rng.permutation(200_000).astype(np.int64)
    mask = rng.random(190_000) < density  # ids past the mask (newer rows) are never chosen
    assert first_in_mask(in_order, mask, k).tolist() == plainly(in_order, mask, k)


def test_a_match_set_found_only_deep_in_the_order_is_found() -> None:
    in_order = np.arange(300_000, dtype=np.int64)[::-1].copy()
    mask = np.zeros(300_000, dtype=bool)
    mask[[3, 7, 11]] = True  # the last three ids of the order
    assert first_in_mask(in_order, mask, 20).tolist() == [11, 7, 3]
