"""Discord's side of the admin rule (:mod:`chat.admin`): Manage Server held at guild level is the
platform's admin; the configured admin role is the scope's admin group.

Guild level means from the member's roles (or owning the guild), never
``interaction.permissions``: those are the member's permissions *in the channel*, so a
channel overwrite granting Manage Server would make anyone who has it an FAQ admin.

``admin_only()`` is the one decorator for admin commands: it sets
``default_permissions(manage_guild=True)`` (Discord's UI hint, which server
admins can override and which Discord applies to top-level commands only) and
adds the check that is actually enforced. Buttons and modals call
:func:`ensure_admin` again in their callbacks, since a ``custom_id`` can be forged.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import discord
from discord import app_commands

from bot.context import core_of, scope_of
from bot.replies import AdminRequired
from chat.admin import is_admin as admin_rule

T = TypeVar("T")

ADMIN_PERMISSIONS = discord.Permissions(manage_guild=True)


async def is_admin(interaction: discord.Interaction) -> bool:
    if interaction.guild_id is None or not isinstance(interaction.user, discord.Member):
        return False
    # From the cached guild's roles and owner; an uncached guild yields no permissions (deny).
    member = interaction.user
    perms = member.guild_permissions
    return await admin_rule(
        core_of(interaction).configs,
        str(interaction.guild_id),
        platform_admin=perms.administrator or perms.manage_guild,
        in_group=lambda role: role.isdigit() and member.get_role(int(role)) is not None,
    )


async def ensure_admin(interaction: discord.Interaction) -> str:
    """The interaction's scope, or :class:`AdminRequired` for anyone but an admin of that guild."""
    scope = scope_of(interaction)
    if not await is_admin(interaction):
        raise AdminRequired
    return scope


async def _admin_predicate(interaction: discord.Interaction) -> bool:
    await ensure_admin(interaction)
    return True


def admin_only() -> Callable[[T], T]:
    """UI hint (``default_permissions``) plus the enforced check, in one decorator."""

    def decorator(func: T) -> T:
        func = app_commands.check(_admin_predicate)(func)
        return app_commands.default_permissions(ADMIN_PERMISSIONS)(func)

    return decorator


def has_admin_check(command: app_commands.Command | app_commands.Group) -> bool:
    """True when ``command`` carries the check from :func:`admin_only` (for tests)."""
    return _admin_predicate in getattr(command, "checks", [])
