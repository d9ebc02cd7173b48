"""``faqbot`` command line: one sub-command module per area in ``faqbot.commands``.

Exit codes: 0 ok, 2 bad input (argparse uses 2 as well), 1 internal error.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
import typing
from collections.abc import Sequence

from chat import cli_messages, messages
from chat.errors import CORE_ERRORS, EXIT_BAD_INPUT, EXIT_INTERNAL, EXIT_OK, ErrorReply, ErrorTable, reply_for
from faqbot.config_sources import ConfigError

log = logging.getLogger("faqbot")

#: The core's errors (bad input exits 2, a model that cannot load 1) and bad settings.
CLI_ERRORS: ErrorTable = {
    **CORE_ERRORS,
    ConfigError: ErrorReply(lambda e: "\n".join(e.lines), EXIT_BAD_INPUT, headline=False),  # type: ignore[attr-defined]
}

# Each module exposes register(subparsers) and sets func=run(args) -> int.
COMMAND_MODULES = (
    "ask", "faq", "feedback", "stats", "unanswered", "config", "run", "status", "db", "train", "eval", "bench", "model",
)  # fmt: skip


def version() -> str:
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as dist_version

    try:
        return dist_version("faqbot")
    except PackageNotFoundError:  # run from a checkout without `pip install`
        return cli_messages.UNINSTALLED_VERSION


class OneLineParser(argparse.ArgumentParser):
    """A bad flag or value is one line naming it, then exit 2 (no usage block to scroll past)."""

    def error(self, message: str) -> typing.NoReturn:
        self.exit(EXIT_BAD_INPUT, cli_messages.bad_flag(self.prog, message))


def _configure_logging(verbosity: int) -> None:
    level = logging.WARNING if verbosity == 0 else logging.INFO if verbosity == 1 else logging.DEBUG
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    if verbosity < 2:  # library chatter drowns the CLI's own messages
        for noisy in ("sentence_transformers", "transformers", "httpx", "huggingface_hub", "bm25s"):
            logging.getLogger(noisy).setLevel(logging.ERROR)


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(prog="faqbot", description="멋사 FAQ 봇: 질문 답변, FAQ 관리, 모델 학습")
    parser.add_argument("-v", "--verbose", action="count", default=0, help="-v: INFO, -vv: DEBUG 로그")
    parser.add_argument("--version", action="version", version=f"faqbot {version()}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(f"faqbot.commands.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"faqbot.commands.{name}":
                raise
            continue  # an optional area not present in this build
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    # Weight-loading progress bars are noise in a CLI answer (read when transformers is imported).
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    parser = build_parser()
    args = parser.parse_args(argv)
    _configure_logging(args.verbose)
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `faqbot faq list | head`
        sys.stderr.close()
        return EXIT_OK
    except Exception as exc:
        found = reply_for(exc, CLI_ERRORS)
        if found is None:
            log.exception("internal error")
            print(messages.INTERNAL_ERROR, file=sys.stderr)
            return EXIT_INTERNAL
        text = found.message(exc)
        print(cli_messages.error(text) if found.headline else text, file=sys.stderr)
        return found.exit_code


if __name__ == "__main__":
    sys.exit(main())
