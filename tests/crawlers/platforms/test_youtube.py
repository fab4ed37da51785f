"""The YouTube parser on the real commentThreads and channel-feed captures and on our own, including replies,
empty comments, broken threads, Data API error answers and bodies of other kinds."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from crawlers.platforms import get_platform
from crawlers.platforms.base import CredentialsRejected, ShapeError
from crawlers.platforms.youtube import api_error, iso_time

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "youtube"
YT = get_platform("youtube")


def test_real_comment_threads(shared_dir: Path) -> None:
    body = (shared_dir / "fixtures/youtube/data_api_v3_commentThreads_videoId_7ghhRHRP6t4.json").read_bytes()
    page = YT.parse_any(body)
    # 98 threads; one is a comment with no text (a custom emoji): skipped, and not a problem.
    assert page.kind == "comments" and len(page.items) == 97 and not page.problems
    assert page.next is not None and page.next["pageToken"].startswith("QURTSl9pMVNCeldJUmhfV284NV9z")
    first = page.items[0]
    assert (first.post_id, first.parent_id) == ("UgxISZhP_62DIrtv2r94AaABAg", "7ghhRHRP6t4")
    # textOriginal, not the HTML-escaped textDisplay.
    assert first.text == "Nobody's love ... Song title made me die from laughter"
    assert (first.author, first.likes, first.comments) == ("Amit Sharma", 0, 0)
    assert first.published_at == datetime(2022, 12, 17, 4, 19, 11, tzinfo=UTC)
    assert first.url == "https://www.youtube.com/watch?v=7ghhRHRP6t4&lc=UgxISZhP_62DIrtv2r94AaABAg"
    assert first.extra == {
        "kind": "comment",
        "video_id": "7ghhRHRP6t4",
        "author_channel_id": "UCP22MyBntbNASpmy3aC4sdw",
    }
    dates = [i.published_at.timestamp() for i in page.items if i.published_at]
    assert len(dates) == 97 and dates == sorted(
        dates, reverse=True
    )  # order=time: newest first, which incremental reading relies on


def test_real_channel_feed(shared_dir: Path) -> None:
    body = (shared_dir / "fixtures/youtube/feeds_videos_xml_channel_id_UC5NOEUbkLheQcaaRldYW5GA.xml").read_bytes()
    page = YT.parse_any(body)
    assert page.kind == "feed" and page.total == 2 and not page.problems
    video = page.items[0]
    assert (video.post_id, video.title) == ("oiBPyTi7lvM", "Verhandlungen über Haushalt werden fortgesetzt")
    assert video.text.startswith("Bundeskanzler Olaf Scholz") and video.author == "tagesschau"
    assert video.published_at == datetime(2023, 12, 11, 15, 38, 12, tzinfo=UTC)
    assert video.extra == {"kind": "video", "channel_id": "UC5NOEUbkLheQcaaRldYW5GA", "views": 7461}
    assert page.follow == [
        {"video_id": "oiBPyTi7lvM", "published_at": datetime(2023, 12, 11, 15, 38, 12, tzinfo=UTC)},
        {"video_id": "GqnNjM_YSY4", "published_at": datetime(2023, 12, 11, 15, 35, 33, tzinfo=UTC)},
    ]


def test_the_innertube_capture_is_not_a_kind(shared_dir: Path) -> None:
    body = (shared_dir / "fixtures/youtube/tikhub_wrapped_innertube_next_comments.json").read_bytes()
    with pytest.raises(ShapeError, match="not a youtube#commentThreadListResponse"):
        YT.detect(body)


def test_own_threads_with_replies_and_a_broken_thread() -> None:
    page = YT.parse_any((FIXTURES / "comment_threads_xianda.json").read_bytes())
    assert [(i.post_id, i.parent_id) for i in page.items] == [
        ("UgwXianDa0001", "xdVideo0001"),
        ("UgwXianDa0001.9zReply0001", "UgwXianDa0001"),  # a reply names its thread's comment
        ("UgwXianDa0002", "xdVideo0001"),
    ]
    assert page.problems == ["thread 2: missing 'topLevelComment'"]
    top, reply, plain = page.items
    assert top.text == "先达X5的屏幕太亮了，晚上用很刺眼 <3" and top.comments == 2 and top.likes == 14
    assert top.extra["edited_at"] == "2024-03-04T09:30:00+00:00"
    assert reply.extra["kind"] == "reply" and reply.author == "@XianDaOfficial" and reply.comments is None
    # No textOriginal: textDisplay is read as HTML.
    assert plain.text == "Switched from Lumi to XianDa, no regrets." and "edited_at" not in plain.extra


def test_own_feed_skips_an_entry_without_a_video_id() -> None:
    page = YT.parse("feed", (FIXTURES / "channel_feed_xianda.xml").read_bytes())
    assert [i.post_id for i in page.items] == ["xdVideo0001", "xdVideo0000"]
    assert page.problems == ["entry 2: no yt:videoId"]
    launch, review = page.items
    assert launch.text == "先达X5正式发布：6000mAh 电池。\nThe XianDa X5 is here." and launch.extra["views"] == 35012
    assert review.text == review.title == "先达手机 2023 回顾"  # no description: the title is the text


def test_api_errors() -> None:
    invalid = api_error((FIXTURES / "error_key_invalid.json").read_bytes())
    assert invalid is not None and invalid.credentials and not invalid.quota
    assert str(invalid) == "HTTP 400 badRequest/API_KEY_INVALID: API key not valid. Please pass a valid API key."
    quota = api_error((FIXTURES / "error_quota_exceeded.json").read_bytes())
    assert quota is not None and quota.quota and not quota.credentials
    assert quota.message == "The request cannot be completed because you have exceeded your quota."  # HTML stripped
    disabled = api_error((FIXTURES / "error_comments_disabled.json").read_bytes())
    assert disabled is not None and disabled.comments_disabled and not (disabled.quota or disabled.credentials)
    forbidden = api_error(b'{"error": {"code": 403, "message": "x", "errors": [{"reason": "forbidden"}]}}')
    assert forbidden is not None and forbidden.credentials
    assert api_error(b'{"kind": "youtube#commentThreadListResponse", "items": []}') is None
    assert api_error(b"<html>not json</html>") is None


@pytest.mark.parametrize(
    ("name", "error", "reason"),
    [
        ("error_key_invalid.json", CredentialsRejected, "refused the key"),
        ("error_quota_exceeded.json", ShapeError, "quotaExceeded"),
        ("error_comments_disabled.json", ShapeError, "commentsDisabled"),
    ],
)
def test_error_answers_are_not_comments(name: str, error: type[Exception], reason: str) -> None:
    with pytest.raises(error, match=reason):
        YT.parse("comments", (FIXTURES / name).read_bytes())


@pytest.mark.parametrize(
    ("body", "kind", "reason"),
    [
        (b'{"kind": "youtube#videoListResponse", "items": []}', "comments", "not a youtube#commentThreadListResponse"),
        (b'{"kind": "youtube#commentThreadListResponse", "items": {}}', "comments", "'items' is not a list"),
        (b"<!DOCTYPE html><html><body>Sign in</body></html>", "comments", "HTML page"),
        (b'<?xml version="1.0"?><rss version="2.0"><channel></channel></rss>', "feed", "not an Atom feed"),
        (b"<html><body>404</body></html>", "feed", "not an Atom feed"),
    ],
)
def test_changed_shapes_are_shape_errors(body: bytes, kind: str, reason: str) -> None:
    with pytest.raises(ShapeError, match=reason):
        YT.parse(kind, body)


def test_iso_time() -> None:
    assert iso_time("2022-12-17T04:19:11Z") == datetime(2022, 12, 17, 4, 19, 11, tzinfo=UTC)
    assert iso_time("2022-12-17T12:19:11+08:00") == datetime(2022, 12, 17, 4, 19, 11, tzinfo=UTC)
    assert iso_time("2022-12-17T04:19:11") == datetime(2022, 12, 17, 4, 19, 11, tzinfo=UTC)
    assert iso_time("yesterday") is None and iso_time(None) is None
