"""The long-running commands: ``serve`` (the HTTP API), ``run`` (the scheduler) and ``demo`` (one offline cycle)."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path
from typing import Annotated

import typer

from yuqing.cli.common import EXIT_FAILED, EXIT_OK, console, err, handles_errors, load, open_resources


@handles_errors
def serve(
    host: Annotated[
        str | None, typer.Option(help="Address to listen on (default: YUQING_API_HOST, 127.0.0.1).")
    ] = None,
    port: Annotated[int | None, typer.Option(help="Port (default: YUQING_API_PORT, 8000).")] = None,
) -> None:
    """Start the HTTP API (docs at /docs). Crawls never run here: start [bold]yuqing run[/] for those."""
    import uvicorn

    from api.app import create_app

    settings, _ = load()  # validate the config before listening
    host = host or settings.api_host
    port = port or settings.api_port
    if not settings.api_keys:
        err.print("[yellow]warning:[/] no API keys configured (YUQING_API_KEYS); every API call will get 401.")
    uvicorn.run(create_app(settings=settings), host=host, port=port, log_level=settings.log_level.lower())


@handles_errors
def run(
    once: Annotated[
        bool, typer.Option("--once", help="Run one cycle (crawl every source, evaluate rules), then exit.")
    ] = False,
) -> None:
    """Run the scheduler: crawl each source on its interval, score, index, evaluate alert rules. Stops on Ctrl-C."""
    from yuqing.report import Snapshot, print_cycle
    from yuqing.worker import Worker

    with open_resources() as resources:
        if resources.settings.redis_url:
            err.print(
                "[yellow]note:[/] YUQING_REDIS_URL is set but `yuqing run` does all the work in this one process; "
                "to share it between machines run `yuqing scheduler` once and `yuqing worker` as often as needed."
            )
        worker = Worker(resources.settings, resources.config, resources)

        async def go() -> int:
            try:
                if once:
                    before = Snapshot.take(resources)
                    report = await worker.run_once(lambda c: err.print(f"crawled {c.source}: {c.status}"))
                    print_cycle(console, resources, report, before)
                    return EXIT_FAILED if any(c.status == "failed" for c in report.crawls) else EXIT_OK
                stop = asyncio.Event()
                loop = asyncio.get_running_loop()
                for sig in (signal.SIGINT, signal.SIGTERM):
                    loop.add_signal_handler(sig, stop.set)
                await worker.run_forever(stop)
                return EXIT_OK
            finally:
                await worker.aclose()

        code = asyncio.run(go())
    raise typer.Exit(code)


@handles_errors
def demo(
    data_dir: Annotated[Path, typer.Option(help="Where the demo keeps its SQLite stores and logs.")] = Path("var/demo"),
) -> None:
    """Run one monitoring cycle on bundled offline sources and print what happened (idempotent: run it twice)."""
    from yuqing.demo import run_demo

    raise typer.Exit(run_demo(data_dir, console))
