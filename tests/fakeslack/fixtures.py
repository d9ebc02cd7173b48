"""pytest fixtures: ``fake_slack`` (Socket Mode, two workspaces of one Enterprise Grid org).

At teardown the test fails if the app sent something Slack refuses, pinged anyone, or left a
Socket Mode envelope unacknowledged (or acknowledged it after 3 s).
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_asyncio

from .server import FakeSlack

TEAMS = (("T0000000001", "likelion-hanbit"), ("T0000000002", "likelion-other"))


@pytest_asyncio.fixture
async def fake_slack() -> AsyncIterator[FakeSlack]:
    async with FakeSlack(teams=TEAMS, enterprise_id="E0000000001") as fs:
        yield fs
        fs.assert_clean()
