"""benchmarks/late_interaction.py's MaxSim score (the part that runs without a model)."""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks.late_interaction import maxsim


def test_each_query_token_takes_its_best_document_token() -> None:
    query = np.array([[1.0, 0.0], [0.0, 1.0]], dtype=np.float32)
    doc = np.array([[1.0, 0.0], [0.6, 0.8], [-1.0, 0.0]], dtype=np.float32)
    assert maxsim(query, doc) == pytest.approx(0.9)  # (1.0 + 0.8) / 2: the order of the document's tokens is ignored
    assert maxsim(query, doc[::-1]) == maxsim(query, doc)
    assert maxsim(query, doc[2:]) < 0  # a document with none of the query's words scores below one with them
