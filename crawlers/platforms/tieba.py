"""Baidu Tieba (tieba.baidu.com) as its PC pages were laid out up to 2024: HTML, read with parsel.

Kinds:

``search``
    keyword search results, ``/f/search/res?qw=``: ``div.s_post`` cards (title link with ``data-tid`` and a
    ``pid``/``cid`` in its ``href``, ``div.p_content``, ``a.p_forum``, author, ``.p_date``).
``thread``
    a thread page, ``/p/{tid}``: floors ``div.l_post`` (their ``data-field`` JSON holds ``post_id``,
    ``thread_id``, ``post_no``, ``comment_num``), ``div.d_post_content``, the date and "IP属地" in the tail,
    and the replies inside a floor (楼中楼, ``li.lzl_single_post``) where the page carries them.
``comments``
    the replies to one floor, ``/p/comment?tid=&pid=&pn=``: ``li.lzl_single_post``. This page does not name
    the floor it belongs to; the spider, which asked for it, sets the parent.

Identity: every post is its ``pid`` (a reply in a floor its ``spid``), so a search hit and the same floor read
from its thread are one mention; ``extra["thread_id"]`` keeps the thread. A floor's parent is the thread's
first floor when the page shows it; a reply's parent is its floor. Dates are China time.

**Layout caveat.** Since 2026-04 Tieba's PC pages no longer carry these structures: search and floors moved to
signed JSON APIs (``/mo/q/search/multsearch``, ``/c/f/pb/page_pc``) that need browser cookies and ``tbs``
(MediaCrawler commit f328ee35). This parser targets the 2024 HTML layout of the saved captures; against the
current site expect :class:`ShapeError` (counted, sampled, source degraded) rather than wrong data.
A Baidu security check ("百度安全验证") or login page in place of results is :class:`CredentialsRejected`.
"""

from __future__ import annotations

import ast
import json
import re
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

from parsel import Selector, SelectorList

from crawlers.items import MentionItem
from crawlers.pipelines.normalize import html_to_text
from crawlers.platforms.base import CredentialsRejected, Page, Platform, ShapeError, first, looks_like, to_int
from crawlers.platforms.times import parse_chinese_time

SITE = "https://tieba.baidu.com"
_DATE = re.compile(r"\d{4}-\d{1,2}-\d{1,2}\s+\d{1,2}:\d{2}")
_CHARSET = re.compile(rb"charset=[\"']?([A-Za-z0-9_-]+)", re.IGNORECASE)
_THREAD_TITLE = re.compile(r"PageData\.thread\s*=\s*\{.*?title:\s*\"([^\"]*)\"", re.DOTALL)
_CHALLENGE_MARKERS = (
    "百度安全验证".encode(),
    b"wappass.baidu.com",
    "请登录后".encode(),
    b"passport.baidu.com/v2/?login",
)
_NO_RESULTS = "没有找到"


def post_url(tid: str, pid: str | None = None, cid: str | None = None) -> str:
    """The address of a post, the same whether it was found by search or read from its thread."""
    if not pid:
        return f"{SITE}/p/{tid}"
    if cid:
        return f"{SITE}/p/{tid}?pid={pid}&cid={cid}#{cid}"
    return f"{SITE}/p/{tid}?pid={pid}#{pid}"


def decode_page(body: bytes) -> str:
    """The text of a page: Tieba served GBK on older pages and UTF-8 on newer ones, saying which in a meta tag."""
    match = _CHARSET.search(body[:4096])
    charset = match.group(1).decode("ascii").lower() if match else "utf-8"
    if charset in {"gbk", "gb2312", "gb18030"}:
        return body.decode("gb18030", errors="replace")
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        return body.decode("gb18030", errors="replace")


def data_field(value: str | None) -> dict[str, Any]:
    """A ``data-field`` attribute: JSON, or the single-quoted object literal some rendered pages hold."""
    if not value:
        return {}
    try:
        parsed = json.loads(value)
    except ValueError:
        try:
            parsed = ast.literal_eval(value)
        except (ValueError, SyntaxError, MemoryError, RecursionError):
            return {}
    return parsed if isinstance(parsed, dict) else {}


def _text(node: Selector | SelectorList[Selector]) -> str:
    """The readable text of a node (of the first one, for a list; "" for none)."""
    return html_to_text(node.get() or "")


class Tieba(Platform):
    name = "tieba"
    kinds = ("search", "thread", "comments")

    def detect(self, body: bytes) -> str:
        page = Selector(text=decode_page(body), type="html")
        if page.css("div.s_post, div.s_post_list"):
            return "search"
        if page.css("div.l_post"):
            return "thread"
        if page.css("li.lzl_single_post"):
            return "comments"
        if _NO_RESULTS in (page.xpath("string(//body)").get() or ""):
            return "search"
        raise self._unrecognised(body, page, "search")

    def parse(self, kind: str, body: bytes, *, now: datetime | None = None, source: str = "") -> Page:
        self._check_kind(kind)
        now = now or datetime.now(UTC)
        selector = Selector(text=decode_page(body), type="html")
        if kind == "search":
            return self._search(body, selector, now)
        if kind == "thread":
            return self._thread(body, selector, now)
        return self._comments(body, selector, now)

    @staticmethod
    def _unrecognised(body: bytes, page: Selector, kind: str) -> ShapeError:
        """Why a page lacks the expected structure: a security check or login page, else a layout change."""
        if looks_like(body, _CHALLENGE_MARKERS):
            return CredentialsRejected(kind, "got Baidu's security check or login page: the cookie expired")
        title = (page.css("title::text").get() or "").strip()
        return ShapeError(kind, f"none of Tieba's 2024 page structures found (title {title[:60]!r})")

    # -- search -----------------------------------------------------------------------------------------------
    def _search(self, body: bytes, page: Selector, now: datetime) -> Page:
        kind = "search"
        cards = page.css("div.s_post")
        result = Page(kind)
        if not cards:
            if page.css("div.s_post_list") or _NO_RESULTS in (page.xpath("string(//body)").get() or ""):
                return result  # searched, nothing (more) found
            raise self._unrecognised(body, page, kind)
        for index, card in enumerate(cards):
            try:
                result.items.append(self._hit(card, now))
            except (KeyError, TypeError, ValueError) as exc:
                result.problems.append(f"result {index}: {exc}")
        next_link = page.xpath(
            "//*[contains(concat(' ', normalize-space(@class), ' '), ' pager ')]"
            "//a[contains(@class, 'next') or contains(., '下一页')]/@href"
        ).get()
        if next_link:
            pn = to_int(parse_qs(urlsplit(next_link).query).get("pn", [None])[0])
            result.next = {"pn": pn} if pn is not None else {"url": urljoin(SITE, next_link)}
        return result

    @staticmethod
    def _hit(card: Selector, now: datetime) -> MentionItem:
        link = card.css("span.p_title a, a.bluelink")
        if not link:
            raise ValueError("no title link")
        href = link.attrib.get("href") or ""
        params = parse_qs(urlsplit(href).query)
        tid = link.attrib.get("data-tid") or urlsplit(href).path.rsplit("/", 1)[-1]
        pid = (params.get("pid") or [""])[0]
        cid = (params.get("cid") or [""])[0]
        if not tid.isdigit():
            raise ValueError(f"no thread id in {href!r}")
        title = _text(link) or None
        text = _text(card.css("div.p_content")) or (title or "")
        if not text:
            raise ValueError("no title or content")
        when = card.css(".p_date::text").get()
        published = parse_chinese_time(when, now)
        if published is None:
            raise ValueError(f"unreadable date {when!r}")
        reply_in_floor = bool(cid) and cid != "0"
        post_id = cid if reply_in_floor else pid or tid
        forum = card.css("a.p_forum")
        extra = {
            "kind": "reply" if reply_in_floor else "post",
            "thread_id": tid,
            "forum": _text(forum) or None,
            "forum_id": forum.attrib.get("data-fid") if forum else None,
        }
        author = card.xpath(".//a[starts-with(@href, '/home/main')]")
        return MentionItem(
            platform="tieba",
            post_id=post_id,
            text=text,
            url=post_url(tid, pid, cid if reply_in_floor else None),
            author=_text(author[-1]) if author else None,
            title=title,
            published_at=published,
            parent_id=pid if reply_in_floor and pid else None,
            extra={k: v for k, v in extra.items() if v},
        )

    # -- thread pages -----------------------------------------------------------------------------------------
    def _thread(self, body: bytes, page: Selector, now: datetime) -> Page:
        kind = "thread"
        floors = page.css("div.l_post")
        if not floors:
            raise self._unrecognised(body, page, kind)
        result = Page(kind)
        title = (
            page.css(".core_title_txt::attr(title)").get()
            or _text(page.css(".core_title_txt"))
            or _match(_THREAD_TITLE, decode_page(body[:200_000]))
            or None
        )
        opening: str | None = None
        for index, floor in enumerate(floors):
            field = data_field(floor.attrib.get("data-field"))
            content = field.get("content") if isinstance(field.get("content"), dict) else None
            if content is None and not floor.css("div.d_post_content"):
                continue  # an advertisement slot: no post, nothing lost
            try:
                item = self._floor(floor, field, content or {}, title, now)
            except (KeyError, TypeError, ValueError) as exc:
                result.problems.append(f"floor {index}: {exc}")
                continue
            if item is None:
                continue
            if item.extra.get("floor") == 1:
                opening = item.post_id
            elif opening is not None:
                item.parent_id = opening
            result.items.append(item)
            thread_id = item.extra.get("thread_id")
            for j, node in enumerate(floor.css("li.lzl_single_post")):
                try:
                    reply = _reply(node, now, floor_pid=item.post_id, thread_id=thread_id)
                except (KeyError, TypeError, ValueError) as exc:
                    result.problems.append(f"floor {index} reply {j}: {exc}")
                    continue
                if reply is not None:
                    result.items.append(reply)
        next_link = page.xpath("//li[contains(@class, 'l_pager')]/a[contains(., '下一页')]/@href").get()
        if next_link:
            pn = to_int(parse_qs(urlsplit(next_link).query).get("pn", [None])[0])
            result.next = {"pn": pn} if pn is not None else {"url": urljoin(SITE, next_link)}
        total = _match(re.compile(r"(\d+)回复贴"), _text(page.css("li.l_reply_num")))
        result.total = to_int(total)
        return result

    @staticmethod
    def _floor(
        floor: Selector, field: dict[str, Any], content: dict[str, Any], title: str | None, now: datetime
    ) -> MentionItem | None:
        """A floor; ``None`` for one of only pictures or stickers, which has nothing to match or score."""
        body = floor.css("div.d_post_content")
        pid = str(first(content.get("post_id"), (body.attrib.get("id") or "").removeprefix("post_content_")) or "")
        if not pid.isdigit():
            raise ValueError("no post id")
        tid = str(content.get("thread_id") or "")
        text = _text(body)
        if not text:
            return None
        tail = " ".join(floor.css(".post-tail-wrap ::text, .core_reply_tail ::text").getall())
        when = _match(_DATE, tail) or content.get("date")
        if not when:
            raise ValueError("no date in the floor's tail")
        published = parse_chinese_time(when, now)
        if published is None:
            raise ValueError(f"unreadable date {when!r}")
        number = to_int(content.get("post_no"))
        location = _match(re.compile(r"IP属地[:：]\s*(\S+)"), tail)
        author = field.get("author")
        user_name = author.get("user_name") if isinstance(author, dict) else None
        extra = {
            "kind": "post" if number == 1 else "floor",
            "thread_id": tid or None,
            "floor": number,
            "forum_id": str(content["forum_id"]) if content.get("forum_id") is not None else None,
            "ip_location": location,
        }
        return MentionItem(
            platform="tieba",
            post_id=pid,
            text=text,
            url=post_url(tid, pid) if tid else None,
            author=first(_text(floor.css("a.p_author_name")), user_name),
            title=title if number == 1 else None,
            published_at=published,
            comments=to_int(content.get("comment_num")),
            extra={k: v for k, v in extra.items() if v is not None},
        )

    # -- replies in a floor -----------------------------------------------------------------------------------
    def _comments(self, body: bytes, page: Selector, now: datetime) -> Page:
        kind = "comments"
        replies = page.css("li.lzl_single_post")
        if not replies:
            if page.css("li.lzl_li_pager"):
                return Page(kind)  # a floor without replies: only the pager
            raise self._unrecognised(body, page, kind)
        result = Page(kind)
        for index, node in enumerate(replies):
            try:
                reply = _reply(node, now, floor_pid=None, thread_id=None)
            except (KeyError, TypeError, ValueError) as exc:
                result.problems.append(f"reply {index}: {exc}")
                continue
            if reply is not None:
                result.items.append(reply)
        pager = data_field(page.css("li.lzl_li_pager").attrib.get("data-field"))
        current = to_int(page.css("li.lzl_li_pager .tP::text").get()) or 1
        pages = to_int(pager.get("total_page"))
        result.total = to_int(pager.get("total_num"))
        if pages is not None and current < pages:
            result.next = {"pn": current + 1}
        return result


def _reply(reply: Selector, now: datetime, *, floor_pid: str | None, thread_id: str | None) -> MentionItem | None:
    """A reply inside a floor (楼中楼); its parent is the floor, from the page or from the caller. ``None`` for
    a reply of only stickers."""
    field = data_field(reply.attrib.get("data-field"))
    spid = str(field.get("spid") or reply.css("a[name]::attr(name)").get() or "")
    if not spid.isdigit():
        raise ValueError("no reply id (spid)")
    text = _text(reply.css(".lzl_content_main"))
    if not text:
        return None
    when = reply.css(".lzl_time::text").get()
    published = parse_chinese_time(when, now)
    if published is None:
        raise ValueError(f"unreadable date {when!r}")
    parent = str(field.get("pid") or floor_pid or "") or None
    author = first(field.get("showname"), field.get("user_name"), reply.css(".lzl_cnt a.at::text").get())
    extra = {"kind": "reply", "thread_id": thread_id}
    return MentionItem(
        platform="tieba",
        post_id=spid,
        text=text,
        url=post_url(thread_id, parent, spid) if thread_id and parent else None,
        author=author,
        published_at=published,
        parent_id=parent,
        extra={k: v for k, v in extra.items() if v is not None},
    )


def _match(pattern: re.Pattern[str], text: str) -> str | None:
    match = pattern.search(text)
    if match is None:
        return None
    return match.group(1) if match.groups() else match.group(0)
