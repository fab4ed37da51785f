"""The posts and authors that reach furthest in a set of mentions ("who is driving this"), on any backend.

The mentions are read page by page (newest first, at most ``sample``), so the answer is exact for windows up to
that size and a ranking of the newest ``sample`` beyond it (``sampled`` says so). An author is ranked by the
sum of the reach of their mentions (two posts of reach 50 weigh like one of 100); authors are kept apart per
platform, since the same name on two platforms is not the same person.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from index.base import MAX_LIMIT, Mention, MentionFilter, MentionStore, SearchRequest

DEFAULT_SAMPLE = 5000


@dataclass
class AuthorReach:
    """One author's mentions in the set: how many, their summed and largest reach, and the largest post."""

    platform: str
    author: str
    mentions: int = 0
    total_reach: float = 0.0
    max_reach: float = 0.0
    top_mention_id: str | None = None
    followers: int | None = None
    verified: bool | None = None


@dataclass
class TopReach:
    posts: list[Mention] = field(default_factory=list)
    authors: list[AuthorReach] = field(default_factory=list)
    scanned: int = 0
    sampled: bool = False


def top_by_reach(
    store: MentionStore,
    flt: MentionFilter,
    *,
    posts: int = 10,
    authors: int = 10,
    sample: int = DEFAULT_SAMPLE,
) -> TopReach:
    """The ``posts`` mentions of largest reach, and the ``authors`` of largest summed reach, among ``flt``
    (sources and authors alone, exact over any number of mentions: :meth:`MentionStore.reach_groups`)."""
    seen: list[Mention] = []
    cursor = None
    sampled = False
    while len(seen) < sample:
        page = store.search(SearchRequest(filter=flt, limit=MAX_LIMIT, cursor=cursor, highlight=False))
        seen.extend(hit.mention for hit in page.hits)
        if not page.next_cursor:
            break
        cursor = page.next_cursor
    else:
        sampled = True
    seen = seen[:sample]
    ranked = sorted((m for m in seen if m.reach is not None), key=lambda m: (-(m.reach or 0.0), m.id))
    by_author: dict[tuple[str, str], AuthorReach] = {}
    for m in ranked:
        if not m.author:
            continue
        entry = by_author.setdefault((m.platform, m.author), AuthorReach(m.platform, m.author, top_mention_id=m.id))
        entry.mentions += 1
        entry.total_reach = round(entry.total_reach + (m.reach or 0.0), 1)
        entry.max_reach = max(entry.max_reach, m.reach or 0.0)
        followers = m.extra.get("followers")
        if isinstance(followers, int) and (entry.followers is None or followers > entry.followers):
            entry.followers = followers
        if m.extra.get("verified") is True:
            entry.verified = True
    top_authors = sorted(by_author.values(), key=lambda a: (-a.total_reach, -a.max_reach, a.author))
    return TopReach(
        posts=ranked[:posts],
        authors=top_authors[:authors],
        scanned=len(seen),
        sampled=sampled,
    )
