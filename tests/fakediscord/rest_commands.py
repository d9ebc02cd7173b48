"""REST routes for application commands (global and per guild): what ``bot.tree.sync()`` and friends call.

Synced commands are kept in ``fd.commands`` (key ``None`` = global, else the guild id); the
``interaction_*`` helpers only build interactions for commands found there.  Bodies are checked
by the router (``limits.command_problems``: names, descriptions, option count and order, choices,
size); an edit is checked as the command it would produce.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from .constants import JSON, Reply
from .limits import command_problems
from .rest_errors import RestError, raise_if
from .rest_router import RestRequest
from .state import FakeDiscordState


def _command_key(cmd: Mapping[str, Any]) -> tuple[str, int]:
    """Commands are unique by (name, type) within a scope."""
    return cmd["name"], cmd.get("type", 1)


class CommandRoutesMixin(FakeDiscordState):
    def _scope(self, req: RestRequest) -> str | None:
        """The guild id of a guild-command route, ``None`` for global commands."""
        if req.params["application_id"] != self.application_id:
            raise RestError(403, 20012, "You are not authorized to perform this action on this application")
        return req.params.get("guild_id")

    def _command_by_id(self, req: RestRequest) -> tuple[list[JSON], JSON]:
        """(the scope's command list, the command) for ``{command_id}``."""
        cmds = self.commands.get(self._scope(req), [])
        cmd = next((c for c in cmds if c["id"] == req.params["command_id"]), None)
        if cmd is None:
            raise RestError(404, 10063, "Unknown application command")
        return cmds, cmd

    def _normalise_command(self, body: Mapping[str, Any], scope: str | None, old: JSON | None) -> JSON:
        cmd: JSON = {
            "type": 1,
            "description": "",
            "options": [],
            "default_member_permissions": None,
            "nsfw": False,
            "name_localizations": None,
            "description_localizations": None,
            "contexts": None,
            "integration_types": [0],
        }
        # A null in the request means "the default" for these; Discord answers with the value.
        nullable = {"default_member_permissions", "name_localizations", "description_localizations", "contexts"}
        cmd.update({k: copy.deepcopy(v) for k, v in body.items() if v is not None or k in nullable or k not in cmd})
        cmd["id"] = old["id"] if old else str(self.snowflake())
        cmd["application_id"] = self.application_id
        cmd["version"] = str(self.snowflake())
        if scope is not None:
            cmd["guild_id"] = scope
        else:
            cmd.setdefault("dm_permission", True)
        return cmd

    async def _list_commands(self, req: RestRequest) -> Reply:
        return 200, self.commands.get(self._scope(req), [])

    async def _bulk_overwrite_commands(self, req: RestRequest) -> Reply:
        scope = self._scope(req)
        old = {_command_key(c): c for c in self.commands.get(scope, [])}
        new = [self._normalise_command(body, scope, old.get(_command_key(body))) for body in (req.json or [])]
        self.commands[scope] = new
        return 200, new

    async def _upsert_command(self, req: RestRequest) -> Reply:
        scope = self._scope(req)
        cmds = self.commands.setdefault(scope, [])
        key = _command_key(req.json)
        old = next((c for c in cmds if _command_key(c) == key), None)
        cmd = self._normalise_command(req.json, scope, old)
        if old is not None:
            cmds[cmds.index(old)] = cmd
            return 200, cmd
        cmds.append(cmd)
        return 201, cmd

    async def _get_command(self, req: RestRequest) -> Reply:
        _, cmd = self._command_by_id(req)
        return 200, cmd

    async def _edit_command(self, req: RestRequest) -> Reply:
        cmds, cmd = self._command_by_id(req)
        updated = {**cmd, **(req.json or {}), "version": str(self.snowflake())}
        raise_if(command_problems(updated))
        cmds[cmds.index(cmd)] = updated
        return 200, updated

    async def _delete_command(self, req: RestRequest) -> Reply:
        cmds, cmd = self._command_by_id(req)
        cmds.remove(cmd)
        return 204, None
