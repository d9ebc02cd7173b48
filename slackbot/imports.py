"""FAQ import from a file an admin shares in the DM with the app (CSV, JSON or .xlsx).

Rows update the FAQs they name (by id, else by question) and add the rest, all or nothing,
as ``faqbot faq import`` does; nothing is removed here. The file is read with ``files.info``
and its ``url_private`` (bot token), at most the import size limit.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import aiohttp

from chat import messages
from chat.errors import reply_for
from faq import transfer
from faq.import_plan import import_summary
from slackbot import blocks as bk
from slackbot import texts

if TYPE_CHECKING:
    from slackbot.adapter import SlackAdapter

log = logging.getLogger(__name__)

MAX_FILE_BYTES = 5 * 1024 * 1024


async def _download(adapter: SlackAdapter, url: str, token: str) -> bytes:
    async with (
        aiohttp.ClientSession() as session,
        session.get(url, headers={"Authorization": f"Bearer {token}"}, allow_redirects=False) as r,
    ):
        if r.status != 200:
            raise OSError(f"url_private answered {r.status}")
        return await r.content.read(MAX_FILE_BYTES + 1)


async def import_shared_file(adapter: SlackAdapter, body: dict[str, Any], context: Any, event: dict[str, Any]) -> None:
    scope = adapter.scope(body, context)
    user = event["user"]
    channel = event["channel"]
    if scope is None or not await adapter.is_admin(scope, user):
        await adapter.post(channel, bk.text_message(texts.IMPORT_NOT_ADMIN))
        return
    try:
        file_id = event["files"][0]["id"]
        info = (await adapter.client.files_info(file=file_id))["file"]
        if int(info.get("size") or 0) > MAX_FILE_BYTES:
            await adapter.post(channel, bk.text_message(messages.file_too_big(int(info["size"]), MAX_FILE_BYTES)))
            return
        try:
            data = await _download(adapter, info["url_private_download"], adapter.client.token or "")
        except (OSError, aiohttp.ClientError) as exc:
            log.warning("downloading shared file %s failed: %s", file_id, exc)
            await adapter.post(channel, bk.text_message(texts.IMPORT_UNREADABLE))
            return
        if len(data) > MAX_FILE_BYTES:
            await adapter.post(channel, bk.text_message(messages.file_too_big(len(data), MAX_FILE_BYTES)))
            return
        rows = transfer.read_rows(data, transfer.detect_format(info.get("name") or "", data))
        result = await adapter.core.service.import_rows(scope, rows, f"slack:{user}")
        await adapter.post(channel, bk.text_message(messages.imported(import_summary(result), len(rows))))
    except Exception as exc:
        await adapter.report(None, exc, "import")
        found = reply_for(exc)  # a bad file: every problem with its line, nothing changed
        if found is not None:
            await adapter.post(channel, bk.text_message(bk.escape(found.message(exc))))
