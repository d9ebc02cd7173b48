"""Interactions a test sends as Discord would: ``interaction_slash``, ``interaction_autocomplete``,
``interaction_component`` and ``interaction_modal_submit`` (each returns an :class:`InteractionHandle`).
"""

from __future__ import annotations

import copy
import secrets
from collections.abc import Mapping, Sequence
from typing import Any

from . import payloads as p
from .command_options import CommandOptionsMixin, schema_child
from .components import submitted_component, walk_components
from .constants import (
    APPLICATION_COMMAND,
    APPLICATION_COMMAND_AUTOCOMPLETE,
    JSON,
    MESSAGE_COMPONENT,
    MODAL_SUBMIT,
    SUB_COMMAND,
    SUB_COMMAND_GROUP,
)
from .gateway_control import GatewayControlMixin
from .interaction_models import InteractionHandle, InteractionState


class InteractionDispatchMixin(CommandOptionsMixin, GatewayControlMixin):
    def _interaction_base(
        self,
        itype: int,
        *,
        guild_id: int | str | None,
        channel_id: int | str | None,
        user: Mapping[str, Any] | None,
        member: Mapping[str, Any] | None,
        permissions: int | str | None,
        locale: str | None,
    ) -> JSON:
        if member is not None and user is None:
            user = member["user"]
        user_d = dict(user or self.default_user)
        self._remember_user(user_d)
        cid = str(channel_id) if channel_id is not None else None
        gid = str(guild_id) if guild_id is not None else (self._guild_of_channel(cid) if cid else None)
        payload: JSON = {
            "id": str(self.snowflake()),
            "application_id": self.application_id,
            "type": itype,
            "token": "itok." + secrets.token_urlsafe(24),
            "version": 1,
            "app_permissions": p.BOT_PERMISSIONS,
            "locale": locale or self.locale,
            "entitlements": [],
            "attachment_size_limit": 10 * 1024 * 1024,
        }
        if gid is not None:
            guild = self.guilds.get(gid)
            if cid is None:
                if guild is None:
                    raise LookupError(f"guild {gid} is not registered (guild_create) and no channel_id given")
                cid = self.default_channel_id(gid)
            member_d = dict(member) if member is not None else None
            if member_d is None:
                stored = self._member(gid, user_d["id"])
                member_d = copy.deepcopy(stored) if stored else p.member_payload(user_d)
            member_d["user"] = user_d
            # Precedence: explicit argument > the member dict's own > set_permissions() > roles.
            if permissions is None and "permissions" not in member_d:
                permissions = self.permission_overrides.get((gid, user_d["id"]))
            if permissions is not None:
                member_d["permissions"] = p.permissions_value(permissions)
            elif "permissions" not in member_d:
                member_d["permissions"] = p.compute_permissions(guild, member_d) if guild else p.MEMBER_PERMISSIONS
            channel = dict(self.channels.get(cid) or p.text_channel(channel_id=cid, guild_id=gid))
            channel["permissions"] = member_d["permissions"]
            payload.update(
                guild_id=gid,
                guild={
                    "id": gid,
                    "locale": guild["preferred_locale"] if guild else self.locale,
                    "features": [],
                },
                guild_locale=guild["preferred_locale"] if guild else self.locale,
                member=member_d,
                channel=channel,
                channel_id=cid,
                authorizing_integration_owners={"0": gid},
                context=0,
            )
        else:
            if cid is None or cid not in self.channels:
                channel = self._dm_channel_for(user_d)
            else:
                channel = self.channels[cid]
            channel = dict(channel)
            channel["permissions"] = p.MEMBER_PERMISSIONS
            payload.update(
                user=user_d,
                channel=channel,
                channel_id=channel["id"],
                authorizing_integration_owners={"0": "0"},
                context=1,
            )
        return payload

    def _register_interaction(self, payload: JSON) -> InteractionState:
        """Make the interaction's token known to the REST routes (its windows start now)."""
        state = InteractionState(
            id=payload["id"],
            token=payload["token"],
            type=payload["type"],
            payload=payload,
            sent_at=self.clock(),
        )
        self.interactions[state.token] = state
        return state

    async def _send_interaction(self, payload: JSON) -> InteractionHandle:
        state = self._register_interaction(payload)
        await self.dispatch("INTERACTION_CREATE", payload)
        return InteractionHandle(
            fd=self,
            id=state.id,
            token=state.token,
            type=state.type,
            payload=payload,
            sent_at=state.sent_at,
        )

    def find_command(
        self, name: str, guild_id: int | str | None = None, command_type: int = 1
    ) -> tuple[JSON, str | None]:
        """A registered command by name: the guild's first, then global; returns (cmd, scope)."""
        scopes: list[str | None] = [str(guild_id)] if guild_id is not None else []
        scopes.append(None)
        for scope in scopes:
            for cmd in self.commands.get(scope, []):
                if cmd["name"] == name and cmd.get("type", 1) == command_type:
                    return cmd, scope
        known = {str(scope): [c["name"] for c in cmds] for scope, cmds in self.commands.items()}
        raise LookupError(
            f"command {name!r} (type {command_type}) is not registered for guild {guild_id} or "
            f"globally; registered: {known}. Did the bot sync its command tree?"
        )

    async def _command_interaction(
        self,
        itype: int,
        command: str,
        *,
        options: Mapping[str, Any] | Sequence[Mapping[str, Any]] | None,
        group: str | None,
        subcommand: str | None,
        focused: str | None,
        guild_id: int | str | None,
        channel_id: int | str | None,
        user: Mapping[str, Any] | None,
        member: Mapping[str, Any] | None,
        permissions: int | str | None,
        locale: str | None,
    ) -> InteractionHandle:
        parts = command.split()
        name = parts[0]
        if len(parts) == 3:
            group, subcommand = parts[1], parts[2]
        elif len(parts) == 2:
            subcommand = parts[1]
        payload = self._interaction_base(
            itype,
            guild_id=guild_id,
            channel_id=channel_id,
            user=user,
            member=member,
            permissions=permissions,
            locale=locale,
        )
        gid = payload.get("guild_id")
        cmd, scope = self.find_command(name, gid)
        resolved: JSON = {}
        if options is not None and not isinstance(options, Mapping):
            leaf: list[JSON] = [dict(o) for o in options]  # raw option dicts, used verbatim
        else:
            schema: Sequence[Mapping[str, Any]] = cmd.get("options") or []
            if group is not None:
                schema = schema_child(schema, group, SUB_COMMAND_GROUP)
            if subcommand is not None:
                schema = schema_child(schema, subcommand, SUB_COMMAND)
            leaf = self._build_options(schema, options or {}, resolved, gid, focused=focused)
        if subcommand is not None:
            leaf = [{"type": SUB_COMMAND, "name": subcommand, "options": leaf}]
        if group is not None:
            leaf = [{"type": SUB_COMMAND_GROUP, "name": group, "options": leaf}]
        data: JSON = {"id": cmd["id"], "name": name, "type": cmd.get("type", 1)}
        if leaf:
            data["options"] = leaf
        if resolved:
            data["resolved"] = resolved
        if scope is not None:
            data["guild_id"] = scope
        payload["data"] = data
        return await self._send_interaction(payload)

    async def interaction_slash(
        self,
        command: str,
        options: Mapping[str, Any] | Sequence[Mapping[str, Any]] | None = None,
        *,
        group: str | None = None,
        subcommand: str | None = None,
        guild_id: int | str | None = None,
        channel_id: int | str | None = None,
        user: Mapping[str, Any] | None = None,
        member: Mapping[str, Any] | None = None,
        permissions: int | str | None = None,
        locale: str | None = None,
    ) -> InteractionHandle:
        """Dispatch an APPLICATION_COMMAND interaction for a *registered* (synced) command.

        ``command`` may be ``"faq"``, ``"faq add"`` or ``"faq admin add"`` (or use ``group`` /
        ``subcommand``).  ``options`` maps option names to Python values, typed from the synced
        schema; user/role/channel/attachment values (dicts or ids) fill ``data.resolved``.
        With no guild (neither ``guild_id`` nor a guild ``channel_id``) it is a bot-DM
        interaction carrying ``user`` instead of ``member``.  ``permissions`` sets
        ``member.permissions`` (default: computed from the guild's roles / owner).
        """
        return await self._command_interaction(
            APPLICATION_COMMAND,
            command,
            options=options,
            group=group,
            subcommand=subcommand,
            focused=None,
            guild_id=guild_id,
            channel_id=channel_id,
            user=user,
            member=member,
            permissions=permissions,
            locale=locale,
        )

    async def interaction_autocomplete(
        self,
        command: str,
        options: Mapping[str, Any],
        focused: str,
        *,
        group: str | None = None,
        subcommand: str | None = None,
        guild_id: int | str | None = None,
        channel_id: int | str | None = None,
        user: Mapping[str, Any] | None = None,
        member: Mapping[str, Any] | None = None,
        permissions: int | str | None = None,
        locale: str | None = None,
    ) -> InteractionHandle:
        """Dispatch an APPLICATION_COMMAND_AUTOCOMPLETE with option ``focused`` being typed."""
        if focused not in options:
            raise ValueError(f"focused option {focused!r} must be in options")
        return await self._command_interaction(
            APPLICATION_COMMAND_AUTOCOMPLETE,
            command,
            options=options,
            group=group,
            subcommand=subcommand,
            focused=focused,
            guild_id=guild_id,
            channel_id=channel_id,
            user=user,
            member=member,
            permissions=permissions,
            locale=locale,
        )

    async def interaction_component(
        self,
        custom_id: str,
        component_type: int | None = None,
        message: Mapping[str, Any] | int | str | None = None,
        values: Sequence[str] | None = None,
        *,
        user: Mapping[str, Any] | None = None,
        member: Mapping[str, Any] | None = None,
        permissions: int | str | None = None,
        locale: str | None = None,
    ) -> InteractionHandle:
        """Dispatch a MESSAGE_COMPONENT interaction: a click on ``custom_id`` in ``message``.

        ``message`` is a message dict or id known to the fake (e.g. ``call.response`` of the
        bot's POST, or ``handle.original_message()``).  ``component_type`` defaults to the type
        of the component with that ``custom_id``; ``values`` are select-menu choices.
        """
        if message is None:
            raise TypeError("interaction_component needs the message the component is on (message=...)")
        if isinstance(message, Mapping):
            msg = self.messages.get(str(message["id"]), dict(message))
        else:
            msg = self.messages[str(message)]
        # Components on a message Discord delivers always carry their numeric ``id``.
        msg["components"] = self._assign_component_ids(msg.get("components") or [])
        found = next(
            (c for c in walk_components(msg.get("components") or []) if c.get("custom_id") == custom_id),
            None,
        )
        if found is None and component_type is None:
            raise LookupError(f"message {msg['id']} has no component with custom_id {custom_id!r}")
        ctype = component_type if component_type is not None else found["type"]  # type: ignore[index]
        cid = msg["channel_id"]
        payload = self._interaction_base(
            MESSAGE_COMPONENT,
            guild_id=self._guild_of_channel(cid),
            channel_id=cid,
            user=user,
            member=member,
            permissions=permissions,
            locale=locale,
        )
        data: JSON = {"custom_id": custom_id, "component_type": ctype}
        if ctype != 2:
            data["values"] = list(values or [])
        payload["data"] = data
        payload["message"] = copy.deepcopy(msg)
        return await self._send_interaction(payload)

    async def interaction_modal_submit(
        self,
        custom_id: str,
        values: Mapping[str, Any],
        *,
        source: InteractionHandle | None = None,
        user: Mapping[str, Any] | None = None,
        member: Mapping[str, Any] | None = None,
        permissions: int | str | None = None,
        locale: str | None = None,
    ) -> InteractionHandle:
        """Dispatch a MODAL_SUBMIT for the modal the bot opened with ``custom_id``.

        ``values`` maps text-input custom_ids to text (select custom_ids to lists).  The layout
        (action rows or labels) mirrors the modal from the bot's type-9 callback, and the user,
        guild and channel default to those of the interaction that opened it (or ``source``).
        """
        opened = [s for s in self.interactions.values() if s.modal and s.modal.get("custom_id") == custom_id]
        if source is not None:
            origin = source.state
        elif opened:
            origin = opened[-1]
        else:
            raise LookupError(f"the bot never opened a modal with custom_id {custom_id!r}")
        modal = origin.modal or {"custom_id": custom_id, "components": []}
        src = origin.payload
        used: set[str] = set()
        components = [
            c for c in (submitted_component(c, values, used) for c in modal.get("components", [])) if c is not None
        ]
        unknown = set(values) - used
        if unknown:
            raise ValueError(f"modal {custom_id!r} has no inputs {sorted(unknown)}")
        src_user = (src.get("member") or {}).get("user") or src.get("user")
        payload = self._interaction_base(
            MODAL_SUBMIT,
            guild_id=src.get("guild_id"),
            channel_id=src.get("channel_id"),
            user=user or (None if member else src_user),
            member=member,
            permissions=permissions if permissions is not None else (src.get("member") or {}).get("permissions"),
            locale=locale,
        )
        payload["data"] = {"custom_id": custom_id, "components": components}
        if "message" in src:
            payload["message"] = copy.deepcopy(self.messages.get(src["message"]["id"], src["message"]))
        return await self._send_interaction(payload)
