"""``faqbot train``: fine-tune an encoder on FAQ paraphrases, or rebuild the offline default.

faqbot train --default                      # model/default (built-in "static") from bundled club data
faqbot train --db faqbot.db -o models/club  # the current model adapted to this server's FAQs + 👍
                                            # (the default ensemble: its static part, model/ensemble_train.py)
faqbot train --pairs my_pairs.csv --base static -o models/mine
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import json
import shlex
import sys
from collections.abc import Sequence
from pathlib import Path

from chat import cli_messages as say
from faq.types import DEFAULT_SCOPE


def register(sub: argparse._SubParsersAction) -> None:
    from model.train import add_arguments

    p = sub.add_parser(
        "train",
        help="인코더 학습 (MNRL); --db 만 주면 지금 모델(기본: 앙상블)을 이 서버에 맞춤; "
        "--default 는 내장 정적 모델을 다시 만듦",
    )
    p.add_argument("--db", type=Path, help="이 SQLite DB의 FAQ(질문+대체 질문)를 학습 그룹으로 사용")
    p.add_argument("--guild", default=DEFAULT_SCOPE, help="--db 에서 읽을 범위 (기본: default)")
    p.add_argument(
        "--no-feedback",
        dest="db_feedback",  # not "feedback": that is --feedback CSV's dest (add_arguments)
        action="store_false",
        help="--db 의 승인된 👍 피드백(회원 질문 → FAQ, faqbot feedback accept)을 학습 쌍에 넣지 않음",
    )
    add_arguments(p)
    p.set_defaults(func=run)


def with_feedback(groups: Sequence[tuple[str, ...]], pairs: Sequence[tuple[str, str]]) -> list[tuple[str, ...]]:
    """👍-rated member questions join the group of the FAQ they were answered with."""
    asked_by_faq: dict[str, list[str]] = {}
    for asked, faq_question in pairs:
        asked_by_faq.setdefault(faq_question, []).append(asked)
    return [tuple(dict.fromkeys((*group, *asked_by_faq.get(group[0], ())))) for group in groups]


async def _db_groups(db: Path, scope: str, *, feedback: bool) -> list[tuple[str, ...]]:
    from faq.activity import ActivityLog
    from faqbot.app import open_store
    from model.train import groups_from_faqs

    async with open_store(db) as store:
        groups = groups_from_faqs(await store.list_faqs(scope))
        pairs = await ActivityLog(store).positive_pairs(scope) if feedback else []
    return with_feedback(groups, pairs)


def db_groups(db: Path, scope: str, *, feedback: bool = True) -> list[tuple[str, ...]]:
    if not db.exists():
        raise FileNotFoundError(say.database_missing(db))
    return asyncio.run(_db_groups(db, scope, feedback=feedback))


#: Imported by the trainer but not by the bot; a plain ``pip install`` leaves them out.
TRAINING_PACKAGES = ("datasets", "accelerate")


def missing_training_packages() -> list[str]:
    return [name for name in TRAINING_PACKAGES if importlib.util.find_spec(name) is None]


def current_model(args: argparse.Namespace) -> str:
    """What ``--db`` adapts when no ``--base`` is given: the model the bot runs now."""
    from faqbot.commands.common import settings_from
    from model.encoder import resolve_model

    return str(resolve_model(settings_from(argparse.Namespace(model=None)).model or None))


def run(args: argparse.Namespace) -> int:
    from model.encoder import EncoderLoadError
    from model.ensemble_train import ensemble_folder, format_ensemble_report, train_ensemble
    from model.train import TrainingRefused, config_from_args, format_report, train

    missing = missing_training_packages()
    if missing:
        print(say.error(say.training_packages_missing(missing)), file=sys.stderr)
        return 2
    command = "faqbot train " + shlex.join(sys.argv[2:]) if len(sys.argv) > 2 else ""
    try:
        groups: Sequence[Sequence[str]] = db_groups(args.db, args.guild, feedback=args.db_feedback) if args.db else ()
        if args.db and not args.base and not args.default:
            args.base = current_model(args)
        config = config_from_args(args, faq_groups=groups, command=command)
        # An ensemble (the default) is adapted through its static part into a new ensemble folder.
        ensemble = None if args.default else ensemble_folder(config.base)
        report = train_ensemble(ensemble, config) if ensemble else train(config)
    except (ValueError, FileNotFoundError, EncoderLoadError) as exc:
        print(say.error(str(exc)), file=sys.stderr)
        return 2
    except TrainingRefused as exc:
        print(say.model_not_saved(exc), file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(report.to_json(), ensure_ascii=False, default=str))
    else:
        print(format_ensemble_report(report) if ensemble else format_report(report))  # type: ignore[arg-type]
    return 0
