"""What every component callback shares: errors become an ephemeral reply."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import discord

from bot.replies import report_error

Handler = Callable[[discord.Interaction], Awaitable[None]]


async def guarded(interaction: discord.Interaction, handler: Handler, where: str) -> None:
    """Run a component/modal handler; errors become an ephemeral reply (dynamic items have no on_error)."""
    try:
        await handler(interaction)
    except Exception as exc:
        await report_error(interaction, exc, where)
