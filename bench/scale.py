"""A store of N realistic mentions, built through the real ingest path, and what each query costs on it.

For each ``--n`` (default 50,000; the issue's sizes are 50,000, 300,000 and 1,000,000) this script:

1. builds mentions from the texts of the shared sentiment corpora (``../shared/data/sentiment``: Weibo posts,
   food-delivery and shopping reviews), spread over 10 brands (15% name two), 8 platforms and 180 days,
   arriving in publication order a batch at a time, as crawls deliver them;
2. ingests them as a crawl does: sentiment scored in batches (``SentimentService.analyze_batch``), complaint
   category (``tickets.classify.ModelClassifier``, the crawl's default, reading the sentiment score),
   ``MentionStore.upsert`` per batch. Beside it, the floors:
   the tokenizer plus a bare FTS5 insert of the same texts, with jieba-rs (today's tokenizer) and with the
   Python jieba package (the tokenizer the issue measured);
3. runs each query the dashboard and the API issue, interleaved call by call with the best hand-written
   SQLite query giving the same answer on the same file, and prints p50/p95 and their ratio;
4. starts ``yuqing serve`` on the store and measures the same queries over HTTP (the API's overhead) and the
   serve process's memory.

Figures are for this machine at this moment (a shared 2-core machine, other work running): read the ratios.
"""

from __future__ import annotations

import argparse
import csv
import gc
import os
import random
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _common import percentile, table

from index.base import Mention, MentionFilter, MentionStore, SearchRequest, mention_id
from index.rollups import DAY_MS, rowid_floor
from index.sqlite import SQLiteMentionStore
from index.words import excluded_words, period_words
from sentiment.base import SentimentResult

SHARED = Path(os.environ.get("YUQING_SHARED", Path(__file__).resolve().parents[2] / "shared"))
CORPORA = ["weibo2018_train.csv", "waimai_10k_train.csv", "online_shopping_10_cats_train.csv"]
BRANDS = ["鲜达", "华为", "小米", "蔚来", "美团", "京东", "海底捞", "瑞幸", "顺丰", "拼多多"]
PLATFORMS = ["weibo", "xiaohongshu", "dianping", "douyin", "zhihu", "bilibili", "tieba", "weixin"]
END = datetime(2026, 11, 30, tzinfo=UTC)
DAYS = 180
#: Words searched: common complaint words and rarer ones (the rare ones are what made p95 grow with the store).
WORDS = ["退款", "客服", "物流", "质量", "味道", "快递", "包装", "态度", "价格", "电池", "发霉", "过敏", "漏液", "投诉"]


def load_texts() -> list[str]:
    folder = SHARED / "data" / "sentiment"
    if not folder.is_dir():
        sys.exit(f"the shared corpora are not at {folder} (set YUQING_SHARED to the folder holding data/sentiment)")
    texts: list[str] = []
    for name in CORPORA:
        with (folder / name).open(encoding="utf-8") as fh:
            texts += [row["text"] for row in csv.DictReader(fh) if row.get("text", "").strip()]
    return texts


def raw_mentions(n: int, texts: list[str], seed: int) -> list[dict[str, Any]]:
    """``n`` mentions in publication order (what the crawls deliver, batch after batch)."""
    rng = random.Random(seed)
    start_ms = int((END - timedelta(days=DAYS)).timestamp() * 1000)
    times = sorted(rng.randrange(start_ms, start_ms + DAYS * DAY_MS) for _ in range(n))
    out = []
    for i, ms in enumerate(times):
        brand = rng.choice(BRANDS)
        brands = [brand] if rng.random() < 0.85 else [brand, rng.choice(BRANDS)]
        title = rng.choice(texts)[:16] if rng.random() < 0.2 else None
        out.append(
            {
                "platform": rng.choice(PLATFORMS),
                "post_id": f"s{seed}-{i}",
                "title": title,
                "text": texts[rng.randrange(len(texts))],
                "published_at": datetime.fromtimestamp(ms / 1000, UTC),
                "brands": brands,
            }
        )
    return out


def corpus_mention(raw: dict[str, Any], result: SentimentResult, category: str) -> Mention:
    """The mention the crawl would store for ``raw``, scored ``result`` and classified ``category``."""
    published = raw["published_at"]
    return Mention(
        id=mention_id(raw["platform"], raw["post_id"]),
        platform=raw["platform"],
        post_id=raw["post_id"],
        source=f"{raw['platform']}-search",
        title=raw["title"],
        text=raw["text"],
        published_at=published,
        collected_at=published + timedelta(minutes=5),
        updated_at=published + timedelta(minutes=5),
        language=result.language,
        brands=raw["brands"],
        matched_keywords=raw["brands"],
        sentiment_score=result.score,
        sentiment_label=result.label,
        category=category,
    )


def zh_score(result: SentimentResult) -> float | None:
    """The score the category pipeline hands the classifier: the Chinese model's, none for other languages."""
    return result.score if result.language == "zh" else None


def ingest(store: MentionStore, raws: list[dict[str, Any]], batch: int) -> float:
    """Score, classify and store ``raws`` batch by batch, as the crawl pipelines do; mentions per second."""
    from sentiment import SentimentService  # type: ignore[attr-defined]
    from tickets.classify import ModelClassifier

    service = SentimentService.default()
    # The crawl's default classifier (tickets.classification.engine: model), given the sentiment score as the
    # category pipeline gives it.
    classifier = ModelClassifier()
    classifier.categories(["预热哈哈哈"], [service.analyze_batch(["预热"])[0].score])  # models loaded first
    gc.freeze()  # as the crawl's warm-up does once the models are loaded (crawlers.session.warm_up)
    start = time.perf_counter()
    for b in range(0, len(raws), batch):
        chunk = raws[b : b + batch]
        texts = [r["text"] if not r["title"] else f"{r['title']}\n{r['text']}" for r in chunk]
        results = service.analyze_batch(texts, ["zh"] * len(texts))
        # The whole batch classified at once (one sparse product for its n-grams), as a batch ingest does.
        categories = classifier.categories(texts, [zh_score(result) for result in results])
        mentions = [
            corpus_mention(raw, result, category.value)
            for raw, result, category in zip(chunk, results, categories, strict=True)
        ]
        store.upsert(mentions)
    return len(raws) / (time.perf_counter() - start)


def tokenizer_floor(raws: list[dict[str, Any]], batch: int, cut: Callable[[str], list[str]]) -> float:
    """The tokenizer and a bare FTS5 insert of the same texts (executemany, one transaction per batch)."""
    from index.text import _clean, normalize

    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE VIRTUAL TABLE f USING fts5(title_seg, text_seg)")
    start = time.perf_counter()
    for b in range(0, len(raws), batch):
        rows = [
            (" ".join(_clean(cut(normalize(r["title"] or "")))), " ".join(_clean(cut(normalize(r["text"])))))
            for r in raws[b : b + batch]
        ]
        with conn:
            conn.executemany("INSERT INTO f VALUES (?, ?)", rows)
    conn.close()
    return len(raws) / (time.perf_counter() - start)


class Floors:
    """Hand-written SQL on the same file, giving the same answers as the store's queries."""

    def __init__(self, path: Path):
        self.conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)

    def word(self, word: str) -> Any:
        rows = self.conn.execute(
            "SELECT m.* FROM mentions_fts f CROSS JOIN mentions m ON m.rowid = f.rowid "
            "WHERE mentions_fts MATCH ? ORDER BY f.rowid DESC LIMIT 21",
            (f'"{word}"',),
        ).fetchall()
        total = self.conn.execute(
            "SELECT count(*) FROM (SELECT 1 FROM mentions_fts WHERE mentions_fts MATCH ? LIMIT 10001)", (f'"{word}"',)
        ).fetchone()
        return rows, total

    def brand_week(self, brand: str, lo: int, hi: int) -> Any:
        rows = self.conn.execute(
            "SELECT m.* FROM mention_brands b CROSS JOIN mentions m ON m.rowid = b.mention_rowid WHERE b.brand = ? "
            "AND b.published_at >= ? AND b.published_at < ? ORDER BY b.published_at DESC, b.mention_rowid DESC "
            "LIMIT 21",
            (brand, lo, hi),
        ).fetchall()
        total = self.conn.execute(
            "SELECT count(*) FROM mention_brands WHERE brand = ? AND published_at >= ? AND published_at < ?",
            (brand, lo, hi),
        ).fetchone()
        return rows, total

    def facets_raw(self, lo: int, hi: int) -> Any:
        """Recomputed from raw rows (the issue's floor): one pass for platform × label, one for brands."""
        a = self.conn.execute(
            "SELECT platform, sentiment_label, count(*) FROM mentions WHERE rowid >= ? AND rowid < ? GROUP BY 1, 2",
            (rowid_floor(lo), rowid_floor(hi)),
        ).fetchall()
        b = self.conn.execute(
            "SELECT brand, count(*) FROM mention_brands WHERE published_at >= ? AND published_at < ? GROUP BY 1",
            (lo, hi),
        ).fetchall()
        return a, b

    def facets_rollup(self, lo: int, hi: int) -> Any:
        """The same facets and both periods' words from the roll-ups, whole days only (no ragged edges)."""
        d0, d1, p0 = lo // DAY_MS, hi // DAY_MS, (2 * lo - hi) // DAY_MS
        a = self.conn.execute(
            "SELECT field, value, SUM(n) FROM rollup_brand_days WHERE brand = '' AND day >= ? AND day < ? "
            "GROUP BY 1, 2",
            (d0, d1),
        ).fetchall()
        words = [
            self.conn.execute(
                "SELECT word, SUM(n) FROM rollup_words WHERE day >= ? AND day < ? GROUP BY word", (x, y)
            ).fetchall()
            for x, y in ((d0, d1), (p0, d0))
        ]
        return a, words

    def trend(self, brand: str, lo: int, hi: int) -> Any:
        return self.conn.execute(
            "SELECT (m.published_at + 28800000) / 86400000 AS d, count(*), "
            "SUM(m.sentiment_label = 'negative') FROM mention_brands b CROSS JOIN mentions m "
            "ON m.rowid = b.mention_rowid WHERE b.brand = ? AND b.published_at >= ? AND b.published_at < ? GROUP BY d",
            (brand, lo, hi),
        ).fetchall()


def measure(calls: list[tuple[Callable[[], Any], Callable[[], Any]]]) -> tuple[list[float], list[float]]:
    """Milliseconds of each (store, floor) pair, interleaved call by call."""
    mine: list[float] = []
    floor: list[float] = []
    for ours, theirs in calls:
        for fn, out in ((ours, mine), (theirs, floor)):
            t = time.perf_counter()
            fn()
            out.append((time.perf_counter() - t) * 1000)
    return mine, floor


def load() -> str:
    """The 1/5/15-minute load averages: on a shared machine the figures mean little without them."""
    return " / ".join(f"{x:.1f}" for x in os.getloadavg())


def ms(value: datetime) -> int:
    return int(value.timestamp() * 1000)


def queries(store: SQLiteMentionStore, path: Path, repeat: int, seed: int) -> list[list[Any]]:
    rng = random.Random(seed)
    floors = Floors(path)
    exclude = excluded_words(BRANDS)
    week = (END - timedelta(days=7), END)
    month = (END - timedelta(days=30), END)
    rows: list[list[Any]] = []

    def word_call() -> tuple[Callable[[], Any], Callable[[], Any]]:
        word = rng.choice(WORDS)
        return (
            lambda: store.search(SearchRequest(filter=MentionFilter(query=word), limit=20)),
            lambda: floors.word(word),
        )

    def brand_call() -> tuple[Callable[[], Any], Callable[[], Any]]:
        brand = rng.choice(BRANDS)
        flt = MentionFilter(brands=[brand], since=week[0], until=week[1])
        return lambda: store.search(SearchRequest(filter=flt, limit=20)), lambda: floors.brand_week(
            brand, ms(week[0]), ms(week[1])
        )

    def facets(flt: MentionFilter) -> Any:
        assert flt.since is not None and flt.until is not None
        previous = flt.model_copy(update={"since": flt.since - (flt.until - flt.since), "until": flt.since})
        return store.facets(flt, size=10), period_words(store, flt, previous, exclude, 20, 2000)

    def facets_call(floor: Callable[[int, int], Any]) -> tuple[Callable[[], Any], Callable[[], Any]]:
        # The dashboard's own range ends "now": not on a whole hour, so the ragged edges are counted too.
        until = END - timedelta(minutes=rng.randrange(1, 600))
        flt = MentionFilter(since=until - timedelta(days=30), until=until)
        return lambda: facets(flt), lambda: floor(ms(flt.since), ms(until))  # type: ignore[arg-type]

    def trend_call() -> tuple[Callable[[], Any], Callable[[], Any]]:
        brand = rng.choice(BRANDS)
        flt = MentionFilter(brands=[brand], since=month[0], until=month[1])
        return lambda: store.trend(flt, "day", "Asia/Shanghai"), lambda: floors.trend(brand, ms(month[0]), ms(month[1]))

    for name, make in (
        ("word search, newest 20 + total", word_call),
        ("one brand, last 7 days, newest 20 + total", brand_call),
        ("facets + top/rising words, 30 days (floor: roll-up SQL)", lambda: facets_call(floors.facets_rollup)),
        ("facets + top/rising words, 30 days (floor: raw rows, no words)", lambda: facets_call(floors.facets_raw)),
        ("30-day daily trend, one brand (Asia/Shanghai)", trend_call),
    ):
        mine, floor = measure([make() for _ in range(repeat)])
        p50, p95, f50, f95 = (
            percentile(mine, 0.5),
            percentile(mine, 0.95),
            percentile(floor, 0.5),
            percentile(floor, 0.95),
        )
        rows.append([name, p50, p95, f50, f95, p50 / f50, p95 / f95])
    return rows


def api_figures(db: Path, repeat: int, seed: int, store_p50: dict[str, float]) -> tuple[list[list[Any]], str]:
    """The same queries over HTTP from a ``yuqing serve`` on the store; and that process's memory."""
    import httpx

    work = Path(tempfile.mkdtemp(prefix="yqscale-api-"))
    config = work / "yuqing.yaml"
    config.write_text("brands:\n" + "".join(f"  - name: {b}\n    keywords: [{b}]\n" for b in BRANDS), encoding="utf-8")
    port = 18000 + random.Random(os.getpid()).randrange(1000)
    env = {
        **os.environ,
        "YUQING_CONFIG": str(config),
        "YUQING_DATA_DIR": str(work),
        "YUQING_MENTION_STORE_URL": f"sqlite:///{db}",
        "YUQING_API_KEYS": "bench-key-0123456789abcdef",
        "YUQING_LOG_LEVEL": "WARNING",
    }
    yuqing = Path(sys.executable).with_name("yuqing")
    proc = subprocess.Popen([str(yuqing), "serve", "--port", str(port)], env=env, stdout=subprocess.DEVNULL)
    rng = random.Random(seed)
    rows: list[list[Any]] = []
    memory = "?"
    try:
        client = httpx.Client(base_url=f"http://127.0.0.1:{port}/api/v1", headers={"X-API-Key": env["YUQING_API_KEYS"]})
        for _ in range(120):
            try:
                if client.get("/mentions", params={"limit": 1}).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.5)
        week = {"since": (END - timedelta(days=7)).isoformat(), "until": END.isoformat()}
        month = {"since": (END - timedelta(days=30)).isoformat(), "until": END.isoformat()}
        shapes: list[tuple[str, str, Callable[[], dict[str, Any]]]] = [
            ("word search, newest 20 + total", "/mentions", lambda: {"q": rng.choice(WORDS)}),
            ("one brand, last 7 days, newest 20 + total", "/mentions", lambda: {"brand": rng.choice(BRANDS), **week}),
            ("facets + top/rising words, 30 days (floor: roll-up SQL)", "/mentions/facets", lambda: dict(month)),
            (
                "30-day daily trend, one brand (Asia/Shanghai)",
                "/stats/trend",
                lambda: {"brand": rng.choice(BRANDS), "interval": "day", "tz": "Asia/Shanghai", **month},
            ),
        ]
        for name, path, params in shapes:
            samples = []
            for _ in range(repeat):
                t = time.perf_counter()
                response = client.get(path, params=params())
                samples.append((time.perf_counter() - t) * 1000)
                response.raise_for_status()
            p50 = percentile(samples, 0.5)
            rows.append([name, p50, percentile(samples, 0.95), p50 - store_p50.get(name, 0.0)])
        status = Path(f"/proc/{proc.pid}/status").read_text()
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        memory = f"RSS {fields['VmRSS'].strip()}, peak {fields['VmHWM'].strip()}"
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    return rows, memory


def run(n: int, texts: list[str], args: argparse.Namespace) -> dict[str, float]:
    folder = Path(args.keep or tempfile.mkdtemp(prefix="yqscale-"))
    folder.mkdir(parents=True, exist_ok=True)
    db = folder / f"mentions-{n}.sqlite3"
    raws = raw_mentions(n, texts, args.seed)
    print(f"\n== {n:,} mentions: {db} (load average {load()})")
    if db.exists() and args.reuse:
        store = SQLiteMentionStore.at(db)
        store.ensure_schema()
        rate = float("nan")
    else:
        db.unlink(missing_ok=True)
        store = SQLiteMentionStore.at(db)
        store.ensure_schema()
        rate = ingest(store, raws, args.batch)
    sample = raws[: min(n, args.floor_sample)]
    import rjieba

    fast = tokenizer_floor(sample, args.batch, lambda t: rjieba.cut(t, True))
    rows = [["ingest, end to end (scored, classified, stored, searchable)", rate, "-", "mentions/s"]]
    rows.append(["floor: jieba-rs + FTS5 insert alone", fast, rate / fast, "mentions/s"])
    if not args.no_python_jieba:
        import jieba

        jieba.initialize()
        slow = tokenizer_floor(sample[: args.floor_sample // 4], args.batch, jieba.lcut)
        rows.append(["floor as the issue measured it: Python jieba + FTS5", slow, rate / slow, "mentions/s"])
    print(table(["ingest", "rate", "ratio", "unit"], rows))
    print(f"load average after the ingest: {load()}")
    print(f"store file: {db.stat().st_size / 1e6:,.0f} MB")
    query_rows = queries(store, db, args.repeat, args.seed)
    print(f"load average after the queries: {load()}")
    print(
        table(
            ["query (ms)", "p50", "p95", "floor p50", "floor p95", "p50 ratio", "p95 ratio"],
            query_rows,
        )
    )
    store_p50 = {r[0]: r[1] for r in query_rows}
    store.close()
    if not args.no_api:
        api_rows, memory = api_figures(db, args.repeat, args.seed, store_p50)
        print(table(["over HTTP (ms)", "p50", "p95", "API overhead p50"], api_rows))
        print(f"serve process memory after the queries: {memory}")
    if not args.keep:
        for f in folder.glob("*"):
            f.unlink()
        folder.rmdir()
    return {r[0]: r[2] for r in query_rows}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, nargs="+", default=[50_000], help="store sizes (mentions)")
    parser.add_argument("--batch", type=int, default=1000, help="mentions per upsert")
    parser.add_argument("--repeat", type=int, default=60, help="calls per query shape")
    parser.add_argument("--floor-sample", type=int, default=20_000, help="mentions the tokenizer floor segments")
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument("--keep", help="keep the stores in this folder (and --reuse them next time)")
    parser.add_argument("--reuse", action="store_true", help="query an existing store in --keep, do not rebuild")
    parser.add_argument("--no-api", action="store_true", help="skip the HTTP figures")
    parser.add_argument("--es", type=int, default=0, help="also measure the Elasticsearch store on this many")
    parser.add_argument("--no-python-jieba", action="store_true", help="skip the Python jieba floor")
    args = parser.parse_args()
    texts = load_texts()
    if args.es:
        from scale_elastic import elastic_figures

        elastic_figures(raw_mentions(args.es, texts, args.seed), args)
    print(f"{len(texts):,} corpus texts from {SHARED / 'data' / 'sentiment'}; cores: {os.cpu_count()}")
    p95: dict[int, dict[str, float]] = {}
    for n in args.n:
        p95[n] = run(n, texts, args)
    if len(p95) > 1:
        small, *rest = sorted(p95)
        rows = [[name, *(p95[m][name] / p95[small][name] for m in rest)] for name in p95[small]]
        print(f"\np95 growth against {small:,} mentions (cost follows the answer: ~1x)")
        print(table(["query", *(f"{m:,}" for m in rest)], rows))


if __name__ == "__main__":
    main()
