"""Text normalisation: what every mention's text looks like before it is matched, scored and stored.

Spiders hand over what the page had: HTML fragments, entities, non-breaking and zero-width spaces,
decomposed accents. The same post crawled twice must come out byte-identical, or the store sees a change
that is not one; and brand matching must not miss a keyword split by a ``<b>`` tag.
"""

from __future__ import annotations

import hashlib
import html
import re
import unicodedata
import warnings
from typing import TYPE_CHECKING, Any

from bs4 import BeautifulSoup, MarkupResemblesLocatorWarning
from scrapy.exceptions import DropItem

from crawlers.items import MentionItem
from crawlers.settings import STAT_DROPPED

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector

# Text that merely looks like a file name or URL is still text here; bs4 would warn about it on every item.
warnings.filterwarnings("ignore", category=MarkupResemblesLocatorWarning)

#: The stored post id is limited to 512 characters; longer ids (long URLs) are replaced by a digest.
MAX_POST_ID = 512

_TAG = re.compile(r"<\s*/?\s*[A-Za-z!][^>]*>")
_ENTITY = re.compile(r"&(#\d+|#x[0-9A-Fa-f]+|[A-Za-z][A-Za-z0-9]{1,31});")
_INVISIBLE = re.compile("[\u200b-\u200d\u2060\ufeff\u00ad]")  # zero-width characters and soft hyphens
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SPACES = re.compile(r"[^\S\n]+")  # any whitespace but a newline (includes NBSP and the ideographic space)
_BLANK_LINES = re.compile(r"\n\s*\n+")
_NEWLINES = re.compile(r"\n{2,}")
_BLOCK_TAGS = (
    "p", "div", "li", "ul", "ol", "tr", "table", "h1", "h2", "h3", "h4", "h5", "h6",
    "blockquote", "pre", "section", "article", "header", "footer", "dd", "dt",
)  # fmt: skip
_DROP_TAGS = ("script", "style", "noscript", "template", "head")


def looks_like_html(text: str) -> bool:
    """Whether ``text`` holds tags or character entities."""
    return bool(_TAG.search(text) or _ENTITY.search(text))


def html_to_text(markup: str) -> str:
    """The readable text of an HTML fragment: blocks on their own lines, scripts and styles left out."""
    if not looks_like_html(markup):
        return clean_text(markup)
    soup = BeautifulSoup(markup, "html.parser")
    for tag in soup.find_all(_DROP_TAGS):
        tag.decompose()
    for br in soup.find_all("br"):
        br.replace_with("\n")
    for tag in soup.find_all(_BLOCK_TAGS):
        # Without these, "<p>a</p><p>b</p>" would read "ab" and words would merge across paragraphs.
        tag.insert_before("\n")
        tag.insert_after("\n")
    # One line per block: the blank lines between blocks are markup artefacts, not paragraph breaks.
    return _NEWLINES.sub("\n", clean_text(soup.get_text()))


def clean_text(text: str) -> str:
    """NFC, no invisible or control characters, single spaces, at most one blank line, trimmed."""
    text = unicodedata.normalize("NFC", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _INVISIBLE.sub("", text)
    text = _CONTROL.sub("", text)
    text = _SPACES.sub(" ", text)
    text = "\n".join(line.strip() for line in text.split("\n"))
    text = _BLANK_LINES.sub("\n\n", text)
    return text.strip()


def normalize_text(text: str) -> str:
    """Clean ``text``, first removing any HTML left in it."""
    if _TAG.search(text):
        return html_to_text(text)  # BeautifulSoup decodes the entities too
    if _ENTITY.search(text):
        # Decoded once only: "&amp;lt;" was meant to read "&lt;".
        text = html.unescape(text)
    return clean_text(text)


def normalize_line(text: str | None) -> str | None:
    """A one-line field (title, author): normalised, newlines folded into spaces; ``None`` when empty."""
    if text is None:
        return None
    line = " ".join(normalize_text(text).split())
    return line or None


def normalize_post_id(post_id: str) -> str:
    """The post id trimmed; one longer than the store allows becomes a stable digest of itself."""
    post_id = unicodedata.normalize("NFC", post_id).strip()
    if len(post_id) > MAX_POST_ID:
        return "sha256:" + hashlib.sha256(post_id.encode()).hexdigest()
    return post_id


class NormalizePipeline:
    """Normalises ``text``, ``title``, ``author``, ``post_id`` and ``url``; drops items left without text.

    Dropped items are counted in ``yuqing/dropped/empty`` (``yuqing/dropped/invalid`` for objects that are
    not a :class:`~crawlers.items.MentionItem`, which is a spider bug).
    """

    def __init__(self, stats: StatsCollector):
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler.stats)

    def process_item(self, item: Any) -> MentionItem:
        if not isinstance(item, MentionItem):
            self.stats.inc_value(f"{STAT_DROPPED}/invalid")
            raise DropItem(f"not a MentionItem: {type(item).__name__}")
        item.text = normalize_text(item.text)
        item.title = normalize_line(item.title)
        item.author = normalize_line(item.author)
        item.post_id = normalize_post_id(item.post_id)
        item.url = (item.url or "").strip() or None
        if not item.text:
            self.stats.inc_value(f"{STAT_DROPPED}/empty")
            raise DropItem(f"empty text: {item.platform}/{item.post_id}")
        if not item.post_id:
            self.stats.inc_value(f"{STAT_DROPPED}/invalid")
            raise DropItem("empty post id")
        return item
