"""Reach: how far one mention is likely to travel, as one figure from 0 to 100, comparable across platforms.

A verified account with two million followers and an anonymous comment must not weigh the same. Reach mixes
two things a parser reads from the platform's answer:

- **engagement** ``E = likes + 2·comments + 3·shares + 2·collects + views/100``: sharing spreads a post to new
  audiences, so it weighs most; commenting and collecting (收藏) take more than a tap; a view is passive.
- **author influence**: followers, a verification badge (微博 V, 抖音 custom_verify, 知乎 badge), an
  organisation account, or a buyer level (Taobao ``userStar``).

Each is put on a log scale and normalised **per platform** by what counts as big there (a Douyin video with
10,000 likes is ordinary; a Taobao review with ten is not): ``e = log10(1+E) / log10(1+E_ref)`` and
``i = log10(1+F) / log10(1+F_ref)``, both capped at 1. A verified author has ``i ≥ 0.6``, an organisation
``i ≥ 0.5``. The two combine as "either can carry it": ``reach = 100 · (1 − (1−e)(1−i))``, so a big account's
fresh post and an anonymous post gone viral both score high.

The references (:data:`ENGAGEMENT_REF`, :data:`FOLLOWER_REF`) are orders of magnitude. Where the shared
captures carry counts they were checked against them (engagement of search results: Douyin videos median 90,681,
max 13,376,821; Bilibili videos median 32,689, max 1,534,117; Xiaohongshu notes median 1,901, max 11,308;
Hacker News stories max 476; App Store reviews max 3), so that the biggest captured post of a platform comes
close to 1 without capping the ordinary ones. They are a starting point to tune on one's own history, not
measured truths.

A mention whose answer carries none of these fields (a feed item, a news article) has no reach (``None``),
which is not the same as 0.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from index.base import Mention

#: Engagement at which a post counts as fully spread on each platform (``e`` reaches 1).
ENGAGEMENT_REF: dict[str, float] = {
    "douyin": 10_000_000,
    "bilibili": 1_000_000,
    "xiaohongshu": 100_000,
    "weibo": 100_000,
    "youtube": 100_000,
    "zhihu": 20_000,
    "reddit": 20_000,
    "hackernews": 2_000,
    "tieba": 2_000,
    "heimao": 2_000,
    "google_play": 1_000,
    "app_store": 200,
    "trustpilot": 200,
    "taobao": 200,
}
DEFAULT_ENGAGEMENT_REF = 10_000.0
#: Followers at which an author counts as fully influential on each platform (``i`` reaches 1).
FOLLOWER_REF: dict[str, float] = {
    "douyin": 10_000_000,
    "weibo": 10_000_000,
    "youtube": 10_000_000,
    "xiaohongshu": 1_000_000,
    "bilibili": 1_000_000,
    "zhihu": 1_000_000,
}
DEFAULT_FOLLOWER_REF = 1_000_000.0
VERIFIED_FLOOR = 0.6
ORGANIZATION_FLOOR = 0.5
#: Taobao buyer credit levels run 1–20 (hearts, diamonds, crowns, golden crowns).
BUYER_LEVELS = 20.0

WEIGHTS = {"likes": 1.0, "comments": 2.0, "shares": 3.0, "collects": 2.0, "views": 0.01}


def _number(value: Any) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if number >= 0 and math.isfinite(number) else None


def _scale(value: float, reference: float) -> float:
    return min(1.0, math.log10(1 + value) / math.log10(1 + reference))


def engagement(likes: int | None, comments: int | None, reposts: int | None, extra: Mapping[str, Any]) -> float | None:
    """The weighted engagement of a mention, or ``None`` when its answer carried no count at all."""
    counts = {
        "likes": _number(likes),
        "comments": _number(comments),
        "shares": _number(reposts if reposts is not None else extra.get("shares")),
        "collects": _number(extra.get("collects", extra.get("favorites"))),
        "views": _number(extra.get("views")),
    }
    if all(v is None for v in counts.values()):
        return None
    return sum(WEIGHTS[k] * v for k, v in counts.items() if v is not None)


def influence(platform: str, extra: Mapping[str, Any]) -> float | None:
    """The author's influence from 0 to 1, or ``None`` when nothing about the author is known."""
    followers = _number(extra.get("followers"))
    level = _number(extra.get("buyer_level"))
    verified = extra.get("verified")
    organization = extra.get("account_type") in ("organization", "enterprise")
    if followers is None and level is None and verified is None and not organization:
        return None
    value = 0.0
    if followers is not None:
        value = _scale(followers, FOLLOWER_REF.get(platform, DEFAULT_FOLLOWER_REF))
    if level is not None:
        value = max(value, min(1.0, level / BUYER_LEVELS))
    if verified is True:
        value = max(value, VERIFIED_FLOOR)
    if organization:
        value = max(value, ORGANIZATION_FLOOR)
    return value


def reach(
    platform: str,
    likes: int | None,
    comments: int | None,
    reposts: int | None,
    extra: Mapping[str, Any],
) -> float | None:
    """The reach of a mention from 0 to 100 (see the module doc), rounded to 0.1; ``None`` without data."""
    total = engagement(likes, comments, reposts, extra)
    author = influence(platform, extra)
    if total is None and author is None:
        return None
    e = _scale(total, ENGAGEMENT_REF.get(platform, DEFAULT_ENGAGEMENT_REF)) if total is not None else 0.0
    i = author or 0.0
    return round(100 * (1 - (1 - e) * (1 - i)), 1)


def carry_reach(new: Mention, old: Mention | None) -> Mention:
    """``new`` (a re-crawled mention) remembering the reach ``old`` (its stored version) had, in
    ``extra["reach_prev"]`` and ``extra["reach_prev_at"]``, so a rule can see engagement grow between two crawls.

    Unchanged reach keeps the remembered values as they were: a re-crawl that changed nothing stays unchanged.
    """
    if old is None or new.reach is None:
        return new
    extra = dict(new.extra)
    if old.reach is not None and old.reach != new.reach:
        extra["reach_prev"] = old.reach
        extra["reach_prev_at"] = old.updated_at.isoformat()
    else:
        for key in ("reach_prev", "reach_prev_at"):
            if key in old.extra:
                extra[key] = old.extra[key]
    if extra == new.extra:
        return new
    return Mention.model_validate({**new.model_dump(), "extra": extra, "content_hash": ""})
