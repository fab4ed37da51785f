"""The worker's side of its warm crawl child: start it, feed it crawl jobs, replace it when it dies.

Starting ``yuqing crawl SOURCE`` for every job costs about ten seconds of Python, Scrapy and model loading for a
crawl that waits a fraction of a second on its pages. A :class:`WarmCrawler` keeps one child
(:mod:`yuqing.queue.crawl_child`) for the life of the worker and sends it jobs over a pipe.

What stays as it was with one process per crawl:

* the child is the worker's own (``PR_SET_PDEATHSIG``): if the worker dies, even by SIGKILL, the kernel kills
  the child, so a retried job never runs beside an orphaned crawl of the same source;
* a crawl that outlives ``crawl_timeout`` is stopped by killing the child (the next job starts a fresh one);
* a child that dies in the middle of a crawl fails that crawl with :class:`CrawlChildDied`, which the job
  raises so that RQ retries it; the next crawl starts a new child.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import logging
import os
import signal
import subprocess
import sys
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from pathlib import Path
from typing import IO, Any

from config.settings import Settings
from foundation.timeutil import utcnow
from yuqing.worker import CrawlResult, _die_with_parent, settings_env

log = logging.getLogger(__name__)

#: How long a new child may take to import Scrapy, load the models and migrate the database.
START_TIMEOUT = 300.0


class CrawlChildDied(RuntimeError):
    """The crawl child ended while a crawl was running in it (killed, or it crashed): the crawl did not finish
    and should be retried."""


class WarmCrawler:
    """One long-lived crawl child; :meth:`crawl` is safe to call from several threads at once."""

    def __init__(self, settings: Settings, log_dir: Path, worker: str, *, concurrency: int = 1):
        self.settings = settings
        self.log_file = log_dir / f"crawl-child-{worker}.log"
        self.worker = worker
        self.concurrency = concurrency
        self.started = 0  # children started so far (1 + replacements)
        self._lock = threading.Lock()
        self._proc: subprocess.Popen[bytes] | None = None
        self._input: IO[bytes] | None = None
        # job id -> (the child it was sent to, its reply): a dying child fails only its own crawls
        self._pending: dict[str, tuple[subprocess.Popen[bytes], Future[dict[str, Any]]]] = {}
        self._ready: Future[dict[str, Any]] | None = None
        self._ids = itertools.count(1)
        # PR_SET_PDEATHSIG follows the *thread* that started the child, not the process: a child started by a crawl
        # lane (yuqing.queue.lanes) would be killed when that lane's thread ends. One spawner thread that lives as
        # long as this object starts every child, so a child dies with the worker and with nothing less.
        self._spawner = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"crawl-spawn-{worker}")

    @property
    def pid(self) -> int | None:
        """The live child's process id, if one runs."""
        proc = self._proc
        return proc.pid if proc is not None and proc.poll() is None else None

    def start(self) -> None:
        """Start a child unless one is running, and wait until it is ready (models loaded)."""
        with self._lock:
            self._start_locked()

    def _start_locked(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            return
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, **settings_env(self.settings)}
        cmd = [sys.executable, "-m", "yuqing.queue.crawl_child", "--worker", self.worker]
        cmd += ["--concurrency", str(self.concurrency)]
        with self.log_file.open("ab") as stderr:
            stderr.write(f"\n==== {utcnow().isoformat()} crawl child of {self.worker} starts ====\n".encode())
            stderr.flush()
            proc = self._spawner.submit(
                subprocess.Popen,  # our own interpreter and module, no shell
                cmd,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=stderr,
                env=env,
                start_new_session=True,  # its own group: a timeout kills the child and anything it started
                preexec_fn=_die_with_parent if sys.platform == "linux" else None,
            ).result()
        assert proc.stdin is not None and proc.stdout is not None
        self._proc, self._input = proc, proc.stdin
        self._ready = Future()
        self.started += 1
        threading.Thread(target=self._read, args=(proc, proc.stdout, self._ready), daemon=True).start()
        try:
            hello = self._ready.result(timeout=START_TIMEOUT)
        except (FutureTimeout, CrawlChildDied) as exc:
            self._kill(proc)
            raise CrawlChildDied(f"the crawl child did not start: {exc or 'timed out'}; see {self.log_file}") from exc
        log.info("crawl child %s of %s ready", hello.get("pid"), self.worker)

    def _read(self, proc: subprocess.Popen[bytes], out: IO[bytes], ready: Future[dict[str, Any]]) -> None:
        """The reader thread of one child: hand each reply to the crawl waiting for it; fail them all at the end."""
        for raw in out:
            try:
                message = json.loads(raw)
            except ValueError:
                log.warning("crawl child of %s wrote an unreadable line: %r", self.worker, raw[:200])
                continue
            if message.get("ready"):
                ready.set_result(message)
                continue
            with self._lock:
                entry = self._pending.pop(str(message.get("id")), None)
            if entry is not None and not entry[1].done():
                entry[1].set_result(message)
        code = proc.wait()
        died = CrawlChildDied(f"the crawl child {proc.pid} of {self.worker} ended (exit code {code})")
        if not ready.done():
            ready.set_exception(died)
        with self._lock:
            if self._proc is proc:
                self._proc = self._input = None
            orphans = [job for job, (child, _) in self._pending.items() if child is proc]
            replies = [self._pending.pop(job)[1] for job in orphans]
        for waiting in replies:
            if not waiting.done():
                waiting.set_exception(died)

    def crawl(self, source: str, timeout: float) -> CrawlResult:
        """Crawl ``source`` in the child (starting one if none runs) and return how it went.

        Raises :class:`CrawlChildDied` when the child ends before the crawl does. A crawl still running after
        ``timeout`` seconds is stopped by killing the child, as the scheduler kills a ``yuqing crawl`` process.
        """
        job_id = str(next(self._ids))
        reply: Future[dict[str, Any]] = Future()
        with self._lock:
            self._start_locked()
            proc, stdin = self._proc, self._input
            assert proc is not None and stdin is not None
            self._pending[job_id] = (proc, reply)
            try:
                stdin.write(json.dumps({"id": job_id, "source": source}).encode() + b"\n")
                stdin.flush()
            except OSError as exc:
                self._pending.pop(job_id, None)
                raise CrawlChildDied(f"the crawl child of {self.worker} is gone: {exc}") from exc
        try:
            message = reply.result(timeout=timeout)
        except FutureTimeout:
            log.warning("crawl of %s still running after %.0fs: stopping the crawl child", source, timeout)
            self._kill(proc)
            return CrawlResult(source, -9, None, self.log_file, f"stopped after {timeout:.0f}s (crawl_timeout)")
        report = message.get("report")
        if report is None:
            return CrawlResult(source, 1, None, self.log_file, str(message.get("error") or "no report"))
        error = str(report["error"]) if report.get("error") else None
        return CrawlResult(source, 0, report, self.log_file, error)

    def _kill(self, proc: subprocess.Popen[bytes]) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()

    def close(self, timeout: float = 30.0) -> None:
        """Let the child finish what it runs (its input closes), then make sure it is gone."""
        with self._lock:
            proc, stdin = self._proc, self._input
        if proc is not None:
            if stdin is not None:
                with contextlib.suppress(OSError):
                    stdin.close()
            try:
                proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self._kill(proc)
        # Only now: the spawner thread's end would kill a child still running.
        self._spawner.shutdown(wait=False)
