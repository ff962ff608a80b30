"""Canary: after every flow that counts (web chat over HTTP, terminal, Teams through the real
CloudAdapter, follow-ups, a withdrawal, the adviser's desk), nothing in ``stats_counts``
joins to a signal: no value is or holds a signal id (or the short form the desk shows), a
receipt, an adviser id, a conversation or a date; the table has exactly its six columns;
and no log line, down to DEBUG, tells of a count."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from sqlalchemy import inspect, text

from bot.app import Services
from bot.stats.categories import MEASURES, QUARTERS
from tests.adapters.teams.conftest import SDK_WARNINGS, connector, endpoints, openid, signing_key
from tests.adapters.teams.fakes import FakeConnector, SigningKey
from tests.adapters.teams.test_full_flows import (
    app_client,
    leave_signal,
    services_of,
    teams_settings,
    user,
)
from tests.signals.conftest import (
    add_to_thread,
    adviser_in_teams,
    delete_signal,
    read_thread,
    signal_ids,
    submit_signal,
)
from tests.stats.channels import terminal_signal, web_chat_signal
from tests.stats.counting import every_row

pytestmark = [pytest.mark.filterwarnings(rule) for rule in SDK_WARNINGS]
__all__ = ["app_client", "connector", "endpoints", "openid", "signing_key", "teams_settings"]
Client = TestClient[web.Request, web.Application]
COLUMNS = {"organisation", "year", "quarter", "measure", "category", "count"}
ABOUT_COUNTING = ("stats", "statistic", "tally", "counted", "count update")


async def test_no_counter_joins_to_a_signal_an_adviser_or_a_moment(
    app_client: Client,
    connector: FakeConnector,
    signing_key: SigningKey,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    services = services_of(app_client)
    receipts = [
        await web_chat_signal(app_client, "Canary-Text-web"),
        await terminal_signal(services, "Canary-Text-console", "console-canary-1"),
    ]
    teams = user(app_client, connector, signing_key, "canary-stats", locale="en-US")
    await teams.install()
    await teams.press("topic:options")
    receipts.append((await leave_signal(teams, "Canary-Text-teams")).code)
    withdrawn = await submit_signal(services, "Canary-Text-withdrawn")
    receipts.append(withdrawn.receipt)
    await read_thread(withdrawn.person, withdrawn.receipt)
    await add_to_thread(withdrawn.person, withdrawn.receipt, "Canary-Text-added")
    ids = await signal_ids(services)
    dates = await _signal_dates(services)
    await delete_signal(withdrawn.person, withdrawn.receipt)
    desk = await adviser_in_teams(services, "aad-canary-stats", name="Canary Adviser")
    await desk.unlock()
    first, second, *rest = await signal_ids(services)
    await desk.write(first, "Canary-Text-reply")
    await desk.person.press(f"adviser:acknowledge:{second}")
    for signal_id in (first, second, *rest):
        await desk.close(signal_id)
    dates |= await _signal_dates(services)
    advisers = [a.id for a in await services.signals.registry.all()]

    rows = await every_row(services)
    assert rows, "the flows counted something"
    forbidden = {
        *ids,
        *(i[:8] for i in ids),
        *receipts,
        *(r.replace("-", "") for r in receipts),
        *advisers,
        *dates,
        teams.conversation_id,
        teams.aad_id,
        "console-canary-1",
    }
    for row in rows:
        for value in row:
            shown = str(value).lower()
            for secret in forbidden:
                assert secret.lower() not in shown, f"{secret!r} in a counter: {row}"
    for organisation, year, quarter, measure, category, n in rows:
        assert organisation == "" and year == datetime.now(UTC).year and 1 <= quarter <= 4
        assert f"Q{quarter}" in QUARTERS and n > 0
        assert category in MEASURES[measure], (measure, category)
    assert await _columns(services) == COLUMNS

    about = [
        f"{r.name}: {r.getMessage()}"
        for r in caplog.records
        if r.name.startswith("meldwijzer.stats")
        or any(word in r.getMessage().lower() for word in ABOUT_COUNTING)
    ]
    assert about == []


async def _signal_dates(services: Services) -> set[str]:
    """Every date a signal row holds, as ISO and as it is stored, and today."""
    found = {date.today().isoformat(), datetime.now(UTC).date().isoformat()}
    async with services.sessions() as db:
        result = await db.execute(
            text("SELECT created_on, acknowledged_on, closed_on FROM signals")
        )
        for row in result.all():
            found |= {str(value) for value in row if value is not None}
    return found


async def _columns(services: Services) -> set[str]:
    async with services.engine.connect() as connection:
        columns: list[dict[str, Any]] = await connection.run_sync(
            lambda sync: inspect(sync).get_columns("stats_counts")
        )
    return {c["name"] for c in columns}
