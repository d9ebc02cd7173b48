"""Typed application-command options for ``interaction_slash``/``interaction_autocomplete``.

Values are converted with the option types of the schema the bot synced; user, role, channel and
attachment values also fill the interaction's ``data.resolved``.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any

from . import payloads as p
from .constants import (
    ATTACHMENT,
    BOOLEAN,
    CHANNEL,
    INTEGER,
    JSON,
    MENTIONABLE,
    NUMBER,
    ROLE,
    STRING,
    SUB_COMMAND_GROUP,
    USER,
)
from .state import FakeDiscordState


def schema_child(schema: Sequence[Mapping[str, Any]], name: str, otype: int) -> Sequence[Mapping[str, Any]]:
    """Options of the subcommand (group) ``name`` in a command schema."""
    for option in schema:
        if option["name"] == name and option["type"] == otype:
            return option.get("options") or []
    raise LookupError(f"command has no {'group' if otype == SUB_COMMAND_GROUP else 'subcommand'} {name!r}")


class CommandOptionsMixin(FakeDiscordState):
    def _option_value(
        self,
        otype: int,
        name: str,
        value: Any,
        resolved: JSON,
        guild_id: str | None,
    ) -> Any:
        if otype == STRING:
            return str(value)
        if otype == INTEGER:
            return int(value)
        if otype == NUMBER:
            return float(value)
        if otype == BOOLEAN:
            return bool(value)
        if otype == ATTACHMENT:
            if not isinstance(value, Mapping) or "filename" not in value:
                raise TypeError(f"option {name!r}: pass fd.attachment(...) for attachments")
            resolved.setdefault("attachments", {})[value["id"]] = dict(value)
            return value["id"]
        if otype in (USER, MENTIONABLE) and (not isinstance(value, Mapping) or "username" in value or "user" in value):
            if isinstance(value, Mapping):
                user = dict(value["user"] if "user" in value else value)
            else:
                user = self.users.get(str(value)) or p.fake_user(value)
            self._remember_user(user)
            resolved.setdefault("users", {})[user["id"]] = user
            if guild_id is not None:
                m = self._member(guild_id, user["id"])
                partial = copy.deepcopy(m) if m else p.member_payload(user)
                partial.pop("user", None)
                guild = self.guilds.get(guild_id)
                partial["permissions"] = (
                    p.compute_permissions(guild, {**partial, "user": user}) if guild else p.MEMBER_PERMISSIONS
                )
                resolved.setdefault("members", {})[user["id"]] = partial
            return user["id"]
        if otype in (ROLE, MENTIONABLE):
            rid = p.as_id(value)
            role = dict(value) if isinstance(value, Mapping) else None
            if role is None and guild_id is not None:
                role = next((r for r in self.guilds[guild_id]["roles"] if r["id"] == rid), None)
            resolved.setdefault("roles", {})[rid] = role or p.role_payload("role", role_id=rid)
            return rid
        if otype == CHANNEL:
            ch = dict(value) if isinstance(value, Mapping) else dict(self.channels[str(value)])
            partial = {k: ch[k] for k in ("id", "name", "type", "parent_id", "thread_metadata") if k in ch}
            partial["permissions"] = p.MEMBER_PERMISSIONS
            resolved.setdefault("channels", {})[ch["id"]] = partial
            return ch["id"]
        raise ValueError(f"unsupported option type {otype} for {name!r}")

    def _build_options(
        self,
        schema: Sequence[Mapping[str, Any]],
        values: Mapping[str, Any],
        resolved: JSON,
        guild_id: str | None,
        *,
        focused: str | None,
    ) -> list[JSON]:
        by_name = {o["name"]: o for o in schema}
        unknown = set(values) - set(by_name)
        if unknown:
            raise ValueError(f"unknown options {sorted(unknown)}; command has {sorted(by_name)}")
        if focused is None:
            missing = [o["name"] for o in schema if o.get("required") and o["name"] not in values]
            if missing:
                raise ValueError(f"missing required options {missing}")
        out: list[JSON] = []
        for name, value in values.items():
            otype = by_name[name]["type"]
            if name == focused:
                # Autocomplete sends the raw text typed so far, whatever the option type.
                out.append({"type": otype, "name": name, "value": str(value), "focused": True})
            else:
                out.append(
                    {
                        "type": otype,
                        "name": name,
                        "value": self._option_value(otype, name, value, resolved, guild_id),
                    }
                )
        return out
