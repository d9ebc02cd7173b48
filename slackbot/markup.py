"""Slack's mrkdwn for the chat layer's wording (:class:`chat.markup.Markup`).

Every piece of FAQ or member text is escaped (``&`` ``<`` ``>``), so no text can become a
mention (``<!channel>``, ``<!here>``, ``<@U…>``, ``<!subteam^…>``) or a link; messages
are sent with mrkdwn objects marked ``verbatim`` and never with ``link_names``, so a bare
``@channel`` stays text too. A user group is named, never linked: a link would ping it.
"""

from __future__ import annotations

from chat.markup import trim

_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})


def escape(text: str) -> str:
    """Slack's three control characters as entities (api.slack.com/reference/surfaces/formatting#escaping)."""
    return text.translate(_ESCAPES)


class SlackMarkup:
    def bold(self, text: str) -> str:
        return f"*{text}*"

    def code(self, text: str) -> str:
        return f"`{text}`"

    def subtext(self, text: str) -> str:
        return f"_{text}_"

    def member_text(self, text: str, limit: int | None = None) -> str:
        return escape(trim(text, limit) if limit is not None else text)

    def role(self, role_id: str) -> str:
        return f"운영진 그룹({escape(role_id)})"

    def channel(self, channel_id: str) -> str:
        return f"<#{escape(channel_id)}>"  # a channel link notifies no one


SLACK = SlackMarkup()
