"""``yuqing parse`` on the new platforms' real captures: one JSON line per mention, with its reach."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from yuqing.cli import app

runner = CliRunner()


@pytest.mark.parametrize(
    ("platform", "capture", "count"),
    [
        ("xiaohongshu", "fixtures/xiaohongshu/edith_web_v1_search_notes.json", 19),
        ("douyin", "fixtures/douyin/tikhub_wrapped_web_general_search_keyword_猫咪.json", 28),
        ("taobao", "fixtures/taobao/h5api_mtop.wdetail.getitemrates_auctionNumId_521422451240.json", 10),
    ],
)
def test_parse_prints_mentions_with_reach(shared_dir: Path, platform: str, capture: str, count: int) -> None:
    result = runner.invoke(app, ["parse", platform, str(shared_dir / capture)])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    assert len(lines) == count
    assert all(line["platform"] == platform and 0 <= line["reach"] <= 100 for line in lines)


def test_parse_refusal_exits_1(tmp_path: Path) -> None:
    body = tmp_path / "flagged.json"
    body.write_text(json.dumps({"code": 300011, "success": False, "msg": "当前账号存在异常"}), encoding="utf-8")
    result = runner.invoke(app, ["parse", "xiaohongshu", str(body)])
    assert result.exit_code == 1 and "300011" in result.output
