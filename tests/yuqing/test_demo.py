"""The offline demo end to end, twice: mentions in, alerts fired, tickets opened, nothing duplicated."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from foundation.db import Database
from index.base import MentionFilter
from index.sqlite import SQLiteMentionStore
from tests.yuqing.serve_line import check_pasted_serve_line
from tickets.schemas import TicketQuery
from tickets.store import TicketStore

pytestmark = pytest.mark.slow


def run_demo(data_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("YUQING_")}
    return subprocess.run(
        [sys.executable, "-m", "yuqing", "demo", "--data-dir", str(data_dir)],
        capture_output=True,
        text=True,
        env=env,
        timeout=240,
        check=False,
    )


def test_demo_cycle_is_complete_and_idempotent(tmp_path: Path) -> None:
    data = tmp_path / "demo"
    first = run_demo(data)
    assert first.returncode == 0, first.stdout + first.stderr
    out = first.stdout
    for expected in (
        "demo-news",
        "demo-forum",
        "demo-reviews",
        "鲜达外卖",
        "光屿手机",
        "FIRED: new ticket",
        "Alerts fired this run: 7 (4 opened a ticket, 3 added to an open one)",
        "Tickets opened this run: 4 (FBD",
        "Where the data lives",
    ):
        assert expected in out, expected
    assert "robots.txt disallows" in out  # the members' area was not crawled

    mentions = SQLiteMentionStore.at(data / "mentions.sqlite3")
    db = Database(f"sqlite:///{data / 'yuqing.sqlite3'}")
    tickets = TicketStore(db)
    try:
        count = mentions.count(MentionFilter())
        assert count == 19
        assert mentions.count(MentionFilter(brands=["鲜达外卖"])) == 13
        assert mentions.count(MentionFilter(text="会员专区")) == 0
        found = tickets.find(TicketQuery()).items
        assert len(found) == 4 and all(t.brand == "鲜达外卖" and t.origin.value == "alert" for t in found)
        # The crisis post was already in the negative-share ticket: it was added there and made it urgent.
        [share] = [t for t in found if len(t.mentions) > 1]
        assert share.priority.value == "urgent" and share.title.startswith("负面占比告警")
        assert sorted(len(t.mentions) for t in found) == [1, 1, 1, len(share.mentions)]

        # The printed next step, pasted as it is into a shell in another folder, serves the data.
        [line] = [ln for ln in out.splitlines() if ln.rstrip().endswith(" serve")]
        key = dict(word.split("=", 1) for word in shlex.split(line) if "=" in word)["YUQING_API_KEYS"]
        check_pasted_serve_line(line, key, tmp_path)

        second = run_demo(data)
        assert second.returncode == 0, second.stdout + second.stderr
        assert "Tickets opened this run: 0" in second.stdout and "still firing" in second.stdout
        assert "alerted earlier" in second.stdout and "Alerts fired this run: 0" in second.stdout
        assert "Mentions in the index: 19 (0 new this run)" in second.stdout
        assert mentions.count(MentionFilter()) == count
        assert [t.id for t in tickets.find(TicketQuery()).items] == [t.id for t in found]
    finally:
        mentions.close()
        db.close()
