"""How a platform formats text: the chat layer writes wording, the adapter's markup renders it.

Discord (``bot.replies.DISCORD``) writes ``**bold**`` and ``-# small print`` and escapes
markdown; Slack would write ``*bold*`` and escape ``&<>``. :class:`PlainMarkup` adds no
formatting (tests, logs).
"""

from __future__ import annotations

from typing import Protocol

ELLIPSIS = "…"


def trim(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, marking the cut."""
    return text if len(text) <= limit else text[: limit - len(ELLIPSIS)].rstrip() + ELLIPSIS


class Markup(Protocol):
    def bold(self, text: str) -> str: ...

    def code(self, text: str) -> str: ...

    def subtext(self, text: str) -> str:
        """A line of small print under a message (the confidence footer)."""
        ...

    def member_text(self, text: str, limit: int | None = None) -> str:
        """Text a member wrote, made safe to show (no formatting, links or mentions of its own)."""
        ...

    def role(self, role_id: str) -> str:
        """A (non-pinging: the adapter sends without mentions) reference to a group of members."""
        ...

    def channel(self, channel_id: str) -> str: ...


class PlainMarkup:
    def bold(self, text: str) -> str:
        return text

    def code(self, text: str) -> str:
        return text

    def subtext(self, text: str) -> str:
        return text

    def member_text(self, text: str, limit: int | None = None) -> str:
        return trim(text, limit) if limit is not None else text

    def role(self, role_id: str) -> str:
        return f"@{role_id}"

    def channel(self, channel_id: str) -> str:
        return f"#{channel_id}"


PLAIN = PlainMarkup()
