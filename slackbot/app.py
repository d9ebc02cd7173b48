"""The whole Slack app: a :class:`~slackbot.adapter.SlackAdapter` with every listener registered."""

from __future__ import annotations

from typing import Any

from chat.core import ChatCore
from slackbot import asking, buttons, commands, forms, home
from slackbot.adapter import SlackAdapter

LISTENERS = (asking, commands, buttons, forms, home)


def build_app(core: ChatCore, **options: Any) -> SlackAdapter:
    """``options``: :class:`SlackAdapter`'s (tokens, API URL, scope map, admin cache)."""
    adapter = SlackAdapter(core, **options)
    for module in LISTENERS:
        module.register(adapter)
    return adapter
