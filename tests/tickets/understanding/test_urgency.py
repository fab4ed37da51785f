"""Colloquial urgent forms (issue 13, point 4): each rule with a case it must find, a harmless look-alike it must
leave, and the same case negated or only feared."""

from __future__ import annotations

import pytest

from tickets.understanding.urgency import UrgencyDetector

DETECTOR = UrgencyDetector()


@pytest.mark.parametrize(
    ("urgent", "look_alike", "negated"),
    [
        # The stomach after eating something (told before it, in the same clause for "…就/后").
        ("昨天下午吃了一个肚子难受了一下午", "饿得肚子难受，外卖两个小时才到", "吃了也没有肚子难受，就是不新鲜"),
        ("喝完这个奶胃不舒服", "中饭也没好好吃。越到后面胃难受", "喝了以后胃没不舒服，味道一般"),
        # ... or with the culprit blamed right after it.
        ("今天胃难受···被这家黑心奶害了", "今天胃难受，加班到半夜", "今天胃没难受，被这家奶骗了"),
        # Bites told without "被": the biter, then the bite or its marks.
        ("床上有虫咬得全身包", "咬了一口虫草糕，味道不错", "床上没有虫，咬得我睡不着的是蚊香味"),
        ("蚊子咬死人，太多了", "这蚊香把蚊子全熏跑了", "房间干净，没有蚊子咬人"),
        ("一晚上咬得我一脸包", "咬了两口包子就饱了", "没咬出包，但床单有点潮"),
        ("腿上被叮出好多红点", "咬得动的牛肉干很少，咬了好多包子皮", "腿上没叮出红点"),
        # Itching or a rash from the bedding itself (a hotel's sheets, not a scalp after a wash).
        ("被子盖着很痒，感觉上不干净", "被子很厚，盖着很暖和", "被子盖着不痒，就是有点薄"),
        ("酒店床单睡了起红疹", "床单是新换的，很干净", "床单睡了也没有起红疹"),
        # A foreign body in the food caught in the throat.
        ("一个塑料碎片卡在嗓子眼，现在还疼", "塑料碎片卡在门缝里了", "塑料碎片没有卡在嗓子，幸好及时发现"),
        # Seeking the media's help.
        ("只好寻求媒体的帮助", "寻求客服的帮助也没用", "不想寻求媒体的帮助"),
        # A post addressed to a regulator's account.
        ("我希望你们能解释一下@北京东城工商", "@京东客服 请尽快处理", "没@北京东城工商，先等回复"),
        ("买到假货了 @12315", "订单号 @123156 查不到", "还没@12315，等商家回复"),
    ],
)
def test_colloquial_forms(urgent: str, look_alike: str, negated: str) -> None:
    assert DETECTOR.detect(urgent).urgent, urgent
    assert not DETECTOR.detect(look_alike).urgent, look_alike
    assert not DETECTOR.detect(negated).urgent, negated


@pytest.mark.parametrize(
    "text",
    [
        "本想到315投诉，但忙的都没时间",  # a threat given up is none
        "送来的米线一股呕吐物的味道",  # a smell, not a sickness
    ],
)
def test_given_up_threats_and_smells_are_not_urgent(text: str) -> None:
    assert not DETECTOR.detect(text).urgent
