"""Where a lone member question's time goes (``faqbot bench``, section "lone question").

One question at a time through the bot's own path — ``FaqService.ask`` behind the
micro-batching embedder, then the query-log write — against the bundled sample FAQs,
beside each part timed alone on this thread: the encoder, Kiwi tokenisation, the
index search, the log write, and an empty thread hop. The parts do not add up to the
whole exactly (tokenisation overlaps encoding; the whole pays the hops), which is the
point: the gap is what the service adds to the model.

With the model's matching profile (weights and, where it has one, its decision model:
faq/decision.py) the whole runs as the bot does, and the search is timed with and without
the decision, so ``decision_p50_ms`` is what the calibrated confidence adds to a question.
With a cascade (faq/cascade.py) the whole takes the second look where the bot would:
``second_look_share`` is how many of these questions got it, and ``scorer_p50_ms`` what the pair
scorer alone costs one of them.
"""

from __future__ import annotations

import asyncio
import dataclasses
import tempfile
import time
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

from faq.activity import ActivityLog
from faq.batching import MicroBatchingEmbedder
from faq.encoding import Encoder
from faq.lexical import tokenize
from faq.seed import bundled_faqs
from faq.service import FaqService
from faq.store import FaqStore
from model.profile import MatchingProfile

SCOPE = "bench"
DECISION_REPEATS = 25  # searches with and without the decision model per question


def _p50(values: Sequence[float]) -> float:
    ordered = sorted(values)
    return round(ordered[len(ordered) // 2] * 1000, 3) if ordered else float("nan")


async def _timed(call: Callable[[], Awaitable[object]]) -> float:
    start = time.perf_counter()
    await call()
    return time.perf_counter() - start


async def lone_question_section(
    encoder: Encoder, questions: Sequence[str], samples: int, *, profile: MatchingProfile | None = None
) -> dict[str, Any]:
    """p50 ms of each part and of the whole; ``ratio`` = whole / lone encode.

    ``profile``: the model's matching weights, thresholds and decision (what the bot searches with);
    an ensemble's encode is also timed per part (``encode_parts_p50_ms``).
    """
    parts = [enc for enc, _ in getattr(encoder, "parts", ())]
    part_names = list(getattr(encoder, "part_names", ()))
    # Distinct texts per part: every cache (query vectors, morphemes) stays cold, as for a new question.
    texts = [f"{q} ({i})" for i, q in enumerate(list(questions) * (1 + 3 * samples // max(len(questions), 1)))]
    whole_texts, part_texts = texts[:samples], texts[samples : 2 * samples]
    reranking = None
    if profile is not None:
        from faqbot.app import load_reranking

        profile, reranking = load_reranking(profile, encoder)
    with tempfile.TemporaryDirectory(prefix="faqbot-lone-") as tmp:
        store = await FaqStore.open(Path(tmp) / "lone.db")
        matching = (
            {}
            if profile is None
            else {
                "thresholds": profile.thresholds,
                "lexical_weight": profile.lexical_weight,
                "answer_weight": profile.answer_weight,
                "document_weight": profile.document_weight,
                "decision": profile.decision,
                "rules": profile.rules,
                "reranking": reranking,
            }
        )
        service = FaqService(store, MicroBatchingEmbedder(encoder), **matching)  # type: ignore[arg-type]
        activity = ActivityLog(store)
        try:
            await service.import_drafts(SCOPE, bundled_faqs(), "bench")
            await service.ask(SCOPE, "워밍업 질문입니다")  # worker thread, Kiwi and BLAS warm

            async def whole(text: str) -> None:
                answer = await service.ask(SCOPE, text)
                await activity.record_query(SCOPE, answer, user_id=1, source="bench")

            whole_s = [await _timed(lambda t=t: whole(t)) for t in whole_texts]

            encode_s, tokenize_s, search_s, plain_s, decided_s, scorer_s = [], [], [], [], [], []
            read_twice = 0
            part_s: list[list[float]] = [[] for _ in parts]
            snapshot = (await service.index(SCOPE)).snapshot
            calibrator = await service.calibrator()
            second = calibrator.second if calibrator is not None else None
            first = dataclasses.replace(calibrator, second=None) if calibrator is not None else None
            weights = {
                "k": service.top_k,
                "lexical_weight": service.lexical_weight,
                "answer_weight": service.answer_weight,
                "document_weight": service.document_weight,
            }
            for text in part_texts:
                for times, part in zip(part_s, parts, strict=True):
                    start = time.perf_counter()
                    part.encode([text])
                    times.append(time.perf_counter() - start)
                start = time.perf_counter()
                vector = encoder.encode([text])[0]
                encode_s.append(time.perf_counter() - start)
                start = time.perf_counter()
                tokenize(text)
                tokenize_s.append(time.perf_counter() - start)
                start = time.perf_counter()
                plain = snapshot.search(vector, text, **weights)
                search_s.append(time.perf_counter() - start)
                if second is not None:
                    found = snapshot.search(vector, text, **weights, calibrator=first)
                    read_twice += bool(found) and second.wanted(found[0].confidence)
                    pairs = [(c.question, snapshot.faqs[c.faq_id].answer) for c in plain[: second.top]]
                    start = time.perf_counter()
                    second.scorer.score(text, pairs)
                    scorer_s.append(time.perf_counter() - start)
                # Sub-millisecond: timed in interleaved pairs, many times, so load drift cancels out.
                for _ in range(DECISION_REPEATS if calibrator is not None else 0):
                    start = time.perf_counter()
                    snapshot.search(vector, text, **weights)
                    plain_s.append(time.perf_counter() - start)
                    start = time.perf_counter()
                    snapshot.search(vector, text, **weights, calibrator=calibrator)
                    decided_s.append(time.perf_counter() - start)
            sample_answer = await service.ask(SCOPE, part_texts[0])
            log_s = [
                await _timed(lambda: activity.record_query(SCOPE, sample_answer, user_id=2, source="bench"))
                for _ in range(samples)
            ]
            hop_s = [await _timed(lambda: asyncio.to_thread(lambda: None)) for _ in range(samples)]
        finally:
            await service.aclose()
            await store.close()
    out = {
        "question_p50_ms": _p50(whole_s),
        "encode_p50_ms": _p50(encode_s),
        "tokenize_p50_ms": _p50(tokenize_s),
        "search_p50_ms": _p50(search_s),
        "log_write_p50_ms": _p50(log_s),
        "thread_hop_p50_ms": _p50(hop_s),
        "rows": snapshot.live_rows + len(snapshot.answers.row_texts),
    }
    if decided_s:  # the search again with the decision model: the difference is what calibration costs
        out["search_decision_p50_ms"] = _p50(decided_s)
        out["decision_p50_ms"] = round(out["search_decision_p50_ms"] - _p50(plain_s), 3)
    if scorer_s:  # the cascade's pair scorer on a question's top FAQs, and how often the bot would run it
        out["scorer_p50_ms"] = _p50(scorer_s)
        out["second_look_share"] = round(read_twice / len(part_texts), 3)
    if parts:
        out["encode_parts_p50_ms"] = {name: _p50(t) for name, t in zip(part_names, part_s, strict=True)}
    out["ratio"] = round(out["question_p50_ms"] / out["encode_p50_ms"], 3) if out["encode_p50_ms"] else None
    return out
