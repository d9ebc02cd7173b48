"""``python -m bot``: run the Discord bot (same as ``faqbot run``)."""

from __future__ import annotations

import sys

from bot.launcher import main

if __name__ == "__main__":
    sys.exit(main())
