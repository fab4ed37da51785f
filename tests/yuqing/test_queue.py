"""The work queue on a real Redis: leases, two ``yuqing worker`` processes sharing crawls and rules, a killed
worker's job retried, queue health on ``/healthz`` and in ``yuqing workers``, the crawl_backlog rule."""

from __future__ import annotations

import itertools
import os
import secrets
import signal
import subprocess
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from redis import Redis
from rq import Queue, Retry
from rq import Worker as RqWorker
from sqlalchemy import select
from typer.testing import CliRunner

from alerts.rules.base import EvaluationContext
from alerts.rules.crawl_backlog import CrawlBacklogConfig, CrawlBacklogRule
from api.queue_status import queue_status
from api.resources import Resources
from config.settings import Settings, load_settings
from foundation.health import SourceRunStore
from foundation.queue_health import HEALTH_KEY, QueueHealth, WorkerInfo
from foundation.timeutil import utcnow
from index.base import Mention
from tests.conftest import unavailable
from tests.factories import make_mention
from tests.redis_server import redis_server
from tests.yuqing.feed_site import FeedSite
from tickets.models import Ticket, TicketMention
from yuqing.cli import app
from yuqing.queue import health, keys, moments
from yuqing.queue.lease import Lease, LeaseKeeper
from yuqing.queue.scheduler import CRAWL_JOB, Scheduler
from yuqing.worker import Worker

LEASE = 3  # seconds: short, so a killed worker's job comes back quickly


@pytest.fixture
def redis_url(tmp_path: Path) -> Iterator[str]:
    try:
        with redis_server(tmp_path / "redis") as url:
            yield url
    except FileNotFoundError as exc:
        unavailable(str(exc))


@pytest.fixture
def redis(redis_url: str) -> Iterator[Redis]:
    conn = Redis.from_url(redis_url)
    yield conn
    conn.close()


def wait_for(what: str, check: Callable[[], Any], timeout: float = 90, every: float = 0.2) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"timed out waiting for {what}")


# -- leases -------------------------------------------------------------------------------------------------
def test_a_lease_has_one_owner_and_expires(redis: Redis) -> None:
    first = Lease(redis, "yuqing:lease:test", 0.5, owner="a")
    second = Lease(redis, "yuqing:lease:test", 0.5, owner="b")
    assert first.acquire() and not second.acquire()
    assert first.renew() and second.holder() == "a"
    assert not second.release() and first.holder() == "a"  # only the owner lets go
    time.sleep(0.7)
    assert first.holder() is None and second.acquire()
    assert not first.renew() and not first.release() and second.holder() == "b"


def test_a_kept_lease_outlives_its_ttl_and_goes_when_released(redis: Redis) -> None:
    lease = Lease(redis, "yuqing:lease:kept", 0.6)
    assert lease.acquire()
    with LeaseKeeper(lease) as keeper:
        time.sleep(1.5)
        assert lease.holder() == lease.owner and not keeper.lost.is_set()
    assert lease.release() and lease.holder() is None


# -- health -------------------------------------------------------------------------------------------------
def test_health_round_trips_and_reaches_healthz_section(redis: Redis, redis_url: str) -> None:
    assert queue_status(None) is None  # no queue configured: /healthz says nothing about one
    assert queue_status(redis_url) == {
        "ok": False,
        "error": "no scheduler is reporting (yuqing scheduler not running?)",
    }
    info = WorkerInfo("w1", "host", 1, utcnow().isoformat(), utcnow().isoformat())
    redis.set(keys.worker_key("w1"), __import__("json").dumps(info.__dict__), ex=10)
    queue = Queue(keys.CRAWL_QUEUE, connection=redis)
    queue.enqueue(CRAWL_JOB, "nowhere", job_id="old")
    measured = health.measure(redis)
    assert measured.depth == 1 and measured.oldest_job_age_seconds is not None
    assert [w.name for w in measured.workers] == ["w1"]
    health.publish(redis, measured)
    assert health.read(redis) == QueueHealth.from_json(measured.to_json())
    section = queue_status(redis_url)
    assert section is not None and section["ok"] and section["depth"] == 1 and section["workers_alive"] == 1
    assert queue_status("redis://127.0.0.1:1/0") == {"ok": False, "error": "Redis not reachable: ConnectionError"}
    redis.set(HEALTH_KEY, "{not json")
    assert queue_status(redis_url) is not None and queue_status(redis_url)["ok"] is False  # type: ignore[index]


def backlog_ctx(queue: QueueHealth | None) -> EvaluationContext:
    return EvaluationContext(store=None, now=datetime(2026, 1, 1, tzinfo=UTC), brands=["b"], queue=queue)  # type: ignore[arg-type]


def test_crawl_backlog_fires_when_the_oldest_job_waited_too_long() -> None:
    rule = CrawlBacklogRule(CrawlBacklogConfig(name="backlog", type="crawl_backlog", older_than=timedelta(minutes=5)))
    at = datetime(2026, 1, 1, tzinfo=UTC)
    assert rule.evaluate(backlog_ctx(None)) == []  # embedded: no queue, nothing to say
    (fresh,) = rule.evaluate(backlog_ctx(QueueHealth(at, 3, 120.0, 1, 0, 0)))
    (late,) = rule.evaluate(backlog_ctx(QueueHealth(at, 40, 301.0, 4, 0, 2)))
    (empty,) = rule.evaluate(backlog_ctx(QueueHealth(at, 0, None, 0, 0, 0)))
    assert not fresh.firing and late.firing and not empty.firing
    assert late.numbers["depth"] == 40 and late.numbers["limit_minutes"] == 5.0
    assert "积压" in late.summary and late.key == "crawl-queue"
    with pytest.raises(ValueError, match="brands does not apply"):
        CrawlBacklogConfig(name="x", type="crawl_backlog", brands=["b"])


def test_worker_without_redis_is_a_config_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "yuqing.yaml"
    config.write_text("version: 1\nbrands: [{name: 鲜达外卖, keywords: [鲜达]}]\n", encoding="utf-8")
    monkeypatch.setenv("YUQING_CONFIG", str(config))
    result = CliRunner().invoke(app, ["worker"])
    assert result.exit_code == 2
    assert "YUQING_REDIS_URL" in result.output


# -- two worker processes -----------------------------------------------------------------------------------
RULES = (
    "\n".join(
        f"    - {{name: share-{i}, type: negative_share, window: {i + 1}h, min_count: 1, threshold: 0.5}}"
        for i in range(8)
    )
    + "\n    - {name: crisis, type: critical_words}"
)


@dataclass
class Setup:
    env: dict[str, str]
    settings: Settings
    resources: Resources
    redis: Redis
    site: FeedSite
    sources: list[str]
    logs: Path
    procs: dict[str, subprocess.Popen[bytes]]

    def start_worker(self, name: str, crawls: int | None = None) -> subprocess.Popen[bytes]:
        out = (self.logs / f"{name}.log").open("wb")
        cmd = [sys.executable, "-m", "yuqing", "worker", "--name", name, "--lease-seconds", str(LEASE)]
        cmd += ["--crawls", str(crawls)] if crawls else []
        proc = subprocess.Popen(cmd, env=self.env, stdout=out, stderr=subprocess.STDOUT)
        self.procs[name] = proc
        # A worker beats once its warm crawl child has loaded Scrapy and the models: minutes on a loaded machine.
        wait_for(
            f"worker {name} alive",
            lambda: self.redis.exists(keys.worker_key(name)) or proc.poll() is not None,
            timeout=300,
        )
        assert proc.poll() is None, (self.logs / f"{name}.log").read_text()
        # Its heartbeat comes before its RQ worker listens: wait for that too, or the first worker takes every job.
        wait_for(
            f"worker {name} listening",
            lambda: name in {w.name for w in RqWorker.all(connection=self.redis)} or proc.poll() is not None,
            timeout=120,
        )
        assert proc.poll() is None, (self.logs / f"{name}.log").read_text()
        return proc

    def scheduler(self) -> Scheduler:
        worker = Worker(self.settings, self.resources.config, self.resources)
        return Scheduler(self.redis, worker, keys.QueueTiming(lease_ttl=timedelta(seconds=LEASE)))

    def log(self, stream: str) -> list[dict[str, str]]:
        return [{k.decode(): v.decode() for k, v in fields.items()} for _, fields in self.redis.xrange(stream)]


@pytest.fixture
def setup(
    tmp_path: Path, redis_url: str, redis: Redis, pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Setup]:
    tag = secrets.token_hex(3)  # unique source names: the crawl processes of this test are recognisable
    sources = [f"feed-{tag}-{c}" for c in "abc"]
    with FeedSite(delay=0.3) as site:
        entries = "\n".join(
            f"  - {{name: {s}, type: feed, urls: ['{site.url}/feed/{s}.xml'], interval: 1h}}" for s in sources
        )
        config = tmp_path / "yuqing.yaml"
        config.write_text(
            "version: 1\nbrands: [{name: 鲜达外卖, keywords: [鲜达]}]\n"
            "crawl: {download_delay: 0, autothrottle: false, retry_times: 0, timeout_seconds: 60}\n"
            "scheduler: {crawl_timeout: 2m}\n"
            f"sources:\n{entries}\nalerts:\n  rules:\n{RULES}\n",
            encoding="utf-8",
        )
        ours = {
            "YUQING_CONFIG": str(config),
            "YUQING_DATA_DIR": str(tmp_path / "data"),
            "YUQING_DATABASE_URL": pg_url,
            "YUQING_REDIS_URL": redis_url,
        }
        for name, value in ours.items():
            monkeypatch.setenv(name, value)
        settings = load_settings()
        env = {k: v for k, v in os.environ.items() if not k.startswith("YUQING_")} | ours
        resources = Resources.open(settings)  # migrate once, before the workers open the same stores
        logs = tmp_path / "logs"
        logs.mkdir()
        s = Setup(env, settings, resources, redis, site, sources, logs, {})
        try:
            yield s
        finally:
            for proc in s.procs.values():
                if proc.poll() is None:
                    proc.send_signal(signal.SIGTERM)
            for proc in s.procs.values():
                try:
                    proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    proc.kill()
            resources.close()


def intervals(entries: list[dict[str, str]], key: str) -> dict[str, list[tuple[float, float, str]]]:
    """Per ``key`` (source or rule), the (start, end, worker) of each piece of work, from a log stream."""
    started: dict[tuple[str, str], float] = {}
    out: dict[str, list[tuple[float, float, str]]] = defaultdict(list)
    for e in entries:
        if "event" in e:  # the crawl log: separate start and end entries
            if e["event"] == "start":
                started[(e[key], e["job"])] = float(e["at"])
            else:
                out[e[key]].append((started.pop((e[key], e["job"])), float(e["at"]), e["worker"]))
        else:
            out[e[key]].append((float(e["started"]), float(e["ended"]), e["worker"]))
    return out


def no_overlap(spans: list[tuple[float, float, str]]) -> bool:
    return all(a[1] <= b[0] for a, b in itertools.pairwise(sorted(spans)))


@pytest.mark.slow
@pytest.mark.postgres
def test_two_workers_crawl_every_source_and_never_one_source_twice_at_once(setup: Setup) -> None:
    scheduler = setup.scheduler()
    assert scheduler.enqueue(setup.sources[0]) is not None
    assert scheduler.enqueue(setup.sources[0]) is None  # one job per source until it has run
    # One crawl at a time each: a worker with several lanes could take all six jobs before the other one looks.
    setup.start_worker("w1", crawls=1)
    setup.start_worker("w2", crawls=1)
    queue = Queue(keys.CRAWL_QUEUE, connection=setup.redis)
    # As if two schedulers raced: a second job for every source, queued right behind the first.
    jobs = [queue.enqueue(CRAWL_JOB, s, retry=Retry(max=1), job_timeout=180) for s in setup.sources for _ in (1, 2)]
    wait_for("every job done", lambda: all(j.get_status(refresh=True) in ("finished", "failed") for j in jobs), 240)
    results = [j.return_value() for j in jobs]
    assert all(r is not None and r["status"] in ("ok", "skipped") for r in results), results
    crawls = intervals(setup.log(keys.CRAWL_LOG), "source")
    assert set(crawls) == set(setup.sources)
    for source, spans in crawls.items():
        assert no_overlap(spans), (source, spans)
        assert setup.site.max_in_flight[f"/feed/{source}.xml"] == 1  # the site never saw two crawls at once
    assert {w for spans in crawls.values() for _, _, w in spans} == {"w1", "w2"}  # the work was shared
    runs = SourceRunStore(setup.resources.db).latest(setup.sources)
    assert set(runs) == set(setup.sources) and all(r.status == "ok" for r in runs.values())
    assert setup.redis.get(keys.crawl_pending(setup.sources[1])) is None  # released for the next interval


def crawl_children(setup: Setup, worker: str) -> list[int]:
    """Live warm crawl children of this test's worker named ``worker``.

    Matched by command line and by this test's config in the environment the child inherited: a benchmark or
    another run on the machine may have a worker of the same name.
    """
    out = []
    needle = b"yuqing.queue.crawl_child\x00--worker\x00" + worker.encode() + b"\x00"
    ours = f"YUQING_CONFIG={setup.env['YUQING_CONFIG']}".encode() + b"\x00"
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmdline = (entry / "cmdline").read_bytes()
                if needle in cmdline and ours in (entry / "environ").read_bytes() + b"\x00":
                    out.append(int(entry.name))
            except OSError:
                continue
    return out


@pytest.mark.slow
@pytest.mark.postgres
def test_a_killed_workers_job_is_retried_by_another(setup: Setup) -> None:
    source = setup.sources[0]
    setup.site.delay = 30  # the crawl hangs on its page: the worker is killed in the middle of it
    scheduler = setup.scheduler()
    w1 = setup.start_worker("w1")
    job = scheduler.enqueue(source)
    assert job is not None
    wait_for("w1 crawling", lambda: setup.site.in_flight[f"/feed/{source}.xml"] == 1, 120)
    assert crawl_children(setup, "w1")
    assert scheduler.reap() == []  # a live worker's job is left alone
    w1.send_signal(signal.SIGKILL)
    w1.wait()
    wait_for("the orphaned crawl child to die with its worker", lambda: not crawl_children(setup, "w1"), 10)
    setup.site.delay = 0.2
    setup.start_worker("w2")
    # The dead worker's heartbeat and lease run out after LEASE seconds; then the job goes back on the queue.
    requeued = wait_for("the job requeued", scheduler.reap, 30, every=0.5)
    assert requeued == [job.id]
    wait_for("the retry done", lambda: job.get_status(refresh=True) == "finished", 120)
    result = job.return_value()
    assert result is not None and result["status"] == "ok" and result["attempt"] == 2
    assert int(setup.redis.get(keys.RETRIED) or 0) == 1
    starts = [e for e in setup.log(keys.CRAWL_LOG) if e["event"] == "start"]
    assert [e["worker"] for e in starts] == ["w1", "w2"]
    runs = SourceRunStore(setup.resources.db).runs(source)
    # Newest first: the retry did the work; the killed crawl's run, recorded when it started, shows as failed.
    assert [r.status for r in runs] == ["ok", "failed"]
    assert runs[1].finish_reason == "interrupted"
    measured = health.measure(setup.redis)
    assert measured.retried == 1 and measured.failed == 0 and [w.name for w in measured.workers] == ["w2"]


@pytest.mark.slow
@pytest.mark.postgres
def test_a_worker_crawls_several_sources_at_once_and_a_killed_one_has_all_of_them_retried(setup: Setup) -> None:
    setup.site.delay = 4  # long enough for the three crawls to be seen running side by side
    scheduler = setup.scheduler()
    w1 = setup.start_worker("w1", crawls=3)
    jobs = [scheduler.enqueue(s) for s in setup.sources]
    assert all(j is not None for j in jobs)
    wait_for("three crawls in flight at once", lambda: sum(setup.site.in_flight.values()) == 3, 60)
    children = crawl_children(setup, "w1")
    assert len(children) == 1  # the three lanes share the one warm crawl child
    assert {j.get_status(refresh=True) for j in jobs if j} == {"started"}
    assert scheduler.reap() == []  # the lanes' jobs belong to a live worker (its heartbeat speaks for them)
    w1.send_signal(signal.SIGKILL)
    w1.wait()
    wait_for("the crawl child to die with its worker", lambda: not crawl_children(setup, "w1"), 10)
    setup.site.delay = 0.2
    setup.start_worker("w2", crawls=2)
    requeued: list[str] = []
    wait_for("the three jobs requeued", lambda: requeued.extend(scheduler.reap()) or len(requeued) == 3, 30, every=0.5)
    assert sorted(requeued) == sorted(j.id for j in jobs if j)
    wait_for("the retries done", lambda: all(j.get_status(refresh=True) == "finished" for j in jobs if j), 120)
    results = [j.return_value() for j in jobs if j]
    assert all(r is not None and r["status"] == "ok" and r["attempt"] == 2 for r in results), results
    assert int(setup.redis.get(keys.RETRIED) or 0) == 3
    crawls = intervals(setup.log(keys.CRAWL_LOG), "source")
    for source in setup.sources:
        assert setup.site.max_in_flight[f"/feed/{source}.xml"] == 1  # never one source twice at once
        assert [w for _, _, w in crawls[source]] == ["w2"]  # the killed crawls logged no end; the retries did
    assert [w.name for w in health.measure(setup.redis).workers] == ["w2"]


@pytest.mark.slow
@pytest.mark.postgres
def test_jobs_reuse_the_warm_child_and_a_crashed_child_is_replaced_and_its_job_retried(setup: Setup) -> None:
    scheduler = setup.scheduler()
    worker = setup.start_worker("w1")
    first = [scheduler.enqueue(s) for s in setup.sources]
    assert all(j is not None for j in first)
    wait_for("the crawls done", lambda: all(j.get_status(refresh=True) == "finished" for j in first if j), 120)
    results = [j.return_value() for j in first if j]
    children = {r["crawl_child"] for r in results if r}
    assert all(r and r["status"] == "ok" for r in results) and len(children) == 1  # one child, reused
    assert crawl_children(setup, "w1") == list(children)
    source = setup.sources[0]
    setup.site.delay = 30  # the next crawl hangs on its page; its child is killed in the middle of it
    job = scheduler.enqueue(source)
    assert job is not None
    wait_for("the crawl running", lambda: setup.site.in_flight[f"/feed/{source}.xml"] == 1, 60)
    os.kill(children.pop(), signal.SIGKILL)
    setup.site.delay = 0.2
    wait_for("the job retried", lambda: job.get_status(refresh=True) == "finished", 120)
    result = job.return_value()
    assert result is not None and result["status"] == "ok" and result["attempt"] == 2
    assert result["crawl_child"] not in (None, *{r["crawl_child"] for r in results if r})  # a new child
    assert worker.poll() is None and int(setup.redis.get(keys.RETRIED) or 0) == 1
    assert setup.redis.get(keys.crawl_pending(source)) is None  # released once the retry ran
    runs = SourceRunStore(setup.resources.db).runs(source)
    assert [r.status for r in runs][:2] == ["ok", "failed"] and runs[1].finish_reason == "interrupted"


@pytest.mark.slow
@pytest.mark.postgres
def test_two_workers_evaluate_each_rule_once_per_moment(setup: Setup) -> None:
    setup.start_worker("w1")
    setup.start_worker("w2")
    rules = [f"share-{i}" for i in range(8)]
    moments = []
    for _ in range(5):
        moment = time.time()
        moments.append(repr(moment))
        setup.redis.set(keys.EVAL_MOMENT, repr(moment))
        wait_for(
            "every rule evaluated",
            lambda m=moment: all(float(setup.redis.get(keys.rule_done(r)) or 0) >= m for r in rules),  # type: ignore[misc]
            60,
        )
        time.sleep(0.3)
    entries = [e for e in setup.log(keys.EVAL_LOG) if e["rule"] in rules]
    pairs = [(e["rule"], e["moment"]) for e in entries]
    assert len(pairs) == len(set(pairs)) == len(rules) * len(moments)  # each rule once per moment, none missed
    assert {m for _, m in pairs} == set(moments)
    assert all(e["status"] == "evaluated" for e in entries)
    for rule, spans in intervals(entries, "rule").items():
        assert no_overlap(spans), (rule, spans)  # one owner at a time
    assert {e["worker"] for e in entries} == {"w1", "w2"}  # the rules were shared
    state = setup.resources.alerts.rule_health("share-0")
    assert state is not None and state.last_ok_at is not None
    # `yuqing workers` shows both; the compose healthcheck's probe passes on this host.
    health.publish(setup.redis, health.measure(setup.redis, rules))
    runner = CliRunner()
    env = {"YUQING_CONFIG": str(setup.settings.config), "YUQING_REDIS_URL": str(setup.settings.redis_url)}
    result = runner.invoke(app, ["workers"], env=env)
    assert result.exit_code == 0, result.output
    assert "w1" in result.output and "w2" in result.output and "workers alive: 2" in result.output
    assert runner.invoke(app, ["workers", "--check", "worker"], env=env).exit_code == 0
    assert runner.invoke(app, ["workers", "--check", "scheduler"], env=env).exit_code == 0
    listing = runner.invoke(app, ["sources"])  # the fixture's environment: the same stores and Redis
    assert "队列 queue: 0 waiting" in listing.output and "2 workers alive" in listing.output, listing.output


def test_healthz_reports_the_queue_only_when_one_is_configured(
    tmp_path: Path, redis: Redis, redis_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from fastapi.testclient import TestClient

    from api.app import create_app

    config = tmp_path / "yuqing.yaml"
    config.write_text("version: 1\nbrands: [{name: 鲜达外卖, keywords: [鲜达]}]\n", encoding="utf-8")
    monkeypatch.setenv("YUQING_CONFIG", str(config))
    monkeypatch.setenv("YUQING_DATA_DIR", str(tmp_path / "data"))
    resources = Resources.open(load_settings())
    try:
        with TestClient(create_app(resources)) as client:
            assert "queue" not in client.get("/healthz").json()  # embedded: no queue, nothing said
        monkeypatch.setenv("YUQING_REDIS_URL", redis_url)
        resources.settings = load_settings()
        with TestClient(create_app(resources)) as client:
            response = client.get("/healthz")
            assert response.status_code == 200  # the API serves without a scheduler; the queue section says so
            assert response.json()["queue"]["ok"] is False
            info = WorkerInfo("w1", "h", 1, utcnow().isoformat(), utcnow().isoformat(), "crawl feed-a")
            health.publish(redis, QueueHealth(utcnow(), 7, 95.0, 1, 2, 3, [info], 0.5))
            queue = client.get("/healthz").json()["queue"]
            assert queue["ok"] is True and queue["depth"] == 7 and queue["oldest_job_age_seconds"] == 95.0
            assert queue["failed"] == 2 and queue["retried"] == 3 and queue["workers_alive"] == 1
            assert queue["workers"][0]["current"] == "crawl feed-a"
    finally:
        resources.close()


@pytest.mark.slow
@pytest.mark.postgres
def test_two_workers_open_one_ticket_per_crisis_post_many_at_a_time(setup: Setup) -> None:
    """A crisis burst: the critical_words rule opens its tickets concurrently (several per evaluation) while
    two workers share it, and still each post gets exactly one ticket; the second post of a thread joins the
    first one's ticket instead of racing it."""
    setup.start_worker("w1")
    setup.start_worker("w2")
    threads = [f"t{i}" for i in range(30)]
    batches: list[list[Mention]] = [[], [], []]
    for i, thread in enumerate(threads):
        posts = [thread] if i % 3 else [thread, f"{thread}-reply"]  # 10 threads of two posts
        for post in posts:
            text = f"鲜达外卖吃完食物中毒了（{post}）"
            parent = thread if post != thread else None
            batches[i % 3].append(make_mention(text, post_id=post, parent_id=parent, updated_at=utcnow()))
    for batch in batches:
        batch = [m.model_copy(update={"updated_at": utcnow()}) for m in batch]
        setup.resources.mentions.upsert(batch)
        setup.resources.mentions.refresh()
        moment = utcnow()
        moments.advance(setup.redis, moment)
        wait_for(
            "the crisis rule evaluated",
            lambda m=moment.timestamp(): float(setup.redis.get(keys.rule_done("crisis")) or 0) >= m,  # type: ignore[misc]
            90,
        )
    crisis = [m for batch in batches for m in batch]
    with setup.resources.db.session() as s:
        tickets = s.execute(select(Ticket.id, Ticket.alert_key).where(Ticket.alert_rule == "crisis")).all()
        links = s.execute(select(TicketMention.mention_id, TicketMention.ticket_id)).all()
    assert len(tickets) == len(threads)  # one per thread: no duplicate, none missed
    assert len({key for _, key in tickets}) == len(threads)
    linked = Counter(mention for mention, _ in links)
    assert set(linked) == {m.id for m in crisis} and set(linked.values()) == {1}  # every post on one ticket
    entries = [e for e in setup.log(keys.EVAL_LOG) if e["rule"] == "crisis"]
    assert no_overlap(intervals(entries, "rule")["crisis"])  # one owner per rule and moment
    assert max(int(e["fired"]) for e in entries) > 1  # several tickets opened in one evaluation
    # A moment published by an earlier clock never moves the published one back.
    assert not moments.advance(setup.redis, utcnow() - timedelta(minutes=5))
