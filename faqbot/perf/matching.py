"""Section 2: matching cost vs FAQ rows (brute force over the normalised matrix)."""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from typing import Any

import numpy as np

log = logging.getLogger(__name__)


def matching_section(dimension: int, rows_list: Sequence[int], queries: int = 50) -> list[dict[str, Any]]:
    """Per-query cost of brute-force dense scoring (matrix @ q + top-k) per index size."""
    rng = np.random.default_rng(0)
    out = []
    for rows in rows_list:
        matrix = rng.standard_normal((rows, dimension), dtype=np.float32)
        matrix /= np.linalg.norm(matrix, axis=1, keepdims=True)
        qs = rng.standard_normal((queries, dimension), dtype=np.float32)
        qs /= np.linalg.norm(qs, axis=1, keepdims=True)
        k = min(10, rows - 1)
        one = batch = float("inf")
        for _ in range(3):  # best of 3: the first pass pays BLAS thread start-up and page faults
            start = time.perf_counter()
            for q in qs:
                np.argpartition(-(matrix @ q), k)[:10]
            one = min(one, (time.perf_counter() - start) / queries * 1000)
            start = time.perf_counter()
            np.argpartition(-(qs @ matrix.T), k, axis=1)[:, :10]  # a micro-batch scored at once (GEMM)
            batch = min(batch, (time.perf_counter() - start) / queries * 1000)
        out.append(
            {
                "rows": rows,
                "matrix_mb": round(matrix.nbytes / 2**20, 1),
                "per_query_ms": round(one, 3),
                "per_query_in_batch_ms": round(batch, 3),
            }
        )
        del matrix
    return out
