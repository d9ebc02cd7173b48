"""A real ``faqbot`` process on a fake Discord, for multi-process tests.

    python -m tests.bot.run_against_fake http://127.0.0.1:PORT run [--sync]

discord.py's REST, gateway and CDN URLs are pointed at the fake Discord running in the test's
process (``tests/fakediscord/client.py``: three class attributes, nothing else patched), then the
product's own CLI runs: settings from the environment, ``faqbot.launcher``, the sharded or plain
client, the heartbeat. What runs is the code under test, started the way an operator starts it.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from faqbot import cli
from tests.fakediscord.client import redirect_discord


def main(argv: Sequence[str]) -> int:
    base_url, *args = argv
    with redirect_discord(base_url):
        return cli.main(args)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
