"""Notification texts come from the one catalogue: a Chinese channel reads the title, the labels, the names of
the figures and the rule's summary in Chinese (the posts as they were written), an English channel in English;
a scheduled report's message carries its link, and its files only where the channel carries files."""

from __future__ import annotations

import re

from alerts.channels import Message, Post
from alerts.channels.message import Attachment

SUMMARY = (
    "鲜达外卖: 9/13 mentions negative (69%) in the last 1h; threshold 40%, minimum 5 mentions."
    " (reported late: the worker was down)"
)
ALERT = Message(
    kind="alert_fired",
    summary=SUMMARY,
    rule="negative-share",
    key="鲜达外卖",
    window=("2026-11-20T00:00:00Z", "2026-11-21T00:00:00Z"),
    numbers={"share": 0.69, "negative": 9, "threshold": 0.4},
    posts=[Post("forum", "Refund please", "配送太慢，退款难", "https://forum.example/t/1")],
    top_words=[("退款", 5)],
    ticket="FBD2026110001",
)
ENGLISH_RUN = re.compile(r"[A-Za-z]{3,}(?:[ ,;:'()-]+[A-Za-z]{2,}){2,}")


def test_a_chinese_channel_reads_chinese() -> None:
    text = ALERT.text("zh")
    assert text.startswith("【舆情告警】negative-share · 鲜达外卖")
    assert "鲜达外卖：近 1h 负面 9/13 条（69%）；阈值 40%，至少 5 条。（补报：采集进程曾停止运行）" in text
    assert "数据: 占比=0.69, 负面=9, 阈值=0.4" in text and "热词: 退款(5)" in text and "工单: FBD2026110001" in text
    # No English sentence of ours; the post's own title ("Refund please") is what someone wrote, kept as is.
    assert not ENGLISH_RUN.search(text.replace("negative-share", "").replace("Refund please", "")), text


def test_an_english_channel_reads_english() -> None:
    text = ALERT.text("en")
    assert text.startswith("[Yuqing alert] negative-share · 鲜达外卖")
    assert SUMMARY in text and "Numbers: share=0.69, negative=9, threshold=0.4" in text


def test_a_report_message_links_and_lists_its_files() -> None:
    report = Message(
        kind="report",
        summary="主要问题：产品质量/炸鸡 3\n投诉率：本期 3 起投诉；暂无基线：已有 3 / 14 天数据",
        key="投诉日报 2026-12-02 · 鲜达外卖",
        link="https://yuqing.example.com/#/reports",
        report_id=7,
    )
    assert report.title("zh") == "【舆情报表】投诉日报 2026-12-02 · 鲜达外卖"
    assert report.title("en") == "[Report] 投诉日报 2026-12-02 · 鲜达外卖"
    markdown = report.text("zh", markdown=True)
    assert "**查看**: [https://yuqing.example.com/#/reports](https://yuqing.example.com/#/reports)" in markdown
    # The outbox keeps the report's id, never its files; they are attached when an e-mail channel sends it.
    assert report.payload()["report_id"] == 7 and "attachments" not in report.payload()
    again = Message.from_payload(report.payload())
    assert again == report
    again.attachments = [Attachment("report.pdf", "application/pdf", b"%PDF")]
    assert again.lines("zh")[-1] == "附件: report.pdf"
