"""Performance benchmarks behind ``faqbot bench`` (numbers in docs/performance.md), one module per section.

Every comparison is a ratio of two figures measured in the same run on the same
machine, so a slower or busier machine changes the absolute numbers but not the
conclusions. Sections:

1. latency p50/p99 and throughput at several concurrencies, micro-batched vs
   naive (one ``encode`` per question), plus the event-loop lag during each run;
2. matching cost vs FAQ rows (brute force over the normalised matrix);
3. cold start from a database whose 30,000 question vectors are cached;
4. peak RSS of a bot-like process per model (fresh subprocess each);
5. following other processes' commits (faq/changes.py): the cost of one idle poll, and
   from another connection's commit to the new answer being served.

Models: the KR-SBERT-shaped random BERT (:mod:`model.shaped`; speed only), the
default encoder, and in ``--smoke`` mode only the hashing fake (seconds, for tests).
The driver is :mod:`faqbot.perf.run`; a lone question's breakdown is :mod:`faqbot.perf.lone_question`.
"""

from __future__ import annotations

from faqbot.perf.measure import bench_questions, percentile
from faqbot.perf.plan import DEFAULT, FAKE, SHAPED, BenchPlan, load_model
from faqbot.perf.run import run_bench

__all__ = ["DEFAULT", "FAKE", "SHAPED", "BenchPlan", "bench_questions", "load_model", "percentile", "run_bench"]
