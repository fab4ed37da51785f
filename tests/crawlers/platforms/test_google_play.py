"""The Google Play review parser: the positional layout on the real 2019 review arrays, our own batchexecute
answers (plain and chunked, last page, empty, RPC error), the request body, and changed shapes."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from crawlers.platforms import get_platform
from crawlers.platforms.base import ShapeError
from crawlers.platforms.google_play import parse_review, review_url, reviews_request

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "google_play"
PLAY = get_platform("google_play")


def envelope(payload: Any) -> bytes:
    frame = ["wrb.fr", "UsvDTd", json.dumps(payload, ensure_ascii=False), None, None, None, "generic"]
    return (")]}'\n\n" + json.dumps([frame, ["di", 40]], ensure_ascii=False)).encode()


def test_real_review_arrays(shared_dir: Path) -> None:
    body = (shared_dir / "fixtures/google_play/ds23_reviews_extracted.json").read_bytes()
    page = PLAY.parse_any(body)  # the payload as embedded in a 2019 details page
    assert (page.kind, len(page.items), page.problems) == ("reviews", 40, [])
    assert page.next is not None and page.next["token"].startswith("CpUBCpIBKm0KOfc7")
    first = page.items[0]
    assert first.post_id.startswith("gp:AOqpTOHpDiDVq6UwVU-FPMGnz3Irz")
    assert (first.author, first.rating, first.likes) == ("Cazzie", 1.0, 16)
    assert first.text.startswith("I uploaded one video then a few days later it won't show my files")
    assert first.published_at == datetime(2019, 11, 19, 6, 43, 47, 602000, tzinfo=UTC)
    assert first.extra == {"kind": "review", "app_version": "119.0.0.33.147"}
    assert {item.rating for item in page.items} <= {1.0, 2.0, 3.0, 5.0}
    assert all(item.extra["app_version"].count(".") == 4 for item in page.items)


def test_positional_review_parser_on_each_real_array(shared_dir: Path) -> None:
    arrays = json.loads((shared_dir / "fixtures/google_play/ds23_reviews_extracted.json").read_bytes())[0]
    for array in arrays:
        item = parse_review(array)
        assert item.post_id == array[0] and item.author == array[1][0] and item.text == array[4]
        assert item.published_at is not None and int(item.published_at.timestamp()) == array[5][0]
        assert "developer_reply" not in item.extra  # none of the 2019 reviews had one


def test_own_batchexecute_answer() -> None:
    page = PLAY.parse_any((FIXTURES / "batchexecute_reviews_page1.txt").read_bytes())
    assert page.kind == "reviews" and page.next == {"token": "Cp4BCpsBKmwKP_test_continuation_token_page2"}
    assert [item.post_id[-4:] for item in page.items] == ["0003", "0002", "0001"]
    assert len(page.problems) == 1 and "review 3" in page.problems[0] and "score 7 is not 1-5" in page.problems[0]
    complaint, praise, rating_only = page.items
    assert complaint.text == "先达手机升级系统后一直卡顿，客服不回复。" and complaint.author == "陈小姐"
    assert (complaint.rating, complaint.likes) == (1.0, 12)
    assert complaint.published_at == datetime(2024, 6, 10, 20, 6, 40, 123000, tzinfo=UTC)
    assert complaint.extra == {
        "kind": "review",
        "app_version": "5.2.0",
        "developer_reply": "您好，非常抱歉给您带来不便，请在设置-反馈中提交日志，我们会尽快处理。",
        "developer_reply_at": "2024-06-10T22:53:20+00:00",
    }
    assert praise.rating == 5.0 and "developer_reply" not in praise.extra
    # A rating without text: kept as a mention with empty text (the normalize pipeline drops and counts it).
    assert rating_only.text == "" and rating_only.rating == 4.0 and rating_only.extra == {"kind": "review"}


def test_chunked_answer_is_read_too() -> None:
    plain = (FIXTURES / "batchexecute_reviews_page1.txt").read_text(encoding="utf-8")
    first = plain.split("\n", 2)[2].strip()
    chunked = f')]}}\'\n\n{len(first)}\n{first}\n25\n[["e",4,null,null,1234]]\n'
    assert [item.post_id for item in PLAY.parse("reviews", chunked.encode()).items] == [
        item.post_id for item in PLAY.parse("reviews", plain.encode()).items
    ]


@pytest.mark.parametrize(
    "payload",
    [
        [[], None, None],
        [None, None, [None, None]],
        [],
    ],
)
def test_last_and_empty_pages(payload: Any) -> None:
    page = PLAY.parse("reviews", envelope(payload))
    assert page.items == [] and page.next is None


def test_last_page_with_reviews_has_no_token(shared_dir: Path) -> None:
    arrays = json.loads((shared_dir / "fixtures/google_play/ds23_reviews_extracted.json").read_bytes())[0]
    page = PLAY.parse("reviews", envelope([arrays[:2], None, [None, None]]))
    assert len(page.items) == 2 and page.next is None


def test_request_body_and_review_url() -> None:
    first = json.loads(reviews_request("com.xianda.life", 150, None))
    assert first[0][0][0] == "UsvDTd" and first[0][0][3] == "generic"
    assert json.loads(first[0][0][1]) == [
        None,
        None,
        [2, 2, [150, None, None], None, [None, None]],
        ["com.xianda.life", 7],
    ]
    after = json.loads(json.loads(reviews_request("com.xianda.life", 150, "TOKEN"))[0][0][1])
    assert after[2][2] == [150, None, "TOKEN"]
    url = review_url("com.xianda.life", "3f0c-0001", "zh", "cn")
    assert parse_qs(urlsplit(url).query) == {
        "id": ["com.xianda.life"],
        "hl": ["zh"],
        "gl": ["cn"],
        "reviewId": ["3f0c-0001"],
    }


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (
            b')]}\'\n\n[["wrb.fr","UsvDTd",null,null,null,[3],"generic"],["di",12]]',
            r"without a payload \(error \[3\]\)",
        ),
        (b')]}\'\n\n[["wrb.fr","xdSrCf","[]",null,null,null,"1"]]', "not UsvDTd"),
        (b')]}\'\n\n[["er",null,null,null,null,400,null,null,null,3]]', "no 'wrb.fr' frame"),
        (b')]}\'\n\n[["wrb.fr","UsvDTd","{not json",null,null,null,"generic"]]', "payload is not JSON"),
        (b')]}\'\n\n[["wrb.fr","UsvDTd","{\\"a\\":1}",null,null,null,"generic"]]', "payload is not a JSON array"),
        (b')]}\'\n\n[["wrb.fr","UsvDTd","[{\\"a\\":1}]",null,null,null,"generic"]]', "not a list of reviews"),
        (b"<!DOCTYPE html><html><body>Sorry...</body></html>", "HTML page"),
        (b'{"error": "gone"}', "not a JSON array"),
        (b"[[1, 2], [3]]", "no 'wrb.fr' frame"),
        (b")]}'", r"nothing after the \)\]\}' guard"),
    ],
)
def test_changed_shapes_are_shape_errors(body: bytes, reason: str) -> None:
    with pytest.raises(ShapeError, match=reason):
        PLAY.parse("reviews", body)
    with pytest.raises(ShapeError):
        PLAY.detect(body)


def test_source_config_checks_package_names(parse_yaml_config) -> None:  # type: ignore[no-untyped-def]
    from config.loader import ConfigError

    yaml = "- name: play\n  type: google_play\n  brand: xianda\n  app_ids: [{ids}]\n"
    assert parse_yaml_config(yaml.format(ids="com.xianda.life, cn.xianda_2.app")).source("play").app_ids == [
        "com.xianda.life",
        "cn.xianda_2.app",
    ]
    with pytest.raises(ConfigError, match="not an Android package name"):
        parse_yaml_config(yaml.format(ids="'play.google.com/store/apps/details?id=com.xianda.life'"))
    with pytest.raises(ConfigError, match="per_page"):
        parse_yaml_config(yaml.format(ids="com.xianda.life") + "  per_page: 500\n")
