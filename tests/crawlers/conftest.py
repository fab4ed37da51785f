"""Crawler test fixtures: a local HTTP server, configs built through the real loader, and real crawls.

Every crawl in these tests goes to ``127.0.0.1`` only. Twisted's reactor cannot be restarted in one process,
so each real crawl runs in a process of its own (:class:`CrawlLauncher`), as the scheduler runs
``yuqing crawl``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from config.loader import parse_config
from config.models import AppConfig
from tests.crawlers.local_server import Hit, LocalServer

REPO = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture
def server() -> Iterator[LocalServer]:
    srv = LocalServer()
    try:
        yield srv
    finally:
        srv.close()


# -- configs ----------------------------------------------------------------------------------------------------
BRANDS_YAML = """\
brands:
  - name: xianda
    keywords: ["XianDa", "先达手机", "先达"]
    exclude: ["先达路"]
  - name: lumi
    keywords: ["Lumi", "露米"]
"""

# Fast and still polite in shape: no delay or autothrottle against the local server, quick retries.
TEST_CRAWL_YAML = """\
crawl:
  download_delay: 0
  autothrottle: false
  retry_times: 2
  retry_backoff_base: 0.05
  retry_backoff_max: 0.2
  retry_after_max: 5
  timeout_seconds: 5
  batch_size: 3
"""


def config_text(tmp_path: Path, sources_yaml: str, crawl_yaml: str = TEST_CRAWL_YAML) -> str:
    """A whole YAML config: stores in ``tmp_path``, the test brands, fast crawl options and the sources."""
    return (
        "settings:\n"
        f"  mention_store_url: sqlite:///{(tmp_path / 'mentions.sqlite3').as_posix()}\n"
        f"  database_url: sqlite:///{(tmp_path / 'yuqing.sqlite3').as_posix()}\n"
        f"  data_dir: {tmp_path.as_posix()}\n"
        "  log_level: DEBUG\n"
        + BRANDS_YAML
        + crawl_yaml
        + "sources:\n"
        + textwrap.indent(textwrap.dedent(sources_yaml).strip("\n"), "  ")
        + "\n"
    )


def write_config(tmp_path: Path, sources_yaml: str, crawl_yaml: str = TEST_CRAWL_YAML) -> tuple[Path, AppConfig]:
    """Write the config file a crawl subprocess reads, validated here through the real loader first."""
    text = config_text(tmp_path, sources_yaml, crawl_yaml)
    config = parse_config(text, "test.yaml")
    path = tmp_path / "yuqing.yaml"
    path.write_text(text, encoding="utf-8")
    return path, config


# -- real crawls in their own processes ---------------------------------------------------------------------
_CRAWL = """
import os, sys, traceback
from pathlib import Path

from config.loader import load_config
from config.settings import load_settings
from crawlers.runner import crawl, report_to_json


def run(config: str, source: str) -> int:
    os.environ["YUQING_CONFIG"] = config
    try:
        path = Path(config)
        report = crawl(load_config(path), load_settings(path), source, install_signal_handlers=False)
    except BaseException:
        traceback.print_exc()
        return 1
    print("=== REPORT ===")
    print(report_to_json(report))
    return 0
"""

_SINGLE = (
    _CRAWL
    + """
sys.exit(run(sys.argv[1], sys.argv[2]))
"""
)

# Imports everything a crawl needs once (Scrapy, SQLAlchemy, jieba's dictionary, the sentiment model: seconds of
# CPU), then forks one child per job read from stdin. Each crawl still runs in a fresh process of its own, as
# under the scheduler; only the imports are shared. It creates no thread, event loop or reactor before forking.
_ZYGOTE = (
    _CRAWL
    + """
import json, signal

import crawlers.middlewares.retry, crawlers.middlewares.robots, crawlers.spiders.feed, crawlers.spiders.html
import crawlers.pipelines.brands, crawlers.pipelines.dedupe, crawlers.pipelines.normalize
import crawlers.pipelines.sentiment, crawlers.pipelines.store
import index.sqlite
from index.text import index_fields
from sentiment.features import tokens
from sentiment.zh import load_model

index_fields("", "先达手机")  # loads jieba's dictionary
load_model()
tokens("预热")
signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # children are reaped without waiting for them
for line in sys.stdin:
    job = json.loads(line)
    sys.stdout.flush()
    sys.stderr.flush()
    if os.fork():
        continue
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    code = 1
    try:
        for fd, name in ((1, "out"), (2, "err")):
            target = os.open(job[name], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            os.dup2(target, fd)
            os.close(target)
        code = run(job["config"], job["source"])
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        with open(job["done"] + ".tmp", "w") as marker:
            marker.write(str(code))
        os.replace(job["done"] + ".tmp", job["done"])
        os._exit(code)
"""
)


@dataclass
class CrawlResult:
    report: dict[str, Any]
    log: str  # the crawl's stderr (Scrapy's log)
    seconds: float


@dataclass
class _Job:
    out: Path
    err: Path
    done: Path
    started: float
    proc: subprocess.Popen[str] | None = None


def _crawl_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("YUQING_")}
    # Offline by construction: no proxy may send a crawl anywhere but 127.0.0.1.
    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        env.pop(name, None)
    return env


class CrawlLauncher:
    """Runs real crawls the way the scheduler runs ``yuqing crawl``: each in a process of its own.

    With ``os.fork`` the processes are forked from a zygote that has done the imports (see ``_ZYGOTE``);
    without it, each is a plain ``python -c`` subprocess. Crawls started together run concurrently.
    """

    def __init__(self, workdir: Path):
        self.workdir = workdir
        self._count = 0
        self._zygote: subprocess.Popen[str] | None = None
        self._zygote_log = workdir / "zygote.log"
        if hasattr(os, "fork"):
            with self._zygote_log.open("w") as log:
                self._zygote = subprocess.Popen(
                    [sys.executable, "-c", _ZYGOTE],
                    cwd=REPO,
                    env=_crawl_env(),
                    stdin=subprocess.PIPE,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    text=True,
                )

    def run(self, jobs: list[tuple[Path, str]], timeout: float = 90) -> list[CrawlResult]:
        """Crawl each ``(config_path, source)``, all at once; the reports they printed, in order."""
        started = [self._start(path, source) for path, source in jobs]
        deadline = time.monotonic() + timeout
        return [self._wait(job, deadline) for job in started]

    def close(self) -> None:
        if self._zygote is not None:
            assert self._zygote.stdin is not None
            self._zygote.stdin.close()
            try:
                self._zygote.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._zygote.kill()
                self._zygote.wait()

    def _start(self, config_path: Path, source: str) -> _Job:
        self._count += 1
        base = self.workdir / f"crawl-{self._count}-{source}"
        job = _Job(base.with_suffix(".out"), base.with_suffix(".log"), base.with_suffix(".done"), time.monotonic())
        if self._zygote is not None:
            assert self._zygote.stdin is not None
            request = {"config": str(config_path), "source": source, "out": str(job.out), "err": str(job.err)}
            self._zygote.stdin.write(json.dumps({**request, "done": str(job.done)}) + "\n")
            self._zygote.stdin.flush()
        else:
            with job.out.open("w") as out, job.err.open("w") as err:
                job.proc = subprocess.Popen(
                    [sys.executable, "-c", _SINGLE, str(config_path), source],
                    cwd=REPO,
                    env={**_crawl_env(), "YUQING_CONFIG": str(config_path)},
                    stdout=out,
                    stderr=err,
                    text=True,
                )
        return job

    def _wait(self, job: _Job, deadline: float) -> CrawlResult:
        while True:
            if job.proc is not None and job.proc.poll() is not None:
                code = job.proc.returncode
                break
            if job.done.exists():
                code = int(job.done.read_text())
                break
            if self._zygote is not None and self._zygote.poll() is not None:
                raise AssertionError(f"the crawl zygote died:\n{self._zygote_log.read_text()[-8000:]}")
            if time.monotonic() > deadline:
                if job.proc is not None:
                    job.proc.kill()
                raise AssertionError(f"crawl timed out\n--- log ---\n{_tail(job.err)}")
            time.sleep(0.05)
        stdout, log = _tail(job.out, None), _tail(job.err, None)
        if code != 0 or "=== REPORT ===" not in stdout:
            raise AssertionError(f"crawl process exited {code}\n--- log ---\n{log[-8000:]}")
        report = json.loads(stdout.split("=== REPORT ===", 1)[1])
        return CrawlResult(report, log, time.monotonic() - job.started)


def _tail(path: Path, size: int | None = 8000) -> str:
    text = path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""
    return text if size is None else text[-size:]


# -- spiders without a reactor ----------------------------------------------------------------------------
def make_crawler(config: AppConfig, source_name: str, app_settings: Any = None) -> Any:
    """An unstarted Scrapy crawler with the settings the runner would use (stats work; nothing downloads)."""
    from scrapy.settings import SETTINGS_PRIORITIES
    from scrapy.utils.misc import load_object
    from scrapy.utils.test import get_crawler, get_reactor_settings

    from config.settings import Settings
    from crawlers.settings import build_settings

    source = config.source(source_name)
    settings = build_settings(config, app_settings or Settings(), source)
    ours = {name: settings[name] for name in settings if settings.getpriority(name) == SETTINGS_PRIORITIES["project"]}
    # No reactor runs in the test process: let Scrapy pick the reactor-less setup it supports there.
    return get_crawler(load_object(source.spider), {**ours, **get_reactor_settings()})


def make_spider(config: AppConfig, source_name: str) -> Any:
    """The source's spider, built through ``from_crawler`` as Scrapy would."""
    crawler = make_crawler(config, source_name)
    return crawler.spidercls.from_crawler(crawler)


def fixture_text(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


# Tests reach the helpers through fixtures: this conftest is not importable under a stable module name.
@pytest.fixture
def crawl_config(tmp_path: Path) -> Any:
    """``crawl_config(sources_yaml, crawl_yaml=...)`` → (config file path, validated AppConfig)."""

    def make(sources_yaml: str, crawl_yaml: str = TEST_CRAWL_YAML) -> tuple[Path, AppConfig]:
        return write_config(tmp_path, sources_yaml, crawl_yaml)

    return make


@pytest.fixture
def parse_yaml_config(tmp_path: Path) -> Any:
    """``parse_yaml_config(sources_yaml, crawl_yaml=...)`` → a validated AppConfig (no file written)."""

    def make(sources_yaml: str, crawl_yaml: str = TEST_CRAWL_YAML) -> AppConfig:
        return parse_config(config_text(tmp_path, sources_yaml, crawl_yaml), "test.yaml")

    return make


@pytest.fixture(scope="session")
def crawl_launcher(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CrawlLauncher]:
    launcher = CrawlLauncher(tmp_path_factory.mktemp("crawls"))
    try:
        yield launcher
    finally:
        launcher.close()


@pytest.fixture(scope="session")
def crawl_many(crawl_launcher: CrawlLauncher) -> Any:
    """``crawl_many([(config_path, source), ...])`` → their :class:`CrawlResult` (crawled concurrently)."""
    return crawl_launcher.run


@pytest.fixture(scope="session")
def crawl(crawl_launcher: CrawlLauncher) -> Any:
    """``crawl(config_path, source)`` → the :class:`CrawlResult` of one real crawl in its own process."""

    def one(config_path: Path, source: str) -> CrawlResult:
        return crawl_launcher.run([(config_path, source)])[0]

    return one


@pytest.fixture(scope="session")
def config_writer() -> Any:
    """``config_writer(folder, sources_yaml, crawl_yaml=...)`` → (config file path, validated AppConfig)."""
    return write_config


@pytest.fixture(scope="module")
def server_factory() -> Iterator[Any]:
    """``server_factory()`` → a new :class:`LocalServer`, closed when the test module ends."""
    servers: list[LocalServer] = []

    def make() -> LocalServer:
        servers.append(LocalServer())
        return servers[-1]

    try:
        yield make
    finally:
        for srv in servers:
            srv.close()


@dataclass
class Scenario:
    """One way a platform can misbehave: the routes of its own server, the source's options, and the
    ``Disallow`` line of its robots.txt (``None``: the server has no robots.txt)."""

    handlers: dict[str, Callable[[Hit], Any]]
    options: dict[str, Any] = field(default_factory=dict)
    disallow: str | None = None


@pytest.fixture(scope="module")
def crawl_scenarios(server_factory: Any, crawl_many: Any, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """``crawl_scenarios(scenarios, source)`` crawls each :class:`Scenario` concurrently against a server of
    its own, with the source ``source(server, name, **options)`` (YAML) in a folder of its own, and returns
    ``{name: (server, folder, CrawlResult)}``."""

    def run(
        scenarios: dict[str, Scenario], source: Callable[..., str]
    ) -> dict[str, tuple[LocalServer, Path, CrawlResult]]:
        made: dict[str, tuple[LocalServer, Path]] = {}
        jobs = []
        for name, scenario in scenarios.items():
            srv = server_factory()
            if scenario.disallow is not None:
                robots = f"User-agent: *\n{scenario.disallow}\n"
                srv.route("/robots.txt", srv.Reply(body=robots, content_type="text/plain"))
            for route, handler in scenario.handlers.items():
                srv.handle(route, handler)
            folder = tmp_path_factory.mktemp(name)
            path, _ = write_config(folder, source(srv, name, **scenario.options))
            made[name] = (srv, folder)
            jobs.append((path, name))
        results = crawl_many(jobs)
        return {name: (*made[name], result) for name, result in zip(made, results, strict=True)}

    return run


@pytest.fixture(scope="session")
def spider_for() -> Any:
    """``spider_for(config, source_name)`` → the source's spider built through ``from_crawler``."""
    return make_spider


@pytest.fixture(scope="session")
def crawler_for() -> Any:
    """``crawler_for(config, source_name)`` → an unstarted crawler with the runner's settings."""
    return make_crawler


@pytest.fixture(scope="session")
def fixture_file() -> Any:
    """``fixture(name)`` → the text of ``tests/crawlers/fixtures/<name>``."""
    return fixture_text
