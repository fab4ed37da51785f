"""The warm crawl child of a ``yuqing worker``: one process that crawls source after source on one reactor.

Started by :class:`yuqing.queue.warm.WarmCrawler` as ``python -m yuqing.queue.crawl_child``, with the worker's
settings in ``YUQING_*`` variables. It imports Scrapy, loads the sentiment and complaint models and migrates the
database once (:mod:`crawlers.session`), says it is ready, then takes jobs until its standard input closes.

The protocol is JSON lines. In, on standard input: ``{"id": "...", "source": "name"}``. Out, on the standard
output this process was given (stray prints go to standard error, with the logs): ``{"ready": true, "pid": N}``
once, then for each job ``{"id": "...", "report": {...}}`` (a :class:`~foundation.health.RunReport` as a dict) or
``{"id": "...", "error": "..."}`` when the run could not even be recorded. Up to ``--concurrency`` crawls run
side by side (they wait on pages, not on the processor).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import sys
from collections.abc import Iterator
from typing import IO, Any

from crawlers.session import CrawlSession, install_reactor, warm_up
from foundation.errors import YuqingError

log = logging.getLogger("yuqing.crawl_child")

#: Set to a path prefix, the child profiles its crawls with cProfile and writes ``<prefix>.<pid>.prof`` when its
#: input closes (``bench/crisis.py --profile``): py-spy is not at hand, and a worker's CPU per crawl is here.
PROFILE_ENV = "YUQING_CRAWL_PROFILE"


@contextlib.contextmanager
def _profiled(prefix: str | None) -> Iterator[None]:
    """Profile the body when ``prefix`` is set (see :data:`PROFILE_ENV`)."""
    if not prefix:
        yield
        return
    import cProfile

    profile = cProfile.Profile()
    profile.enable()
    try:
        yield
    finally:
        profile.disable()
        profile.dump_stats(f"{prefix}.{os.getpid()}.prof")


class Replies:
    """The protocol's output: one JSON object per line, flushed at once (the worker waits on it)."""

    def __init__(self, stream: IO[str]):
        self.stream = stream

    def send(self, message: dict[str, Any]) -> None:
        self.stream.write(json.dumps(message, ensure_ascii=False, default=str) + "\n")
        self.stream.flush()


async def serve(session: CrawlSession, replies: Replies, concurrency: int) -> None:
    """Read jobs from standard input and crawl them, ``concurrency`` at a time, until the input ends."""
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=1 << 20)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    limit = asyncio.Semaphore(concurrency)
    running: set[asyncio.Task[None]] = set()

    async def one(job_id: str, source: str) -> None:
        try:
            report = await session.crawl(source)
            replies.send({"id": job_id, "report": report.as_dict()})
        except YuqingError as exc:  # unknown source, or the run could not be recorded
            replies.send({"id": job_id, "error": str(exc)})
        except Exception as exc:  # a bug: this crawl fails, the child and the other crawls carry on
            log.exception("crawl of %s raised", source)
            replies.send({"id": job_id, "error": f"{type(exc).__name__}: {exc}"})
        finally:
            limit.release()

    while line := await reader.readline():
        try:
            job = json.loads(line)
            job_id, source = str(job["id"]), str(job["source"])
        except (ValueError, KeyError, TypeError):
            log.error("unreadable job line %r", line[:200])
            continue
        await limit.acquire()
        task = asyncio.create_task(one(job_id, source))
        running.add(task)
        task.add_done_callback(running.discard)
    await asyncio.gather(*running, return_exceptions=True)
    log.info("input closed after %d crawls; stopping", session.crawls)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--concurrency", type=int, default=1, help="crawls run side by side")
    parser.add_argument("--worker", default="-", help="the worker this child crawls for (for logs and `ps`)")
    args = parser.parse_args(argv)
    # The protocol keeps the real standard output; anything else printing there lands in the log instead.
    replies = Replies(os.fdopen(os.dup(1), "w", encoding="utf-8"))
    os.dup2(2, 1)
    from scrapy.utils.log import configure_logging

    from config.loader import load_config
    from config.settings import get_settings

    settings = get_settings()
    config = load_config(settings.config_path())
    configure_logging(
        {
            "LOG_LEVEL": settings.log_level,
            "LOG_FORMAT": f"%(asctime)s [{args.worker} crawl child] [%(name)s] %(levelname)s: %(message)s",
        }
    )
    install_reactor()
    from scrapy.utils.defer import deferred_from_coro
    from twisted.internet import reactor as installed
    from twisted.python.failure import Failure

    reactor: Any = installed  # the asyncio reactor; Twisted's stubs type the module, not the instance

    warm_up(config, {s.spider for s in config.sources if s.enabled})
    session = CrawlSession(config, settings).open()
    replies.send({"ready": True, "pid": os.getpid()})
    log.info("crawl child of %s ready (concurrency %d)", args.worker, args.concurrency)
    failed: list[BaseException] = []
    done = deferred_from_coro(serve(session, replies, max(1, args.concurrency)))

    def finished(outcome: Any) -> None:
        if isinstance(outcome, Failure):
            failed.append(outcome.value or RuntimeError(outcome.getErrorMessage()))
        reactor.stop()

    done.addBoth(finished)
    with _profiled(os.environ.get(PROFILE_ENV)):
        reactor.run(installSignalHandlers=False)
    session.close()
    if failed:
        log.error("crawl child stopped: %s", failed[0])
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
