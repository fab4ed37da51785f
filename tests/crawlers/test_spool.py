"""The on-disk retry queue: survives restarts, replays, sets aside what the store refuses for good."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from crawlers.spool import Spool
from index.base import Mention, WriteResult
from tests.factories import make_mention


def _store(deferred: set[str] = frozenset(), failed: set[str] = frozenset()):  # type: ignore[assignment]
    stored: dict[str, Mention] = {}

    def upsert(mentions: Sequence[Mention]) -> WriteResult:
        result = WriteResult()
        for m in mentions:
            if m.post_id in deferred:
                result.deferred[m.id] = "HTTP 503: unavailable_shards_exception"
            elif m.post_id in failed:
                result.failed[m.id] = "mapper_parsing_exception"
            else:
                stored[m.id] = m
                result.created.append(m.id)
        return result

    return upsert, stored


def test_queued_mentions_survive_a_restart_and_leave_the_queue_once_stored(tmp_path: Path):
    mentions = [make_mention(post_id=f"q{i}") for i in range(3)]
    Spool(tmp_path, "forum").add(mentions, {m.id: "HTTP 503" for m in mentions})
    again = Spool(tmp_path, "forum")  # a new process
    assert sorted(m.post_id for m in again.pending()) == ["q0", "q1", "q2"]

    upsert, stored = _store(deferred={"q2"})
    outcome = again.replay(upsert)
    assert (outcome.stored, outcome.rejected, outcome.kept) == (2, 0, 1)
    assert sorted(m.post_id for m in stored.values()) == ["q0", "q1"]
    assert [m.post_id for m in again.pending()] == ["q2"]

    upsert, stored = _store()
    assert again.replay(upsert).stored == 1 and [m.post_id for m in stored.values()] == ["q2"]
    assert not again.path.exists()


def test_refused_for_good_is_set_aside_and_counted_and_a_torn_line_is_not_lost(tmp_path: Path):
    spool = Spool(tmp_path, "forum")
    spool.add([make_mention(post_id="bad"), make_mention(post_id="good")], {})
    with spool.path.open("a", encoding="utf-8") as fh:
        fh.write('{"reason": "", "mention": {"id": "tru')  # a crash mid-write
    upsert, stored = _store(failed={"bad"})
    outcome = spool.replay(upsert)
    assert [m.post_id for m in stored.values()] == ["good"]
    assert (outcome.stored, outcome.rejected, outcome.kept) == (1, 1, 0)
    rejected = spool.rejected_path.read_text(encoding="utf-8")
    assert "mapper_parsing_exception" in rejected and "unreadable spool line" in rejected
