"""Aggregations: the requests and response readers for sentiment counts, facets and trends.

Each pair builds the keyword arguments of ``client.search`` for a filter's query and reads the answer into
the shapes :class:`index.base.MentionStore` returns, in the same order and with the same exact counts as
SQLite. Trend buckets are laid out in Python by the code SQLite uses (:func:`index.buckets.bucket_starts`).
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from foundation.errors import InvalidQuery
from foundation.vocabulary import SentimentLabel
from index.base import (
    FACET_FIELDS,
    FacetCount,
    FacetResult,
    MentionFilter,
    TrendBucket,
    TrendInterval,
    resolve_zone,
)
from index.buckets import bucket_starts
from index.elastic.schema import epoch_ms

_FACET_SOURCES = {
    "platform": "platform",
    "brand": "brands",
    "sentiment": "sentiment_label",
    "category": "category",
    "language": "language",
}
_FACET_SHARD_SIZE = 1000


def label_count_params(alias: str, query: dict[str, Any]) -> dict[str, Any]:
    """Search arguments counting the matching mentions per sentiment label."""
    return {
        "index": alias,
        "query": query,
        "size": 0,
        "track_total_hits": False,
        "aggs": {"labels": {"terms": {"field": "sentiment_label", "size": len(SentimentLabel) + 10}}},
    }


def read_label_counts(body: dict[str, Any]) -> dict[SentimentLabel, int]:
    """Counts per label, every label present (zero when none matched)."""
    counts = dict.fromkeys(SentimentLabel, 0)
    for bucket in body["aggregations"]["labels"]["buckets"]:
        try:
            label = SentimentLabel(bucket["key"])
        except ValueError:  # a label written by something else; not one the API knows
            continue
        counts[label] = int(bucket["doc_count"])
    return counts


def facet_params(alias: str, query: dict[str, Any], size: int, sample: int) -> dict[str, Any]:
    """Search arguments for the top ``size`` values of each facet and the ``sample`` newest mentions' words."""
    aggs: dict[str, Any] = {}
    if size:
        for name, stored in _FACET_SOURCES.items():
            aggs[name] = {
                "terms": {
                    "field": stored,
                    "size": size,
                    # Exact while a shard holds at most shard_size values (platforms, brands, labels: dozens),
                    # in SQLite's order: most frequent, then by value.
                    "shard_size": max(size, _FACET_SHARD_SIZE),
                    "order": [{"_count": "desc"}, {"_key": "asc"}],
                }
            }
    params: dict[str, Any] = {"index": alias, "query": query, "size": sample, "track_total_hits": True}
    if aggs:
        params["aggs"] = aggs
    if sample:
        params["sort"] = [{"published_at": {"order": "desc"}}, {"id": {"order": "desc"}}]
        params["source_includes"] = ["title_seg", "text_seg"]
    return params


def read_facets(body: dict[str, Any], params: dict[str, Any]) -> FacetResult:
    """The facets, total and sampled tokens a response to ``params`` (from :func:`facet_params`) holds."""
    counts: dict[str, list[FacetCount]] = {name: [] for name in FACET_FIELDS}
    for name in params.get("aggs", {}):
        counts[name] = [
            FacetCount(str(bucket["key"]), int(bucket["doc_count"])) for bucket in body["aggregations"][name]["buckets"]
        ]
    tokens = [
        f"{raw['_source'].get('title_seg') or ''} {raw['_source'].get('text_seg') or ''}".split()
        for raw in body["hits"]["hits"]
    ]
    return FacetResult(total=int(body["hits"]["total"]["value"]), facets=counts, sample=tokens)


@dataclass(frozen=True)
class TrendWindow:
    """A checked trend request: the window, its bucket starts and the zone local hours and days are cut in."""

    since: datetime
    until: datetime
    interval: TrendInterval
    zone: ZoneInfo
    starts: list[datetime]


def trend_window(flt: MentionFilter, interval: TrendInterval, tz: str) -> TrendWindow:
    """The trend's window and buckets; a window or zone that cannot be bucketed is the caller's error."""
    if flt.since is None or flt.until is None:
        raise InvalidQuery("a trend needs both 'since' and 'until'")
    zone = resolve_zone(tz)
    try:
        starts = bucket_starts(flt.since, flt.until, interval, zone)
    except ValueError as exc:
        raise InvalidQuery(str(exc)) from exc
    return TrendWindow(since=flt.since, until=flt.until, interval=interval, zone=zone, starts=starts)


def trend_params(alias: str, query: dict[str, Any], window: TrendWindow) -> dict[str, Any]:
    """Search arguments for a date histogram of the matching mentions, with the negative ones per bucket."""
    histogram = {
        "field": "published_at",
        "calendar_interval": "1h" if window.interval == "hour" else "1d",
        "time_zone": window.zone.key,
        "min_doc_count": 0,
        "extended_bounds": {"min": epoch_ms(window.since), "max": epoch_ms(window.until) - 1},
    }
    return {
        "index": alias,
        "query": query,
        "size": 0,
        "track_total_hits": False,
        "aggs": {
            "trend": {
                "date_histogram": histogram,
                "aggs": {"negative": {"filter": {"term": {"sentiment_label": "negative"}}}},
            }
        },
    }


def read_trend(body: dict[str, Any], window: TrendWindow) -> list[TrendBucket]:
    """One bucket per start of ``window``, filled from the histogram."""
    # Elasticsearch's buckets start at the same local hours/days as bucket_starts(); placing each by its
    # start (not by position) keeps the result exact even if the server adds empty edge buckets.
    edges = [epoch_ms(s) for s in window.starts]
    buckets = [TrendBucket(start=s, count=0, negative=0) for s in window.starts]
    for raw in body["aggregations"]["trend"]["buckets"]:
        if not raw["doc_count"]:
            continue
        index = bisect_right(edges, int(raw["key"])) - 1
        if 0 <= index < len(buckets):
            buckets[index].count += int(raw["doc_count"])
            buckets[index].negative += int(raw["negative"]["doc_count"])
    return buckets
