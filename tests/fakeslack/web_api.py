"""The Web API methods the fake implements, as Slack answers them (``{"ok": false, "error": …}``).

Each handler takes the call's arguments and returns the ``ok: true`` body or raises
:class:`SlackError`. :class:`WebApiMixin` is part of :class:`~tests.fakeslack.server.FakeSlack`
and reads its state (teams, users, channels, posted messages, views, triggers, files).
"""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING, Any

from .blocks import MESSAGE_TEXT, message_problems, view_problems
from .state import TRIGGER_TTL_S, Posted, SlackFile, View

if TYPE_CHECKING:
    from .server import FakeSlack


class SlackError(Exception):
    def __init__(self, error: str, **extra: Any) -> None:
        super().__init__(error)
        self.error = error
        self.extra = extra


def _invalid(error: str, problems: list[str]) -> SlackError:
    return SlackError(error, errors=problems, response_metadata={"messages": problems})


def _view_hash(view: dict[str, Any]) -> str:
    return hashlib.sha1(json.dumps(view, sort_keys=True).encode()).hexdigest()[:16]


class WebApiMixin:
    def _handlers(self: FakeSlack) -> dict[str, Any]:
        return {
            "auth.test": self._auth_test,
            "chat.postMessage": self._post_message,
            "chat.postEphemeral": self._post_ephemeral,
            "chat.update": self._chat_update,
            "views.open": self._views_open,
            "views.update": self._views_update,
            "views.publish": self._views_publish,
            "users.info": self._users_info,
            "usergroups.users.list": self._usergroup_users,
            "apps.connections.open": self._connections_open,
            "files.upload": self._files_upload,
            "files.getUploadURLExternal": self._files_upload_url,
            "files.completeUploadExternal": self._files_complete,
            "files.info": self._files_info,
        }

    # ---- auth -----------------------------------------------------------------------------------

    async def _auth_test(self: FakeSlack, args: dict[str, Any]) -> dict[str, Any]:
        team = self.teams[0]
        return {
            "url": f"https://{team.domain}.slack.com/",
            "team": team.name,
            "user": self.bot_name,
            "team_id": team.id,
            "user_id": self.bot_user_id,
            "bot_id": self.bot_id,
            "enterprise_id": team.enterprise_id,
            "is_enterprise_install": self.org_install,
        }

    async def _connections_open(self: FakeSlack, args: dict[str, Any]) -> dict[str, Any]:
        ticket = self.ids.secret()
        self.socket.tickets.add(ticket)
        return {"url": f"ws://{self.host}:{self.port}/link/?ticket={ticket}&app_id={self.app_id}"}

    # ---- messages ------------------------------------------------------------------------------

    def _channel(self: FakeSlack, channel_id: Any):
        if str(channel_id) in self.users:  # docs: a user id as channel posts in the app's DM with them
            return self.im(self.users[str(channel_id)])
        channel = self.channels.get(str(channel_id))
        if channel is None:
            raise SlackError("channel_not_found")
        if channel.kind != "im" and self.bot_user_id not in channel.members:
            raise SlackError("not_in_channel")
        return channel

    def _message_content(self: FakeSlack, args: dict[str, Any], *, require: bool = True) -> tuple[str, list[Any]]:
        text = args.get("text") or ""
        blocks = args.get("blocks") or []
        if require and not text and not blocks:
            raise SlackError("no_text")
        if len(text) > MESSAGE_TEXT:
            raise SlackError("msg_too_long")
        problems = message_problems(blocks) if "blocks" in args else []
        if problems:
            raise _invalid("invalid_blocks", problems)
        return text, blocks

    async def _post_message(self: FakeSlack, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(args.get("channel"))
        text, blocks = self._message_content(args)
        thread_ts = args.get("thread_ts") or None
        if thread_ts is not None and not any(m.ts == thread_ts and m.channel == channel.id for m in self.messages):
            raise SlackError("thread_not_found")  # docs: a thread_ts that names no message in the channel
        posted = Posted(
            channel=channel.id,
            ts=self.ids.ts(),
            text=text,
            blocks=blocks,
            user=self.bot_user_id,
            team_id=channel.team_id,
            thread_ts=thread_ts,
            bot_id=self.bot_id,
        )
        posted_pings = self.pings_of(args)
        self.messages.append(posted)
        self.pinged.extend(posted_pings)
        if self.echo_bot_messages:
            self.schedule_echo(posted)  # Slack sends the bot's own messages back as message events
        return {"channel": channel.id, "ts": posted.ts, "message": self.message_payload(posted)}

    async def _post_ephemeral(self: FakeSlack, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(args.get("channel"))
        user = str(args.get("user"))
        if user not in self.users:
            raise SlackError("user_not_found")
        if channel.kind != "im" and user not in channel.members:
            raise SlackError("user_not_in_channel")
        text, blocks = self._message_content(args)
        posted = Posted(
            channel=channel.id,
            ts=self.ids.ts(),
            text=text,
            blocks=blocks,
            user=self.bot_user_id,
            team_id=channel.team_id,
            thread_ts=args.get("thread_ts") or None,
            ephemeral_to=user,
            bot_id=self.bot_id,
        )
        self.messages.append(posted)
        self.pinged.extend(self.pings_of(args))
        return {"message_ts": posted.ts}

    async def _chat_update(self: FakeSlack, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(args.get("channel"))
        found = self.find_message(channel.id, str(args.get("ts")))
        if found is None or found.ephemeral_to is not None:
            raise SlackError("message_not_found")
        if found.user != self.bot_user_id:
            raise SlackError("cant_update_message")
        text, blocks = self._message_content(args, require=False)
        if "text" in args:
            found.text = text
        if "blocks" in args:
            found.blocks = blocks
        found.edits += 1
        self.pinged.extend(self.pings_of(args))
        return {"channel": channel.id, "ts": found.ts, "text": found.text, "message": self.message_payload(found)}

    # ---- views ---------------------------------------------------------------------------------

    def _checked_view(self: FakeSlack, args: dict[str, Any], kind: str) -> dict[str, Any]:
        view = args.get("view")
        if isinstance(view, dict) and view.get("type") != kind:
            raise _invalid("invalid_arguments", [f"[ERROR] must be {kind} [json-pointer:/view/type]"])
        problems = view_problems(view)
        if problems:
            raise _invalid("invalid_arguments", problems)
        assert isinstance(view, dict)
        return view

    def _view_payload(self: FakeSlack, stored: View) -> dict[str, Any]:
        view = dict(stored.view)
        view.update(
            id=stored.id,
            team_id=stored.team_id,
            hash=stored.hash,
            app_id=self.app_id,
            bot_id=self.bot_id,
            state={"values": {}},
            private_metadata=view.get("private_metadata", ""),
            callback_id=view.get("callback_id", ""),
        )
        return view

    async def _views_open(self: FakeSlack, args: dict[str, Any]) -> dict[str, Any]:
        trigger = self.triggers.get(str(args.get("trigger_id")))
        if trigger is None:
            raise SlackError("invalid_trigger_id")
        if trigger.used:
            raise SlackError("exchanged_trigger_id")
        if self.clock() - trigger.issued > TRIGGER_TTL_S:
            raise SlackError("expired_trigger_id")
        view = self._checked_view(args, "modal")
        trigger.used = True
        stored = View(self.ids.new("V"), trigger.team_id, trigger.user, view, _view_hash(view))
        self.views[stored.id] = stored
        return {"view": self._view_payload(stored)}

    async def _views_update(self: FakeSlack, args: dict[str, Any]) -> dict[str, Any]:
        view_id = args.get("view_id")
        stored = self.views.get(str(view_id)) if view_id else None
        if stored is None and args.get("external_id"):
            stored = next((v for v in self.views.values() if v.view.get("external_id") == args["external_id"]), None)
        if stored is None or stored.closed:
            raise SlackError("not_found")
        if args.get("hash") and args["hash"] != stored.hash:
            raise SlackError("hash_conflict")
        stored.view = self._checked_view(args, stored.kind)
        stored.hash = _view_hash(stored.view)
        return {"view": self._view_payload(stored)}

    async def _views_publish(self: FakeSlack, args: dict[str, Any]) -> dict[str, Any]:
        user = str(args.get("user_id"))
        if user not in self.users:
            raise SlackError("user_not_found")
        view = self._checked_view(args, "home")
        stored = self.home_views.get(user)
        if stored is not None and args.get("hash") and args["hash"] != stored.hash:
            raise SlackError("hash_conflict")
        stored = View(self.ids.new("V"), self.users[user].team_id, user, view, _view_hash(view), kind="home")
        self.home_views[user] = stored
        return {"view": self._view_payload(stored)}

    # ---- users and groups ----------------------------------------------------------------------

    async def _users_info(self: FakeSlack, args: dict[str, Any]) -> dict[str, Any]:
        user = self.users.get(str(args.get("user")))
        if user is None:
            raise SlackError("user_not_found")
        return {"user": user.payload(self.team(user.team_id).enterprise_id)}

    async def _usergroup_users(self: FakeSlack, args: dict[str, Any]) -> dict[str, Any]:
        group = self.usergroups.get(str(args.get("usergroup")))
        if group is None:
            raise SlackError("no_such_subteam")
        return {"users": sorted(group)}

    # ---- files ---------------------------------------------------------------------------------

    async def _files_upload(self: FakeSlack, args: dict[str, Any]) -> dict[str, Any]:
        # Current docs: files.upload was retired on 2025-11-12 (the 2021 spec still lists it).
        raise SlackError("method_deprecated")

    async def _files_upload_url(self: FakeSlack, args: dict[str, Any]) -> dict[str, Any]:
        f = SlackFile(self.ids.new("F"), self.teams[0].id, str(args["filename"]), b"", self.bot_user_id)
        f.expected = int(args["length"])  # type: ignore[attr-defined]
        self.files[f.id] = f
        return {"upload_url": f"{self.base_url}upload/{f.id}", "file_id": f.id}

    async def _files_complete(self: FakeSlack, args: dict[str, Any]) -> dict[str, Any]:
        entries = args.get("files")
        if not isinstance(entries, list) or not entries:
            raise _invalid("invalid_arguments", ["[ERROR] files must be a non-empty array"])
        channel_id = args.get("channel_id") or args.get("channels")
        channel = self._channel(channel_id) if channel_id else None
        done = []
        for entry in entries:
            f = self.files.get(str((entry or {}).get("id")))
            if f is None or len(f.content) != getattr(f, "expected", -1):
                raise SlackError("file_not_found" if f is None else "upload_incomplete")
            f.title = entry.get("title") or f.name
            f.complete = True
            if channel is not None:
                f.channel = channel.id
                f.team_id = channel.team_id
                self.messages.append(
                    Posted(
                        channel=channel.id,
                        ts=self.ids.ts(),
                        text=str(args.get("initial_comment") or ""),
                        blocks=[],
                        user=self.bot_user_id,
                        team_id=channel.team_id,
                        thread_ts=args.get("thread_ts") or None,
                        bot_id=self.bot_id,
                    )
                )
                self.messages[-1].files = [f.id]  # type: ignore[attr-defined]
            done.append({"id": f.id, "title": f.title})
        return {"files": done}

    async def _files_info(self: FakeSlack, args: dict[str, Any]) -> dict[str, Any]:
        f = self.files.get(str(args.get("file")))
        if f is None or not f.complete:
            raise SlackError("file_not_found")
        return {"file": f.payload(self.base_url)}
