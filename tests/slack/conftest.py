from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest_asyncio

from tests.fakeslack import FakeSlack
from tests.slack.helpers import ENTERPRISE, TEAMS, SlackWorld, make_world


@pytest_asyncio.fixture
async def world(tmp_path: Path) -> AsyncIterator[SlackWorld]:
    async with FakeSlack(teams=TEAMS, enterprise_id=ENTERPRISE) as fs:
        yield make_world(fs, tmp_path / "faq.db")
        fs.assert_clean()


@pytest_asyncio.fixture
async def http_world(tmp_path: Path) -> AsyncIterator[SlackWorld]:
    async with FakeSlack(teams=TEAMS, enterprise_id=ENTERPRISE, mode="http") as fs:
        yield make_world(fs, tmp_path / "faq.db")
        fs.assert_clean()
