"""``yuqing demo``: one full monitoring cycle on bundled offline sources.

The demo serves its own fictional website on loopback, crawls it with the real spiders (each source in its
own process), scores and indexes what mentions the demo brands, evaluates the alert rules and opens tickets
through the API in-process, then prints what happened. It keeps its data under ``var/demo`` so a second run
shows that nothing is duplicated.
"""

from __future__ import annotations

import asyncio
import os
from importlib.resources import files
from pathlib import Path

from rich.console import Console

DEMO_CONFIG = Path(str(files("yuqing.demo").joinpath("yuqing.yaml")))


def run_demo(data_dir: Path, console: Console) -> int:
    """Run the demo cycle; returns the exit code."""
    from api.resources import Resources
    from config.loader import load_config
    from config.settings import Settings
    from yuqing.demo.next_steps import new_api_key, serve_command
    from yuqing.demo.server import DemoSite
    from yuqing.report import Snapshot, print_cycle
    from yuqing.worker import Worker

    data_dir = data_dir.resolve()
    with DemoSite() as site:
        os.environ["YUQING_DEMO_SITE"] = site.url
        config = load_config(DEMO_CONFIG)
        # The demo is the embedded tier by definition: its own SQLite files, whatever the environment says.
        settings = Settings(
            config=DEMO_CONFIG,
            data_dir=data_dir,
            mention_store_url=f"sqlite:///{(data_dir / 'mentions.sqlite3').as_posix()}",
            database_url=f"sqlite:///{(data_dir / 'yuqing.sqlite3').as_posix()}",
            api_url=None,
        )
        console.rule("[bold]Yuqing demo[/]: one monitoring cycle on offline sources")
        console.print(f"demo site: {site.url} (fictional news feed, forum and review pages)")
        console.print(
            f"brands: {', '.join(config.brand_names())}; sources: "
            f"{', '.join(s.name for s in config.sources)}; rules: "
            f"{', '.join(r.name for r in config.alerts.rules)}"
        )
        resources = Resources.open(settings, config)
        try:
            before = Snapshot.take(resources)
            worker = Worker(settings, config, resources)

            async def cycle() -> object:
                try:
                    with console.status("crawling (one process per source), scoring, indexing…"):
                        return await worker.run_once(
                            lambda c: console.print(f"  crawled [bold]{c.source}[/]: {c.status}")
                        )
                finally:
                    await worker.aclose()

            report = asyncio.run(cycle())
            console.print()
            print_cycle(console, resources, report, before)  # type: ignore[arg-type]
        finally:
            resources.close()
    key = new_api_key()
    console.print()
    console.print("Next, serve what the demo collected (paste this line as it is):")
    # Printed raw and unwrapped: rich would otherwise break the line at the terminal width and mangle the paste.
    console.print(serve_command(DEMO_CONFIG, data_dir, key), soft_wrap=True, markup=False, highlight=False)
    console.print(
        "then open http://127.0.0.1:8000/ (the dashboard: sign in with the key above) or "
        "http://127.0.0.1:8000/docs (the API).",
        soft_wrap=True,
        markup=False,
        highlight=False,
    )
    failed = [c.source for c in report.crawls if c.status == "failed"]  # type: ignore[attr-defined]
    if failed:
        console.print(f"[bold red]crawls failed:[/] {', '.join(failed)} (see the logs above)")
        return 1
    return 0
