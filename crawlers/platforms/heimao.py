"""Heimao 黑猫投诉 (tousu.sina.com.cn): complaints, each with its demand (诉求) as a field of its own.

Kinds:

``complaints``
    a company's received complaints, ``/api/company/received_complaints``:
    ``{result: {status, data: {complaints: [{main, author}], pager}}}``.
``search``
    keyword search, ``/api/index/s``: the same envelope with ``data.lists``; titles carry the matched word in
    ``<span class="code-red">``.
``dom_extract``
    the *processed* output of a browser extraction of the search page (Wpandios/HeimaoData: a list of
    ``{title, content, time, href, keyword}`` whose ``title`` is the card's whole text, "2025-11-23 于黑猫投诉平台发起
    …[投诉对象]…[投诉要求]…"). It is no platform response; it is read so that the one real capture of Heimao
    text there is can be checked and imported.

A complaint becomes a mention with ``post_id`` = ``main.sn`` (the complaint number), ``title``, ``text`` =
``main.summary``, ``published_at`` = ``main.timestamp`` (epoch seconds), and ``extra`` holding ``demand``
(``main.appeal``), ``company`` (``main.cotitle``), ``issue``, ``status`` and ``amount`` when present.

**Unverified** (no raw API body with provenance was found, PLATFORMS.md §2.4): the field names come from
several public crawler scripts that agree with each other; the URL ``https://tousu.sina.com.cn/complaint/view/
{sn}/`` assumes that ``sn`` is the number in the complaint page's address (``main.url`` is used when given);
``result.status.code`` other than 0 is taken as an error, with "登录" in its message as a refused login.
"""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime
from typing import Any

from crawlers.items import MentionItem
from crawlers.pipelines.normalize import html_to_text
from crawlers.platforms.base import (
    CredentialsRejected,
    Page,
    Platform,
    ShapeError,
    dig,
    epoch,
    first,
    load_json,
    looks_like,
    to_int,
)
from crawlers.platforms.times import parse_chinese_time

#: The constant every signed Heimao request mixes into its signature (public, from the site's JavaScript).
SIGNATURE_SALT = "$d6eb7ff91ee257475%"
COMPLAINT_URL = "https://tousu.sina.com.cn/complaint/view/{}/"

_COMPLAINT_ID = re.compile(r"/complaint/view/(\d+)")
_DOM_DATE = re.compile(r"^\s*(\d{4}-\d{1,2}-\d{1,2})\s*于黑猫投诉平台发起")
_DOM_FIELD = re.compile(r"\[(投诉对象|投诉要求)\]\s*([^\n]*)")
_LOGIN_MARKERS = (b"passport.sina", b"login.sina.com.cn", "请登录".encode())


def heimao_signature(ts: str, rs: str, *values: str) -> str:
    """The ``signature`` of a signed request: SHA-256 of the sorted strings ``ts``, ``rs``, the salt and the
    request's other values, concatenated.

    The site sorts with JavaScript's default ``Array.prototype.sort`` (UTF-16 code units), which for the
    digits, ASCII and CJK text used here is the same order as Python's. Company feed: ``values`` = couid,
    type, page_size, page; keyword search: keywords, page_size, page.
    """
    joined = "".join(sorted([ts, rs, SIGNATURE_SALT, *values]))
    return hashlib.sha256(joined.encode("utf-8")).hexdigest()


class Heimao(Platform):
    name = "heimao"
    kinds = ("complaints", "search", "dom_extract")

    def detect(self, body: bytes) -> str:
        data = self._json(body, "complaints")
        if isinstance(data, list):
            if all(isinstance(row, dict) and "href" in row and "title" in row for row in data):
                return "dom_extract"
            raise ShapeError("dom_extract", "a list, but not of extracted complaint cards")
        inner = dig(data, "result", "data", kind="complaints", required=False)
        if isinstance(inner, dict):
            if "complaints" in inner:
                return "complaints"
            if "lists" in inner:
                return "search"
        self._check_status(data, "complaints")
        raise ShapeError("complaints", "not a Heimao complaint list (no result.data.complaints or .lists)")

    def parse(self, kind: str, body: bytes, *, now: datetime | None = None, source: str = "") -> Page:
        self._check_kind(kind)
        data = self._json(body, kind)
        if kind == "dom_extract":
            return self._dom_extract(data, now or datetime.now(UTC))
        if not isinstance(data, dict):
            raise ShapeError(kind, f"expected a JSON object, got {type(data).__name__}")
        self._check_status(data, kind)
        rows = dig(data, "result", "data", "complaints" if kind == "complaints" else "lists", kind=kind)
        if not isinstance(rows, list):
            raise ShapeError(kind, "the complaint list is not a list")
        pager = dig(data, "result", "data", "pager", kind=kind, required=False)
        page = Page(kind)
        for index, row in enumerate(rows):
            try:
                page.items.append(self._complaint(row))
            except (KeyError, TypeError, ValueError) as exc:
                page.problems.append(f"complaint {index}: {exc}")
        if isinstance(pager, dict):
            page.total = to_int(pager.get("item_count"))
            current, last = to_int(pager.get("current")), to_int(pager.get("page_amount"))
            if current is not None and last is not None and current < last:
                page.next = {"page": current + 1}
        elif rows:
            page.problems.append("no pager: cannot tell whether more pages follow")
        return page

    # -- API bodies -------------------------------------------------------------------------------------------
    @staticmethod
    def _json(body: bytes, kind: str) -> Any:
        if body.lstrip()[:1] == b"<" and looks_like(body, _LOGIN_MARKERS):
            raise CredentialsRejected(kind, "got a login page instead of data: the cookie expired")
        return load_json(body, kind)

    @staticmethod
    def _check_status(data: dict[str, Any], kind: str) -> None:
        status = dig(data, "result", "status", kind=kind, required=False)
        if not isinstance(status, dict):
            return
        code = to_int(status.get("code"))
        if code in (None, 0):
            return
        message = str(status.get("msg") or "")
        if "登录" in message or "login" in message.lower():
            raise CredentialsRejected(kind, f"login required (code {code}: {message})")
        raise ShapeError(kind, f"error answer (code {code}: {message or 'no message'})")

    @staticmethod
    def _complaint(row: Any) -> MentionItem:
        if not isinstance(row, dict) or not isinstance(row.get("main"), dict):
            raise TypeError("no 'main' object")
        main: dict[str, Any] = row["main"]
        sn = str(first(main.get("sn"), _id_in(main.get("url"))) or "")
        if not sn:
            raise ValueError("no sn")
        title = html_to_text(str(main.get("title") or "")) or None
        text = html_to_text(str(main.get("summary") or "")) or (title or "")
        if not text:
            raise ValueError("no title or summary")
        published = epoch(first(main.get("timestamp"), main.get("created_at")))
        author = row.get("author")
        extra = {
            "kind": "complaint",
            "demand": html_to_text(str(main.get("appeal") or "")) or None,
            "company": html_to_text(str(main.get("cotitle") or "")) or None,
            "issue": html_to_text(str(main.get("issue") or "")) or None,
            "status": first(main.get("status_desc"), main.get("status")),
            "amount": first(main.get("cost"), main.get("amount")),
        }
        return MentionItem(
            platform="heimao",
            post_id=sn,
            text=text,
            url=_complaint_url(main.get("url"), sn),
            author=(author.get("title") or None) if isinstance(author, dict) else None,
            title=title,
            published_at=published,
            extra={k: v for k, v in extra.items() if v not in (None, "")},
        )

    # -- the processed browser extraction ---------------------------------------------------------------------
    @staticmethod
    def _dom_extract(data: Any, now: datetime) -> Page:
        kind = "dom_extract"
        if not isinstance(data, list):
            raise ShapeError(kind, "expected a list of extracted cards")
        page = Page(kind, total=len(data))
        for index, row in enumerate(data):
            try:
                page.items.append(_card(row, now))
            except (KeyError, TypeError, ValueError) as exc:
                page.problems.append(f"card {index}: {exc}")
        return page


def _card(row: Any, now: datetime) -> MentionItem:
    """One extracted search card: the date, company and demand are read out of its text."""
    if not isinstance(row, dict):
        raise TypeError("card is not an object")
    sn = _id_in(row.get("href"))
    if sn is None:
        raise ValueError(f"no complaint number in href {row.get('href')!r}")
    card = str(row.get("title") or "")
    text = html_to_text(str(row.get("content") or ""))
    if not text:
        raise ValueError("no content")
    fields = dict(_DOM_FIELD.findall(card))
    dated = _DOM_DATE.match(card)
    published = parse_chinese_time(first(row.get("time"), dated.group(1) if dated else None), now)
    extra = {
        "kind": "complaint",
        "demand": fields.get("投诉要求", "").strip() or None,
        "company": fields.get("投诉对象", "").strip() or None,
        "search_keyword": row.get("keyword") or None,
    }
    return MentionItem(
        platform="heimao",
        post_id=sn,
        text=text,
        url=COMPLAINT_URL.format(sn),
        published_at=published,
        extra={k: v for k, v in extra.items() if v is not None},
    )


def _id_in(url: Any) -> str | None:
    match = _COMPLAINT_ID.search(str(url or ""))
    return match.group(1) if match else None


def _complaint_url(url: Any, sn: str) -> str:
    """``main.url`` ("//tousu.sina.com.cn/complaint/view/17390396995/") made absolute, else the known pattern."""
    text = str(url or "").strip()
    if text.startswith("//"):
        return "https:" + text
    if text.startswith(("https://", "http://")):
        return text
    return COMPLAINT_URL.format(sn)
