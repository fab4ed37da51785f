"""Brand matching: keywords, exclusions, width and case, whole Latin words, owned channels."""

from __future__ import annotations

from crawlers.matching import BrandMatcher

MATCHER = BrandMatcher([("鲜达外卖", ["鲜达", "XianDa"], ["鲜达路"]), ("Lumi", ["Lumi", "光屿"], [])])


def brands(text: str, **kwargs: object) -> list[str]:
    return [m.brand for m in MATCHER.match(text, **kwargs)]  # type: ignore[arg-type]


def test_keywords_exclusions_case_width_and_whole_words() -> None:
    assert brands("鲜达外卖太慢") == ["鲜达外卖"]
    assert brands("住在鲜达路的我") == []
    assert brands("ＸｉａｎＤａ rocks") == ["鲜达外卖"]
    assert brands("illuminate the LUMI phone") == ["Lumi"]
    assert brands("illuminated") == []
    assert [m.keywords for m in MATCHER.match("鲜达 and XianDa")] == [("鲜达", "XianDa")]


def test_only_restricts_and_owned_channel_needs_no_keyword() -> None:
    assert brands("鲜达 and Lumi", only=["Lumi"]) == ["Lumi"]
    assert brands("The app keeps crashing", owned="鲜达外卖") == ["鲜达外卖"]
    assert brands("The app keeps crashing, unlike Lumi", owned="鲜达外卖") == ["鲜达外卖", "Lumi"]
    assert brands("新店在鲜达路开张", owned="鲜达外卖") == []  # exclusion words still apply
    assert brands("crashes", only=["Lumi"], owned="鲜达外卖") == ["鲜达外卖"]
