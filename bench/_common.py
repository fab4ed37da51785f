"""Shared pieces of the benchmarks: deterministic mentions, the Elasticsearch backend, timing and tables.

Not part of the service. The scripts import this module as ``_common`` (``bench/`` is the script's folder,
so it is first on ``sys.path``); the project's packages come from the editable install in ``.venv``, and the
osmem-server header workaround from ``tests/osmem.py``.
"""

from __future__ import annotations

import random
import secrets
import statistics
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

# The osmem-server header workaround lives with the tests (it must never reach production code); the scripts
# run from bench/, so the repository root is not on sys.path by itself.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from index.base import Mention, mention_id
from index.elastic import ElasticMentionStore
from sentiment.base import SentimentLabel
from tests.osmem import CompatibleJsonNode

ES_URL_ENV = "YUQING_BENCH_ES_URL"
BASE_TIME = datetime(2024, 3, 1, tzinfo=UTC)
SPAN_DAYS = 30

BRANDS = ["鲜达", "华为", "小米", "蔚来", "Acme", "Globex"]
PLATFORMS = {
    "weibo": "weibo-search",
    "xiaohongshu": "xhs-notes",
    "dianping": "dianping-reviews",
    "douyin": "douyin-comments",
    "reddit": "reddit-search",
    "twitter": "x-search",
}
ZH_SUBJECTS = [
    "外卖",
    "快递",
    "客服",
    "手机",
    "电池",
    "屏幕",
    "充电器",
    "门店",
    "会员卡",
    "物流",
    "包装",
    "售后",
    "App",
]
ZH_POSITIVE = ["很满意", "非常好用", "速度很快", "服务周到", "值得推荐", "质量不错", "态度很好", "性价比高"]
ZH_NEGATIVE = [
    "太慢了",
    "申请退款一直没人处理",
    "质量太差",
    "客服不理人",
    "再也不买了",
    "包装破损",
    "续航很差",
    "投诉无门",
]
ZH_OPENERS = ["今天", "昨天晚上", "上周", "刚刚", "第一次", "又一次", "终于", "周末"]
EN_SUBJECTS = ["delivery", "battery", "screen", "support", "app", "charger", "refund", "store", "packaging"]
EN_POSITIVE = ["is great", "works perfectly", "was fast", "exceeded expectations", "is worth it"]
EN_NEGATIVE = ["is terrible", "took forever", "broke after a week", "never answered", "is a scam"]
# Words the search benchmark queries for: all occur in generated text, at different frequencies.
ZH_QUERY_WORDS = ["退款", "客服", "物流", "电池", "屏幕", "投诉", "包装", "会员卡", "充电器", "续航"]
EN_QUERY_WORDS = ["battery", "refund", "delivery", "screen", "support"]


@dataclass(frozen=True)
class RawMention:
    """What a crawler hands over before scoring: the fields of a mention without sentiment."""

    platform: str
    post_id: str
    title: str | None
    text: str
    published_at: datetime
    brands: tuple[str, ...]
    likes: int


def generate(count: int, seed: int, *, zh_share: float = 0.7) -> list[RawMention]:
    """``count`` mentions of the benchmark brands, the same for the same seed."""
    rng = random.Random(seed)
    platforms = list(PLATFORMS)
    out: list[RawMention] = []
    for i in range(count):
        brand = rng.choice(BRANDS)
        brands = (brand,) if rng.random() < 0.85 else (brand, rng.choice(BRANDS))
        if rng.random() < zh_share:
            subject = rng.choice(ZH_SUBJECTS)
            tone = ZH_NEGATIVE if rng.random() < 0.45 else ZH_POSITIVE
            text = (
                f"{rng.choice(ZH_OPENERS)}在{brand}买的{subject}{rng.choice(tone)}，"
                f"{rng.choice(ZH_SUBJECTS)}{rng.choice(tone)}。#{brand}# 第{rng.randrange(1000)}单"
            )
            title = f"{brand}{subject}{rng.choice(tone)}" if rng.random() < 0.3 else None
            platform = rng.choice(platforms[:4])
        else:
            subject = rng.choice(EN_SUBJECTS)
            tone = EN_NEGATIVE if rng.random() < 0.45 else EN_POSITIVE
            text = (
                f"The {subject} from {brand} {rng.choice(tone)}, and the {rng.choice(EN_SUBJECTS)} "
                f"{rng.choice(tone)}. Order #{rng.randrange(100000)}"
            )
            title = f"{brand} {subject} review" if rng.random() < 0.3 else None
            platform = rng.choice(platforms[4:])
        published = BASE_TIME + timedelta(seconds=rng.randrange(SPAN_DAYS * 86400))
        out.append(RawMention(platform, f"p{i}", title, text, published, brands, rng.randrange(5000)))
    return out


def to_mention(
    raw: RawMention,
    *,
    language: str,
    score: float | None,
    label: SentimentLabel,
    collected_at: datetime | None = None,
) -> Mention:
    """The mention a crawler would store after scoring (the content hash covers the sentiment too)."""
    collected = collected_at or raw.published_at + timedelta(minutes=5)
    return Mention(
        id=mention_id(raw.platform, raw.post_id),
        platform=raw.platform,
        post_id=raw.post_id,
        source=PLATFORMS[raw.platform],
        url=f"https://example.invalid/{raw.platform}/{raw.post_id}",
        title=raw.title,
        text=raw.text,
        published_at=raw.published_at,
        collected_at=collected,
        updated_at=collected,
        language=language,
        likes=raw.likes,
        brands=list(raw.brands),
        matched_keywords=list(raw.brands),
        sentiment_score=score,
        sentiment_label=label,
    )


def random_sentiment(rng: random.Random) -> tuple[float | None, SentimentLabel]:
    """A plausible score and label without running a model (the search benchmark stores 100k mentions)."""
    if rng.random() < 0.05:
        return None, SentimentLabel.unscored
    score = rng.random()
    if score < 0.4:
        return score, SentimentLabel.negative
    if score > 0.6:
        return score, SentimentLabel.positive
    return score, SentimentLabel.neutral


@dataclass
class ElasticTarget:
    """Where the Elasticsearch benchmark runs, and how to open a store there."""

    label: str
    open: Callable[[str], ElasticMentionStore]
    cleanup: Callable[[ElasticMentionStore], None]


@contextmanager
def elastic_target(url: str | None) -> Iterator[ElasticTarget | None]:
    """A real cluster (``url``), or osmem-server started here; ``None`` when neither is available."""
    if url:
        from config.settings import Settings

        def open_cluster(prefix: str) -> ElasticMentionStore:
            return ElasticMentionStore.from_settings(url, Settings(es_index_prefix=prefix, es_timeout_seconds=120))

        def drop(store: ElasticMentionStore) -> None:
            client = store.client.options(ignore_status=404)
            # By name: clusters refuse wildcard deletes by default (action.destructive_requires_name).
            names = list(client.indices.get(index=f"{store.alias}-*").body)
            if names:
                client.indices.delete(index=",".join(names))
            client.indices.delete_index_template(name=store.template_name)

        yield ElasticTarget(f"Elasticsearch cluster from {ES_URL_ENV}", open_cluster, drop)
        return
    try:
        from elasticsearch import Elasticsearch
        from osmem_server import OsmemServer

        server = OsmemServer.start(addr="127.0.0.1:0", japanese=False)
    except Exception as exc:  # no binary for this platform, cannot bind, ...
        print(f"! osmem-server could not start ({type(exc).__name__}: {exc}); skipping Elasticsearch")
        yield None
        return
    try:

        def open_osmem(prefix: str) -> ElasticMentionStore:
            client = Elasticsearch(server.url, node_class=CompatibleJsonNode, request_timeout=300)
            return ElasticMentionStore(client, index_prefix=prefix)

        def drop_osmem(store: ElasticMentionStore) -> None:
            client = store.client.options(ignore_status=404)
            names = list(client.indices.get(index=f"{store.alias}-*").body)
            if names:
                client.indices.delete(index=",".join(names))

        yield ElasticTarget(f"osmem-server {server.version} (in-memory, same machine)", open_osmem, drop_osmem)
    finally:
        server.close()


def bench_prefix() -> str:
    return f"yqbench-{secrets.token_hex(3)}"


class Timer:
    """Accumulates wall-clock seconds over several ``with timer:`` blocks."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self._start = 0.0

    def __enter__(self) -> Timer:
        self._start = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        self.seconds += time.perf_counter() - self._start


def timed(fn: Callable[[], Any]) -> float:
    """Seconds one call of ``fn`` takes."""
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def percentile(samples: Sequence[float], q: float) -> float:
    """The ``q`` quantile (0..1) of ``samples``, interpolated."""
    if len(samples) == 1:
        return samples[0]
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return cuts[max(0, min(98, round(q * 100) - 1))]


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A plain-text table: first column left-aligned, the rest right-aligned."""
    cells = [[str(h) for h in headers], *[[_fmt(v) for v in row] for row in rows]]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]

    def line(row: list[str]) -> str:
        return "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths, strict=True)))

    out = [line(cells[0]), "  ".join("-" * w for w in widths)]
    out.extend(line(r) for r in cells[1:])
    return "\n".join(out)


def _fmt(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        if value >= 100:
            return f"{value:,.0f}"
        if value >= 10:
            return f"{value:.1f}"
        return f"{value:.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)
