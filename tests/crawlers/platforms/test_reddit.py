"""The Reddit parser on the real search capture (PRAW's cassette) and on our own listings and comment trees,
including broken children, error answers and the token answer."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from crawlers.platforms import get_platform
from crawlers.platforms.base import CredentialsRejected, ShapeError
from crawlers.platforms.reddit import read_token

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "reddit"
REDDIT = get_platform("reddit")


def test_real_capture_of_a_search(shared_dir: Path) -> None:
    body = (shared_dir / "fixtures/reddit/oauth_r_all_search_q_praw_oauth_search.json").read_bytes()
    page = REDDIT.parse_any(body)
    assert page.kind == "search" and page.next is None and not page.problems
    assert [i.post_id for i in page.items][:3] == ["t3_3gpbiu", "t3_3x4kt2", "t3_3b4erh"]
    post = page.items[1]
    assert (
        post.title
        == "[PRAW] Is there an easy way of getting a list of the subreddits I am subscribed to, without using OAuth?"
    )
    assert post.text.startswith("As the title says.")
    # The "?ref=search_posts" a search adds to permalinks is not part of the post's address.
    assert (
        post.url == "https://www.reddit.com/r/redditdev/comments/3x4kt2/praw_is_there_an_easy_way_of_getting_a_list_of/"
    )
    assert (post.author, post.likes, post.comments) == ("GrinningMouth38", 2, 5)
    assert post.published_at == datetime(2015, 12, 16, 21, 3, 6, tzinfo=UTC)  # created_utc, not "created"
    assert post.extra == {"kind": "post", "subreddit": "redditdev"}
    assert {"article": "3x4kt2", "post": "t3_3x4kt2"} in page.follow
    assert page.items[-1].text.startswith("## tl;dr")  # Japanese title, markdown body


def test_own_search_with_a_link_post_removed_text_and_broken_children() -> None:
    page = REDDIT.parse_any((FIXTURES / "search_xianda.json").read_bytes())
    assert [i.post_id for i in page.items] == ["t3_1b7x0a1", "t3_1b7x0b2", "t3_1b7x0c3"]
    assert page.problems == ["child 3: no title or text", "child 4: kind 't5' is not a post (t3)"]
    assert page.next == {"after": "t3_1b7x0c3"}
    assert page.follow == [{"article": "1b7x0a1", "post": "t3_1b7x0a1"}]  # only posts with comments
    own, link, removed = page.items
    assert (
        own.text.startswith("Bought the **XianDa X5**")
        and own.title == "XianDa X5 after one month: great battery, terrible support"
    )
    # A link post's text is its title; its link is kept; a deleted author is no author.
    assert (link.text, link.author) == ("先达手机宣布召回部分充电器", None)
    assert link.extra["link"] == "https://tech.sina.com.cn/mobile/2024-03-04/xianda-recall.html"
    assert link.url == "https://www.reddit.com/r/China/comments/1b7x0b2/先达手机宣布召回部分充电器/"
    assert removed.text == "Lumi vs XianDa: which budget phone?"  # "[removed]" body: the title remains


def test_own_comment_tree_keeps_parents() -> None:
    page = REDDIT.parse_any((FIXTURES / "comments_1b7x0a1.json").read_bytes())
    assert page.kind == "comments" and page.total == 5
    assert [(i.post_id, i.parent_id) for i in page.items] == [
        ("t1_kt1aaa1", "t3_1b7x0a1"),
        ("t1_kt1aaa2", "t1_kt1aaa1"),  # a reply names its parent comment
        ("t1_kt1bbb1", "t3_1b7x0a1"),
    ]
    # The deleted reply is skipped without complaint; the empty one is reported; "more" is not a comment.
    assert page.problems == ["comment 2: no body"]
    reply = page.items[1]
    assert reply.author == "xianda_official" and reply.published_at == datetime(2024, 3, 4, 8, 46, 40, tzinfo=UTC)
    assert reply.extra == {
        "kind": "comment",
        "link_id": "t3_1b7x0a1",
        "subreddit": "Android",
        "post_title": "XianDa X5 after one month: great battery, terrible support",
    }
    assert page.items[2].text == "先达的电池确实耐用，我的用了两年还有85%。"


def test_token_answers() -> None:
    ok = {"access_token": "abc-123", "token_type": "bearer", "expires_in": 3600, "scope": "*"}
    assert read_token(json.dumps(ok).encode()) == "abc-123"
    with pytest.raises(CredentialsRejected, match="401"):
        read_token(b'{"message": "Unauthorized", "error": 401}')
    with pytest.raises(CredentialsRejected, match="invalid_grant"):
        read_token(b'{"error": "invalid_grant"}')
    with pytest.raises(ShapeError, match="no access_token") as caught:
        read_token(b'{"token": "s3cr3t"}')
    assert "s3cr3t" not in str(caught.value)  # the body is never quoted: it may hold a secret
    with pytest.raises(ShapeError, match="not JSON") as caught:
        read_token(b"access_token=s3cr3t&expires_in=3600")
    assert "s3cr3t" not in str(caught.value)


@pytest.mark.parametrize(
    ("body", "error", "reason"),
    [
        (b'{"message": "Unauthorized", "error": 401}', CredentialsRejected, "HTTP 401 Unauthorized"),
        (b'{"message": "Too Many Requests", "error": 429}', ShapeError, "Reddit answered an error: 429"),
        (b'{"kind": "t2", "data": {"name": "x"}}', ShapeError, "neither a Listing"),
        (b'{"kind": "Listing", "data": {"children": "none"}}', ShapeError, "neither a Listing"),
        (b"<!doctype html><html><body>blocked</body></html>", ShapeError, "HTML page"),
    ],
)
def test_changed_shapes_and_error_answers(body: bytes, error: type[Exception], reason: str) -> None:
    with pytest.raises(error, match=reason):
        REDDIT.detect(body)


def test_a_kind_that_does_not_fit_the_body() -> None:
    with pytest.raises(ShapeError, match=r"not a \[post, comments\] pair"):
        REDDIT.parse("comments", (FIXTURES / "search_xianda.json").read_bytes())
    with pytest.raises(ShapeError, match="not a Listing"):
        REDDIT.parse("search", (FIXTURES / "comments_1b7x0a1.json").read_bytes())


def test_comments_without_permalink_get_their_own_page() -> None:
    """Comments in a ``/comments`` answer that leaves ``permalink`` out still get their own page: the post's
    permalink plus the id, or the subreddit and article with ``_`` for the slug."""
    from crawlers.platforms.reddit import comment_permalink

    post = {"name": "t3_1b7x0a1", "subreddit": "Android", "permalink": "/r/Android/comments/1b7x0a1/xianda_x3/"}
    comment = {"id": "kt1", "name": "t1_kt1", "link_id": "t3_1b7x0a1", "subreddit": "Android"}
    assert comment_permalink(comment, post) == "https://www.reddit.com/r/Android/comments/1b7x0a1/xianda_x3/kt1/"
    assert comment_permalink(comment, {}) == "https://www.reddit.com/r/Android/comments/1b7x0a1/_/kt1/"
    assert comment_permalink({"id": "kt1"}, {}) is None

    body = json.loads((FIXTURES / "comments_1b7x0a1.json").read_text())
    stack = list(body[1]["data"]["children"])
    while stack:  # drop every comment's permalink, as the older answers do
        child = stack.pop()
        child["data"].pop("permalink", None)
        replies = child["data"].get("replies")
        if isinstance(replies, dict):
            stack.extend(replies["data"]["children"])
    page = REDDIT.parse("comments", json.dumps(body).encode())
    assert page.items and all(
        item.url and item.url.endswith(item.post_id.removeprefix("t1_") + "/") for item in page.items
    )
