"""Before/after retrieval check run by ``train()`` (sentence-transformers'
InformationRetrievalEvaluator, dense only). The bot's own figures come from
``model.evaluate`` / ``faqbot eval``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class IRMetrics:
    accuracy_at_1: float
    accuracy_at_3: float
    mrr_at_10: float
    ndcg_at_10: float
    queries: int
    corpus: int

    def row(self) -> str:
        return (
            f"acc@1 {self.accuracy_at_1:.3f}  acc@3 {self.accuracy_at_3:.3f}  "
            f"MRR@10 {self.mrr_at_10:.3f}  NDCG@10 {self.ndcg_at_10:.3f}  "
            f"({self.queries} queries, {self.corpus} texts)"
        )


def ir_inputs(
    groups: Sequence[Sequence[str]],
    heldout: Sequence[int],
    extra: Sequence[tuple[str, str]] = (),
    clubs: Sequence[str] = (),
) -> tuple[dict[str, str], dict[str, str], dict[str, set[str]]]:
    """Queries = held-out groups' non-first texts; corpus = every group's first text.

    Every group is in the corpus, so trained groups act as distractors: the
    held-out query must beat all of them, as in the bot. With ``clubs`` (each group's
    club, when training keeps clubs apart) the corpus is the groups of the queries'
    clubs only: the bot serves one club, so another chapter's FAQ on the same topic is
    no distractor a member meets. ``extra`` queries belong to the bundled club (``""``).
    """
    keep = range(len(groups))
    if clubs:
        asked = {clubs[gi] for gi in heldout if len(groups[gi]) > 1} | ({""} if extra else set())
        keep = [gi for gi in keep if clubs[gi] in asked]
    corpus = {f"g{gi}": groups[gi][0] for gi in keep}
    text_to_id = {text: f"g{gi}" for gi in keep if not clubs or clubs[gi] == "" for text in groups[gi]}
    queries: dict[str, str] = {}
    relevant: dict[str, set[str]] = {}
    for gi in heldout:
        for j, text in enumerate(groups[gi][1:]):
            qid = f"q{gi}_{j}"
            queries[qid] = text
            relevant[qid] = {f"g{gi}"}
    for j, (query, target) in enumerate(extra):
        cid = text_to_id.get(target)
        if cid is None:
            continue
        queries[f"x{j}"] = query
        relevant[f"x{j}"] = {cid}
    return queries, corpus, relevant


def ir_evaluate(
    model: Any, queries: dict[str, str], corpus: dict[str, str], relevant: dict[str, set[str]]
) -> IRMetrics | None:
    if not queries:
        return None
    from sentence_transformers.sentence_transformer.evaluation import InformationRetrievalEvaluator

    evaluator = InformationRetrievalEvaluator(
        queries,
        corpus,
        relevant,
        accuracy_at_k=[1, 3],
        precision_recall_at_k=[1],
        mrr_at_k=[10],
        ndcg_at_k=[10],
        map_at_k=[10],
        write_csv=False,
        name="heldout",
        batch_size=64,
    )
    scores = evaluator(model)

    def pick(suffix: str) -> float:
        for key, value in scores.items():
            if key.endswith(suffix) and "cosine" in key:
                return float(value)
        raise KeyError(suffix)

    return IRMetrics(
        accuracy_at_1=pick("accuracy@1"),
        accuracy_at_3=pick("accuracy@3"),
        mrr_at_10=pick("mrr@10"),
        ndcg_at_10=pick("ndcg@10"),
        queries=len(queries),
        corpus=len(corpus),
    )
