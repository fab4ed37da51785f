"""Google Play reviews, from the store's own ``batchexecute`` RPC ``UsvDTd``.

Kind ``reviews``. The answer is ``)]}'`` followed by a JSON envelope (with ``rt=c`` it is split into chunks
that each start with their length; the first array is the one read)::

    [["wrb.fr", "UsvDTd", "<payload as a JSON string>", null, null, null, "generic"], ["di", 54], ...]

and the payload is ``[[review, ...], ..., [null, "<next-page token>"]]``: the token is the last element of
the last entry, absent on the last page. An app without reviews answers ``"[]"``; an RPC error answers
``null`` in place of the payload with an error code after it (``[3]``), which is a :class:`ShapeError`.

A review is a positional array (JoMingyu/google-play-scraper ``ElementSpecs.Review``, confirmed by the reviews
embedded as ``ds:23`` in a 2019 details page)::

    [0] id  [1][0] user name  [2] score 1-5  [4] text  [5] [seconds, nanos]  [6] thumbs-up
    [7] developer reply: [7][1] text, [7][2][0] seconds  [10] app version

The format is undocumented and no captured ``batchexecute`` body was found: the envelope follows
google-play-scraper and other open clients, the review layout the real 2019 arrays (which hold no developer
reply: those two positions are google-play-scraper's alone). The parser also reads a
bare payload (the ``ds:23`` form of a details page), which is how the real arrays are tested.

The answer does not name the app, so ``url`` and ``extra["app_id"]`` are set by the spider
(:func:`review_url`). A rating without text becomes a mention with empty text, which the normalize pipeline
drops and counts (``dropped/empty``): a bare star rating says nothing to match or score.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from crawlers.items import MentionItem
from crawlers.platforms.base import Page, Platform, ShapeError, to_int

RPC_ID = "UsvDTd"
XSSI_GUARD = ")]}'"
SORT_NEWEST = 2


def review_url(app_id: str, review_id: str, lang: str, country: str) -> str:
    """The review on the app's details page (the link Google Play shares for a review)."""
    return "https://play.google.com/store/apps/details?" + urlencode(
        {"id": app_id, "hl": lang, "gl": country, "reviewId": review_id}
    )


def reviews_request(app_id: str, count: int, token: str | None) -> str:
    """The ``f.req`` form field asking for ``count`` reviews of ``app_id``, newest first, after ``token``."""
    inner = [None, None, [2, SORT_NEWEST, [count, None, token], None, [None, None]], [app_id, 7]]
    outer = [[[RPC_ID, json.dumps(inner, separators=(",", ":")), None, "generic"]]]
    return json.dumps(outer, separators=(",", ":"))


class GooglePlay(Platform):
    name = "google_play"
    kinds = ("reviews",)

    def detect(self, body: bytes) -> str:
        _reviews(_payload(body))
        return "reviews"

    def parse(self, kind: str, body: bytes, *, now: datetime | None = None, source: str = "") -> Page:
        self._check_kind(kind)
        payload = _payload(body)
        reviews = _reviews(payload)
        page = Page(kind)
        for index, review in enumerate(reviews):
            try:
                page.items.append(parse_review(review))
            except (IndexError, KeyError, TypeError, ValueError) as exc:
                page.problems.append(f"review {index}: {type(exc).__name__}: {exc}")
        token = _token(payload)
        if token and reviews:
            page.next = {"token": token}
        return page


def parse_review(review: Any) -> MentionItem:
    """One positional review array as a mention (see the module docstring for the positions)."""
    if not isinstance(review, list) or len(review) < 7:
        raise ValueError("not a review array")
    review_id = review[0]
    if not isinstance(review_id, str) or not review_id:
        raise ValueError(f"review id {review_id!r} is not text")
    score = review[2]
    if not isinstance(score, int) or not 1 <= score <= 5:
        raise ValueError(f"score {score!r} is not 1-5")
    user = review[1][0] if isinstance(review[1], list) and review[1] else None
    text = review[4] if isinstance(review[4], str) else ""
    extra: dict[str, Any] = {"kind": "review", "app_version": _at(review, 10)}
    reply = _at(review, 7)
    if isinstance(reply, list) and len(reply) > 1 and isinstance(reply[1], str) and reply[1].strip():
        replied = _timestamp(reply[2] if len(reply) > 2 else None)
        extra["developer_reply"] = reply[1]
        extra["developer_reply_at"] = replied.isoformat() if replied else None
    published = _timestamp(review[5])
    if published is None:
        raise ValueError(f"time {review[5]!r} is not [seconds, nanos]")
    return MentionItem(
        platform="google_play",
        post_id=review_id,
        text=text,
        author=user if isinstance(user, str) and user else None,
        published_at=published,
        rating=float(score),
        likes=to_int(review[6]),
        extra={k: v for k, v in extra.items() if v not in (None, "")},
    )


def _payload(body: bytes) -> list[Any]:
    """The ``UsvDTd`` payload of a ``batchexecute`` answer, or a bare payload."""
    text = body.decode("utf-8-sig", errors="replace").strip()
    guarded = text.startswith(XSSI_GUARD)
    if guarded:
        text = text[len(XSSI_GUARD) :].lstrip()
        start = text.find("[")  # skip the length of the first chunk, if the answer is chunked
        if start < 0:
            raise ShapeError("reviews", "nothing after the )]}' guard")
        text = text[start:]
    try:
        data, _ = json.JSONDecoder().raw_decode(text)
    except json.JSONDecodeError as exc:
        if text[:80].lower().startswith(("<!doctype html", "<html")):
            raise ShapeError("reviews", "got an HTML page where a batchexecute answer was expected") from exc
        raise ShapeError("reviews", f"not JSON ({exc.msg} at character {exc.pos})") from exc
    if not isinstance(data, list):
        raise ShapeError("reviews", "not a JSON array")
    frame = next((e for e in data if isinstance(e, list) and e[:1] == ["wrb.fr"]), None)
    if frame is None:
        if guarded or not (data and isinstance(data[0], list) and all(_looks_like_review(r) for r in data[0])):
            raise ShapeError("reviews", "no 'wrb.fr' frame: not a batchexecute answer")
        return data  # a bare payload, as embedded in a details page
    if len(frame) < 3 or frame[1] != RPC_ID:
        raise ShapeError("reviews", f"the answer is for rpc {frame[1:2]!r}, not {RPC_ID}")
    if not isinstance(frame[2], str):
        error = next((e for e in frame[3:] if isinstance(e, list)), None)
        raise ShapeError("reviews", f"rpc {RPC_ID} answered without a payload (error {error})")
    try:
        payload = json.loads(frame[2])
    except json.JSONDecodeError as exc:
        raise ShapeError("reviews", f"the payload is not JSON ({exc.msg})") from exc
    if not isinstance(payload, list):
        raise ShapeError("reviews", "the payload is not a JSON array")
    return payload


def _reviews(payload: list[Any]) -> list[Any]:
    """The review arrays of a payload: ``[]`` for an app without reviews (``"[]"``) or a page past the end."""
    if not payload or payload[0] is None:
        return []
    if not isinstance(payload[0], list):
        raise ShapeError("reviews", "the payload's first element is not a list of reviews")
    return payload[0]


def _looks_like_review(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and isinstance(value[0], str) and value[0].startswith("gp:")


def _token(payload: list[Any]) -> str | None:
    if len(payload) < 2:
        return None
    last = payload[-1]
    token = last[-1] if isinstance(last, list) and last else None
    return token if isinstance(token, str) and token else None


def _timestamp(value: Any) -> datetime | None:
    """``[seconds, nanos]`` as a UTC datetime."""
    if not isinstance(value, list) or not value or not isinstance(value[0], int) or isinstance(value[0], bool):
        return None
    nanos = value[1] if len(value) > 1 and isinstance(value[1], int) else 0
    return datetime.fromtimestamp(value[0], UTC) + timedelta(microseconds=nanos // 1000)


def _at(values: list[Any], index: int) -> Any:
    return values[index] if len(values) > index else None
