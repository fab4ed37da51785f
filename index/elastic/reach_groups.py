""":meth:`~index.base.MentionStore.reach_groups` on Elasticsearch: one search of terms aggregations.

Per platform, the sources (and, among mentions with a reach, the authors) ordered by the sum of ``reach``, each
with its count, sum and max; for an author also its furthest-reaching mention's ``extra.followers`` (a
``top_hits`` of one document). Each platform lists a few more than asked, so rounding the sums cannot push a
group that belongs in the list out of it; the lists are then merged and ordered as SQLite orders them.
"""

from __future__ import annotations

from typing import Any

from index.reach_groups import ReachGroup, ReachGroups, followers_of

_MARGIN = 10  # groups listed beyond the limit per platform
_SHARD_SIZE = 1000
_PLATFORMS = 100  # platforms are a short fixed list (crawler names)


def _groups(field: str, size: int, tie: dict[str, str], top: bool) -> dict[str, Any]:
    inner: dict[str, Any] = {
        "reach": {"sum": {"field": "reach"}},
        "top": {"max": {"field": "reach"}},
    }
    if top:
        inner["furthest"] = {
            "top_hits": {
                "size": 1,
                "sort": [{"reach": {"order": "desc"}}, {"id": {"order": "asc"}}],
                "_source": {"includes": ["extra.followers"]},
            }
        }
    return {
        "terms": {"field": "platform", "size": _PLATFORMS},
        "aggs": {
            "groups": {
                "terms": {
                    "field": field,
                    "size": size + _MARGIN,
                    "shard_size": max(size + _MARGIN, _SHARD_SIZE),
                    "order": [{"reach": "desc"}, tie, {"_key": "asc"}],
                },
                "aggs": inner,
            }
        },
    }


def reach_group_params(alias: str, query: dict[str, Any], sources: int, authors: int) -> dict[str, Any]:
    """Search arguments for the top ``sources`` and ``authors`` by summed reach among ``query``'s mentions."""
    with_author = {
        "bool": {
            "filter": [{"exists": {"field": "reach"}}, {"exists": {"field": "author"}}],
            "must_not": [{"term": {"author": ""}}],
        }
    }
    return {
        "index": alias,
        "query": query,
        "size": 0,
        "track_total_hits": True,
        "aggs": {
            "sources": _groups("source", sources, {"_count": "desc"}, top=False),
            "authors": {
                "filter": with_author,
                "aggs": {"platforms": _groups("author", authors, {"top": "desc"}, top=True)},
            },
        },
    }


def _read(platforms: list[dict[str, Any]], top: bool) -> list[ReachGroup]:
    out = []
    for platform in platforms:
        for bucket in platform["groups"]["buckets"]:
            followers = None
            if top:
                hits = bucket["furthest"]["hits"]["hits"]
                extra = hits[0]["_source"].get("extra", {}) if hits else {}
                followers = followers_of(extra.get("followers"))
            out.append(
                ReachGroup(
                    str(platform["key"]),
                    str(bucket["key"]),
                    int(bucket["doc_count"]),
                    round(float(bucket["reach"]["value"] or 0.0), 1),
                    round(float(bucket["top"]["value"] or 0.0), 1),
                    followers,
                )
            )
    return out


def read_reach_groups(body: dict[str, Any], sources: int, authors: int) -> ReachGroups:
    """The :class:`ReachGroups` a response to :func:`reach_group_params` holds."""
    aggs = body["aggregations"]
    found_sources = _read(aggs["sources"]["buckets"], top=False)
    found_authors = _read(aggs["authors"]["platforms"]["buckets"], top=True)
    found_sources.sort(key=lambda g: (-g.total_reach, -g.mentions, g.name, g.platform))
    found_authors.sort(key=lambda g: (-g.total_reach, -g.max_reach, g.name, g.platform))
    return ReachGroups(
        sources=found_sources[:sources], authors=found_authors[:authors], total=int(body["hits"]["total"]["value"])
    )
