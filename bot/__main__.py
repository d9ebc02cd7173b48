"""``python -m bot``: run the Discord bot (same as ``faqbot run``).

An entry script, not part of the adapter: it hands over to the composition root
(:mod:`faqbot.launcher`), which builds the settings, the service and the bot.
"""

from __future__ import annotations

import sys

from faqbot.launcher import main

if __name__ == "__main__":
    sys.exit(main())
