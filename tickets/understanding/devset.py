"""The hand-labelled development set: labels kept here, texts read from ``../shared`` and joined by hash.

See ``devset/GUIDE.md`` for how the texts were picked and labelled, and for the train/dev split (by hash).
"""

from __future__ import annotations

import csv
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from bs4 import BeautifulSoup

from tickets.enums import Category

LABELS = Path(__file__).resolve().parent / "devset" / "labels.csv"
#: ``../shared`` beside the checkout.
SHARED = Path(__file__).resolve().parents[3] / "shared"

TYPES = ("complaint", "suggestion", "enquiry", "praise", "other")

#: Keys of a JSON capture that hold a user's text (``feedback``: Taobao item reviews).
_TEXT_KEYS = ("content", "text", "message", "feedback")
#: Posts of a Tieba page as captured up to 2024: thread floors, replies in a floor, search hits. A search hit's
#: ``p_content`` is read only inside ``s_post``, as thread pages also wrap each floor in a ``p_content``.
_HTML_POSTS = "div.d_post_content, span.lzl_content_main, div.s_post div.p_content"


@dataclass(frozen=True)
class Labelled:
    """One labelled text: categories with the primary first, type, urgent, and where it came from."""

    hash: str
    text: str
    domain: str
    categories: tuple[Category, ...]
    type: str
    urgent: bool
    split: str

    @property
    def primary(self) -> Category:
        return self.categories[0]


def text_hash(text: str) -> str:
    # An identifier of the text, not a security measure.
    return hashlib.sha1(text.strip().encode("utf-8"), usedforsecurity=False).hexdigest()


def _texts(path: Path) -> Iterator[str]:
    """Every text of a shared file: the ``text`` column of a CSV, each text field of a JSON capture, or each
    post of a captured HTML page (whitespace runs made one space, as a reader sees them)."""
    if path.suffix == ".csv":
        with path.open(encoding="utf-8-sig", newline="") as f:
            for row in csv.DictReader(f):
                yield row.get("text") or ""
        return
    if path.suffix == ".html":
        page = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
        for post in page.select(_HTML_POSTS):
            yield " ".join(post.get_text(" ").split())
        return
    stack: list[object] = [json.loads(path.read_text(encoding="utf-8"))]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            for key, value in node.items():
                if key in _TEXT_KEYS and isinstance(value, str):
                    yield value
                else:
                    stack.append(value)
        elif isinstance(node, list):
            stack.extend(node)


def load(split: str | None = None, shared: Path = SHARED, labels: Path = LABELS) -> list[Labelled]:
    """The labelled rows whose text is found in ``shared`` (``split``: "train", "dev" or None for both).

    Raises FileNotFoundError naming the missing shared file, so a caller can skip with a clear reason.
    """
    with labels.open(encoding="utf-8", newline="") as f:
        rows = [row for row in csv.DictReader(f) if split is None or row["split"] == split]
    wanted: dict[str, set[str]] = {}
    for row in rows:
        wanted.setdefault(row["source"], set()).add(row["hash"])
    found: dict[str, str] = {}
    for source, hashes in wanted.items():
        base = shared / "data" / "sentiment" if "/" not in source else shared
        path = base / source
        if not path.exists():
            raise FileNotFoundError(f"shared text file {path} is missing (labels in {labels} refer to it)")
        for text in _texts(path):
            digest = text_hash(text)
            if digest in hashes:
                found[digest] = text.strip()
    out = []
    for row in rows:
        if row["hash"] not in found:
            continue  # the shared copy changed; the row cannot be scored
        out.append(
            Labelled(
                hash=row["hash"],
                text=found[row["hash"]],
                domain=row["domain"],
                categories=tuple(Category(c) for c in row["categories"].split("|")),
                type=row["type"],
                urgent=row["urgent"] == "1",
                split=row["split"],
            )
        )
    return out
