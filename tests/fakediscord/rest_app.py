"""REST routes about the bot and its world: gateway URL, users and DMs, the application, guilds and members."""

from __future__ import annotations

import math

from . import payloads as p
from .constants import JSON, Reply
from .rest_errors import RestError
from .rest_router import RestRequest
from .state import FakeDiscordState

GUILDS_PER_RECOMMENDED_SHARD = 1000

# GUILD_CREATE carries these on top of the guild object GET /guilds/{id} returns.
_GUILD_CREATE_ONLY = (
    "joined_at",
    "large",
    "member_count",
    "voice_states",
    "members",
    "channels",
    "threads",
    "presences",
    "stage_instances",
    "guild_scheduled_events",
    "soundboard_sounds",
    "embedded_activities",
    "lazy",
    "unavailable",
)


class AppRoutesMixin(FakeDiscordState):
    # -- gateway, users, application ---------------------------------------------------------

    async def _get_gateway(self, req: RestRequest) -> Reply:
        return 200, {"url": self.gateway_url}

    async def _get_gateway_bot(self, req: RestRequest) -> Reply:
        # "Recommended number of shards to use when connecting" (Gateway docs, Get Gateway Bot): the
        # exact rule is not documented; about one per 1,000 guilds, well under the 2,500 a shard may hold.
        shards = self.recommended_shards or max(1, math.ceil(len(self.guilds) / GUILDS_PER_RECOMMENDED_SHARD))
        return 200, {
            "url": self.gateway_url,
            "shards": shards,
            "session_start_limit": {
                "total": 1000,
                "remaining": 999,
                "reset_after": 86_400_000,
                "max_concurrency": 1,
            },
        }

    async def _get_me(self, req: RestRequest) -> Reply:
        return 200, self.bot_user

    async def _get_user(self, req: RestRequest) -> Reply:
        user = self.users.get(req.params["user_id"])
        if not user:
            raise RestError(404, 10013, "Unknown User")
        return 200, user

    async def _create_dm(self, req: RestRequest) -> Reply:
        rid = str((req.json or {}).get("recipient_id"))
        user = self.users.get(rid) or p.fake_user(rid)
        return 200, self._dm_channel_for(user)

    async def _get_application(self, req: RestRequest) -> Reply:
        return 200, {
            "id": self.application_id,
            "name": self.bot_user["username"],
            "icon": None,
            "description": "",
            "summary": "",
            "type": None,
            "bot_public": False,
            "bot_require_code_grant": False,
            "owner": self.owner,
            "team": None,
            "verify_key": "0" * 64,
            "flags": 0,
            "hook": True,
            "is_monetized": False,
            "redirect_uris": [],
            "interactions_endpoint_url": None,
            "role_connections_verification_url": None,
            "tags": [],
            "integration_types_config": {"0": {}},
            "approximate_guild_count": len(self.guilds),
            "bot": self.bot_user,
        }

    # -- guilds ------------------------------------------------------------------------------

    def _guild(self, req: RestRequest) -> JSON:
        guild = self.guilds.get(req.params["guild_id"])
        if guild is None:
            raise RestError(404, 10004, "Unknown Guild")
        return guild

    async def _get_guild(self, req: RestRequest) -> Reply:
        return 200, {k: v for k, v in self._guild(req).items() if k not in _GUILD_CREATE_ONLY}

    async def _get_guild_channels(self, req: RestRequest) -> Reply:
        return 200, self._guild(req)["channels"]

    async def _get_guild_roles(self, req: RestRequest) -> Reply:
        return 200, self._guild(req)["roles"]

    async def _list_members(self, req: RestRequest) -> Reply:
        guild = self._guild(req)
        limit = int(req.query.get("limit", 1))
        return 200, guild["members"][:limit]

    async def _get_member(self, req: RestRequest) -> Reply:
        guild = self._guild(req)
        member = self._member(guild["id"], req.params["user_id"])
        if not member:
            raise RestError(404, 10007, "Unknown Member")
        return 200, member
