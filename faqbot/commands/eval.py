"""``faqbot eval``: measure an encoder (dense, BM25-over-Kiwi, hybrid) and sweep thresholds.

faqbot eval                     # $FAQBOT_MODEL or the bundled default
faqbot eval --model models/club --db faqbot.db --json
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from chat import cli_messages as say
from faq.matcher import DEFAULT_LEXICAL_WEIGHT
from faq.types import DEFAULT_SCOPE, Thresholds
from faqbot.config_sources import build
from faqbot.settings import CoreSettings


def register(sub: argparse._SubParsersAction) -> None:
    from model.evaluate import DEFAULT_BENCHMARKS

    p = sub.add_parser("eval", help="모델 평가: 클럽 held-out, FAQ leave-one-out, paraKQC, KorSTS")
    p.add_argument("--model", help="모델 경로/허브 ID (기본: $FAQBOT_MODEL 또는 내장 모델)")
    p.add_argument("--bm25-only", action="store_true", help="인코더 없이 BM25(Kiwi)만 평가")
    p.add_argument("--db", type=Path, help="이 DB의 FAQ로 leave-one-alternate-out 평가")
    p.add_argument("--guild", default=DEFAULT_SCOPE)
    p.add_argument("--benchmarks", type=Path, default=DEFAULT_BENCHMARKS, help="paraKQC/KorSTS 폴더 (없으면 건너뜀)")
    p.add_argument("--full", action="store_true", help="paraKQC-faq-full 도 (paraKQC로 학습하지 않은 모델용)")
    p.add_argument(
        "--lexical-weight",
        type=float,
        default=None,
        help=f"BM25 가중치 (기본: $FAQBOT_LEXICAL_WEIGHT 또는 {DEFAULT_LEXICAL_WEIGHT})",
    )
    p.add_argument("--answer-weight", type=float, default=None, help="답변 문장 가중치 (기본: 모델 프로필)")
    p.add_argument("--document-weight", type=float, default=None, help="FAQ 전체 BM25 가중치 (기본: 모델 프로필)")
    p.add_argument("--answer", type=unit_float, default=None, help="answer 임계값 (0~1)")
    p.add_argument("--suggest", type=unit_float, default=None, help="suggest 임계값 (0~1)")
    p.add_argument("--margin", type=unit_float, default=None, help="1·2위 차이 임계값 (0~1)")
    p.add_argument(
        "--no-decision",
        action="store_true",
        help="모델 프로필의 보정된 신뢰도(decision) 없이: 신뢰도 = 융합 점수 (이전 방식, 비교용)",
    )
    p.add_argument("--json", action="store_true", help="JSON 객체 하나로 출력")
    p.set_defaults(func=run)


def unit_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(say.not_a_unit_number(repr(text))) from None
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(say.not_a_unit_number(f"{value:g}"))
    return value


def default_label(loaded: str) -> str:
    """What the report calls the model an empty FAQBOT_MODEL loaded (the static one after a fallback)."""
    from model.encoder import BUILTIN_MODELS, resolve_model

    for builtin in BUILTIN_MODELS:
        if builtin in {"static", "ensemble"} and loaded == resolve_model(builtin):
            return f"default ({builtin}: {Path(loaded).relative_to(Path(loaded).parents[1])})"
    return f"default ({loaded})"


def run(args: argparse.Namespace) -> int:
    from faqbot.app import load_model, load_reranking, model_profile
    from faqbot.commands.common import note
    from faqbot.commands.train import db_groups
    from model.evaluate import evaluate
    from model.own_thresholds import recommend

    # Environment and settings files read (and checked) the way every other command reads them.
    flags = {"model": (args.model, say.flag_source("model"))} if args.model else {}
    settings = build(CoreSettings, flags)
    # The model's own profile (model/profile.py) under what the admin set, as the bot does.
    encoder, profile = (None, model_profile(settings)) if args.bm25_only else load_model(settings, note)
    reranking = None
    if encoder is not None and not args.no_decision:
        profile, reranking = load_reranking(profile, encoder, note)
    elif profile is not None:
        profile = profile.serving(False)  # no decision, or no encoder: no second look either
    matching = settings.matching(profile)
    decision = None if args.no_decision else matching.decision
    try:
        thresholds = Thresholds(
            args.answer if args.answer is not None else matching.thresholds.answer,
            args.suggest if args.suggest is not None else matching.thresholds.suggest,
            args.margin if args.margin is not None else matching.thresholds.margin,
        )
    except ValueError:
        print(say.error(say.SUGGEST_ABOVE_ANSWER), file=sys.stderr)
        return 2
    weight = args.lexical_weight if args.lexical_weight is not None else matching.lexical_weight
    answer_weight = args.answer_weight if args.answer_weight is not None else matching.answer_weight
    document_weight = args.document_weight if args.document_weight is not None else matching.document_weight
    name = settings.model
    try:
        groups = db_groups(args.db, args.guild) if args.db else None
    except FileNotFoundError as exc:
        print(say.error(str(exc)), file=sys.stderr)
        return 2
    report = evaluate(
        encoder,
        name=name or ("bm25" if encoder is None else default_label(encoder.name)),
        lexical_weight=weight,
        thresholds=thresholds,
        faq_groups=groups,
        benchmarks=args.benchmarks,
        parakqc_full=args.full,
        answer_weight=answer_weight,
        document_weight=document_weight,
        decision=decision,
        rules=matching.rules,
        reranking=reranking,
    )
    own = (
        recommend(encoder, groups, weight, decision=decision, rules=matching.rules, reranking=reranking)
        if groups
        else None
    )  # this club's figures beside the bundled ones
    if args.json:
        data = report.to_json()
        if own is not None:
            data["db_thresholds"] = own.to_json()
        print(json.dumps(data, ensure_ascii=False))
    else:
        print(report.table())
        if own is not None:
            print()
            print(own.text())
    return 0
