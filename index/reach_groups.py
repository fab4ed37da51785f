"""The shapes of :meth:`index.base.MentionStore.reach_groups`: the sources and authors whose mentions reach furthest.

Counted by the store in one query (SQLite: a GROUP BY over the filtered mentions; Elasticsearch: terms
aggregations with sum and max sub-aggregations on ``reach``), so the answer is exact for any number of mentions.
Both backends order alike, so their lists are equal (``tests/index/test_brand_contract.py``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from index.base import Mention


@dataclass
class ReachGroup:
    """The mentions of one source or one author on one platform (the same name on two platforms is not the same
    account): how many, their summed and largest reach (rounded to 0.1), and, for an author, the follower count
    their furthest-reaching mention carried (``extra.followers``; ties: the smallest mention id)."""

    platform: str
    name: str
    mentions: int
    total_reach: float
    max_reach: float
    followers: int | None = None


@dataclass
class ReachGroups:
    """``sources``: every matching mention counted under its crawl source (without a reach it adds to
    ``mentions``, not to the reach), by summed reach, then mentions, then name. ``authors``: only mentions with an
    author and a reach, by summed reach, then largest reach, then name. ``total``: the matching mentions."""

    sources: list[ReachGroup] = field(default_factory=list)
    authors: list[ReachGroup] = field(default_factory=list)
    total: int = 0


def followers_of(value: object) -> int | None:
    """A follower count read from a mention's free-form ``extra``: a whole number, else ``None``."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def group_mentions(mentions: Iterable[Mention], *, sources: int, authors: int) -> ReachGroups:
    """:class:`ReachGroups` counted from the mentions themselves: what the stores answer in one query, for a
    store that has no such query (and for the contract tests, which check the stores against it)."""
    by_source: dict[tuple[str, str], list[float]] = {}
    by_author: dict[tuple[str, str], list[tuple[float, str, int | None]]] = {}
    total = 0
    for m in mentions:
        total += 1
        by_source.setdefault((m.platform, m.source), []).append(m.reach or 0.0)
        if m.author and m.reach is not None:
            by_author.setdefault((m.platform, m.author), []).append(
                (m.reach, m.id, followers_of(m.extra.get("followers")))
            )
    source_rows = [
        ReachGroup(platform, name, len(reaches), round(sum(reaches), 1), round(max(reaches), 1))
        for (platform, name), reaches in by_source.items()
    ]
    author_rows = []
    for (platform, name), posts in by_author.items():
        furthest = min(posts, key=lambda p: (-p[0], p[1]))
        reach = [p[0] for p in posts]
        author_rows.append(
            ReachGroup(platform, name, len(posts), round(sum(reach), 1), round(furthest[0], 1), furthest[2])
        )
    source_rows.sort(key=lambda g: (-g.total_reach, -g.mentions, g.name, g.platform))
    author_rows.sort(key=lambda g: (-g.total_reach, -g.max_reach, g.name, g.platform))
    return ReachGroups(sources=source_rows[:sources], authors=author_rows[:authors], total=total)
