"""Late interaction on DEV only: does a MaxSim score over the e5 part's token vectors reorder the shipped
ensemble's top 5 better? (docs/model.md, "Round 8"; measured: no.)

    python benchmarks/late_interaction.py [--e5 FOLDER] [--k 5]

For every DEV club member question (and the bundled DEV split, as a guard) the shipped ensemble ranks the
club's FAQs as the bot does (``model.unseen.ClubIndex``, the profile's weights, fused order). Each of its
top ``k`` gets two ColBERT-style scores from the e5 part's token vectors, no training: the mean over the
question's tokens of the best cosine against the tokens of ``passage: {FAQ question} {answer}`` ("answer")
and of ``passage: {FAQ question} {alternates}`` ("questions"). Printed: DEV rank-1 of ``fused + a·answer +
b·questions`` over a small grid, pooled and for the bundled split. Evaluation-only clubs are never opened.
Costs one encode of every DEV text at the token level (~5 min on a quiet 2-core box).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import numpy.typing as npt

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

GRID = (0.0, 0.05, 0.1, 0.2, 0.3, 0.5)


def maxsim(query: npt.NDArray[np.float32], doc: npt.NDArray[np.float32]) -> float:
    """Mean over the query's (unit) token vectors of the best cosine against the document's."""
    return float((query @ doc.T).max(axis=1).mean())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--e5", default=None, help="the e5 part's folder (default: the shipped e5-club, rebuilt)")
    parser.add_argument("--k", type=int, default=5)
    args = parser.parse_args(argv)

    import torch
    from sentence_transformers import SentenceTransformer

    from model.clubs import Split, bundled_dev_club, load_clubs
    from model.e5_club import club_model_dir
    from model.encoder import load_encoder
    from model.profile import load_profile
    from model.unseen import ClubIndex, MatchConfig

    profile = load_profile(ROOT / "model" / "club_ensemble")
    assert profile is not None
    config = MatchConfig(profile.lexical_weight, profile.answer_weight, profile.document_weight, rules=profile.rules)
    tokens_model = SentenceTransformer(str(args.e5 or club_model_dir()), device="cpu")

    def token_vectors(texts: list[str], prompt: str) -> list[npt.NDArray[np.float32]]:
        out = tokens_model.encode(texts, prompt_name=prompt, output_value="token_embeddings", batch_size=32)
        return [torch.nn.functional.normalize(t.float(), dim=-1).numpy() for t in out]

    encoder = load_encoder("ensemble")
    rows: list[tuple[bool, int, list[int], list[tuple[float, float, float]]]] = []
    for club in [*load_clubs(Split.DEV), bundled_dev_club()]:
        ranked = ClubIndex(club, encoder).rank(config)
        answers = token_vectors([f"{f.question} {f.answer}" for f in club.faqs], "passage")
        questions = token_vectors([" ".join([f.question, *f.alternates]) for f in club.faqs], "passage")
        queries = token_vectors([q.text for q in club.queries], "query")
        for query, gold, candidates in zip(queries, ranked.gold, ranked.in_scope, strict=True):
            inner = query[1:-1] if len(query) > 2 else query  # [CLS] and [SEP] say nothing of the words
            top = candidates[: args.k]
            features = [
                (
                    c.score if c.score is not None else c.confidence,
                    maxsim(inner, answers[c.faq_id - 1]),
                    maxsim(inner, questions[c.faq_id - 1]),
                )
                for c in top
            ]
            rows.append((club.slug.startswith("dev_"), gold, [c.faq_id for c in top], features))
        print(f"{club.slug}: {len(club.queries)} questions", file=sys.stderr, flush=True)

    def rank1(a: float, b: float, dev: bool) -> float:
        picked = [
            ids[int(np.argmax([f + a * s + b * t for f, s, t in feats]))] == gold
            for is_dev, gold, ids, feats in rows
            if is_dev == dev
        ]
        return sum(picked) / len(picked)

    print("answer  questions  DEV rank-1  bundled-dev")
    for a in GRID:
        for b in GRID[:4]:
            print(f"{a:6.2f}  {b:9.2f}  {rank1(a, b, True):10.4f}  {rank1(a, b, False):11.4f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
