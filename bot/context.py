"""From a Discord interaction to the chat layer: its :class:`~chat.core.ChatCore`, its scope, who acted.

Handlers reach the core through ``interaction.client`` (the running :class:`~bot.client.FaqBot`),
so buttons, modals and checks need no import of the bot class itself.
"""

from __future__ import annotations

import discord
from discord import app_commands

from chat.core import ChatCore


def core_of(interaction: discord.Interaction) -> ChatCore:
    return interaction.client.chat  # type: ignore[attr-defined,no-any-return]


def actor(user: discord.abc.User) -> str:
    """Who changed an FAQ, as the store records it."""
    return f"discord:{user.id}"


def scope_of(interaction: discord.Interaction) -> str:
    """The FAQ scope of a guild interaction: the guild id. DMs have none here."""
    if interaction.guild_id is None:
        raise app_commands.NoPrivateMessage
    return str(interaction.guild_id)


def interaction_scope(interaction: discord.Interaction) -> str:
    """Guild → its id; DM → the configured DM scope when DMs are on."""
    if interaction.guild_id is not None:
        return str(interaction.guild_id)
    settings = core_of(interaction).settings
    if settings.dm_enabled:
        return settings.dm_scope()
    raise app_commands.NoPrivateMessage
