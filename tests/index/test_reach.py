"""Reach: the formula's properties, its presence on every mention of the captured platforms that carry the
fields, and a re-crawl with grown engagement updating the stored reach and remembering the previous one."""

from __future__ import annotations

import glob
import hashlib
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from crawlers.items import MentionItem
from crawlers.platforms import get_platform
from index.base import Mention
from index.reach import carry_reach, engagement, influence, reach
from index.sqlite import SQLiteMentionStore

NOW = datetime(2026, 12, 3, 8, 0, tzinfo=UTC)


def test_no_data_is_no_reach_not_zero() -> None:
    assert reach("rss", None, None, None, {}) is None
    assert reach("weibo", 0, 0, 0, {}) == 0.0


def test_engagement_weighs_shares_most() -> None:
    assert engagement(10, None, None, {}) == 10
    assert engagement(0, 0, 10, {}) == 30 and engagement(0, 10, 0, {}) == 20
    assert engagement(None, None, None, {"collects": 5, "views": 1000}) == 20


def test_reach_grows_with_engagement_and_is_capped() -> None:
    values = [reach("douyin", likes, 0, 0, {}) or 0.0 for likes in (0, 10, 1000, 100_000, 10_000_000)]
    assert values == sorted(values) and values[0] == 0.0 and values[-1] == 100.0
    assert all(0 <= v <= 100 for v in values)


def test_normalised_per_platform() -> None:
    # Ten likes are nothing on Douyin and a lot for a Taobao review.
    douyin, taobao = reach("douyin", 10, 0, 0, {}), reach("taobao", 10, 0, 0, {})
    assert douyin is not None and taobao is not None and taobao > douyin * 1.5


def test_influence_floors_and_levels() -> None:
    assert influence("weibo", {}) is None
    assert influence("weibo", {"verified": True}) == pytest.approx(0.6)
    assert influence("douyin", {"account_type": "enterprise", "verified": False}) == pytest.approx(0.5)
    assert influence("weibo", {"followers": 10_000_000}) == pytest.approx(1.0)
    assert influence("taobao", {"buyer_level": 10}) == pytest.approx(0.5)
    # A verified account's fresh post outweighs an anonymous one with the same (no) engagement.
    big = reach("weibo", 0, 0, 0, {"followers": 2_000_000, "verified": True})
    small = reach("weibo", 0, 0, 0, {})
    assert big is not None and small is not None and big > 80 > small


CAPTURES = {
    "xiaohongshu": "fixtures/xiaohongshu/*.json",
    "douyin": "fixtures/douyin/*.json",
    "taobao": "fixtures/taobao/*.json",
    "weibo": "fixtures/weibo/*.json",
    "bilibili": "fixtures/bilibili/*.json",
}


@pytest.mark.parametrize("platform", sorted(CAPTURES))
def test_every_captured_mention_has_a_reach(shared_dir: Path, platform: str) -> None:
    parser = get_platform(platform)
    count = 0
    for path in sorted(glob.glob(str(shared_dir / CAPTURES[platform]))):
        for item in parser.parse_any(Path(path).read_bytes(), now=NOW).items:
            mention = item.to_mention(NOW)
            assert mention.reach is not None and 0 <= mention.reach <= 100, (path, item.post_id)
            count += 1
    assert count > 0


def test_weibo_author_influence_from_the_capture(shared_dir: Path) -> None:
    body = (shared_dir / "fixtures/weibo/m_weibo_cn_getIndex_user_timeline_107603.json").read_bytes()
    item = get_platform("weibo").parse_any(body, now=NOW).items[0]
    assert item.extra["followers"] == 586975 and item.extra["verified"] is True
    assert item.extra["verified_reason"] == "知名游戏博主"
    assert (influence("weibo", item.extra) or 0) > 0.8


def _item(likes: int) -> MentionItem:
    return MentionItem(
        platform="douyin", post_id="7565738211130035491", text="先达手机翻车", likes=likes, comments=3, published_at=NOW
    )


def test_recrawl_updates_reach_and_remembers_the_previous(tmp_path: Path) -> None:
    store = SQLiteMentionStore.at(tmp_path / "m.sqlite3")
    store.ensure_schema()
    try:
        first = _item(10).to_mention(NOW)
        assert store.upsert([carry_reach(first, None)]).created == [first.id]
        stored = store.get(first.id)
        assert stored is not None and stored.reach == first.reach and "reach_prev" not in stored.extra

        grown = carry_reach(_item(50_000).to_mention(NOW + timedelta(hours=1)), stored)
        assert store.upsert([grown]).updated == [first.id]
        again = store.get(first.id)
        assert again is not None and again.reach is not None and first.reach is not None
        assert again.reach > first.reach
        assert again.extra["reach_prev"] == first.reach and again.extra["reach_prev_at"] == NOW.isoformat()

        # The same counts crawled again: nothing changed, the remembered reach stays.
        same = carry_reach(_item(50_000).to_mention(NOW + timedelta(hours=2)), again)
        assert store.upsert([same]).unchanged == [first.id]
    finally:
        store.close()


def test_mentions_stored_before_reach_keep_their_hash() -> None:
    """The hash of a mention without reach (or category) is computed exactly as before those fields existed."""
    mention = _item(1).to_mention(NOW)
    without = Mention.model_validate({**mention.model_dump(), "reach": None, "content_hash": ""})
    # date_estimated, like reach and category, is left out of the hash while it has its old (absent) value.
    old_fields = {"collected_at", "updated_at", "content_hash", "reach", "category"}
    if not without.date_estimated:
        old_fields.add("date_estimated")
    payload = without.model_dump(mode="json", exclude=old_fields)
    raw = json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()
    assert without.content_hash == hashlib.blake2b(raw, digest_size=16).hexdigest()
    assert mention.content_hash != without.content_hash  # a reach is content
