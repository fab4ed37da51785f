"""Category and grade of a complaint from its text.

Two classifiers share one interface (``classify(text, brand=None) -> Classification``): :class:`ModelClassifier`,
the default, reads with the trained complaint model of :mod:`tickets.understanding` (categories, type, urgent
grade, evidence); :class:`Classifier` applies transparent lexicon rules an admin can read and tune
(``tickets.classification.engine: lexicon``).

A configurable lexicon lists words per category (product quality, service attitude, logistics, process,
suggestion, enquiry) and per grade (urgent: anything touching safety or health, or a threat of public
rights-protection or media exposure; major). The classifier reports which words decided, and a confidence:
a text whose words point at several categories, or at one by a single word, is marked for an agent to
confirm. Safety words always make a complaint urgent, whatever else it says.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from foundation.gcpause import cycle_collection_paused
from index.text import normalize
from tickets.enums import Category, Priority

#: The shipped lexicon. Config (``tickets.classification.lexicon``) replaces any of these lists.
DEFAULT_CATEGORY_WORDS: dict[Category, tuple[str, ...]] = {
    Category.product_quality: (
        "质量",
        "坏了",
        "变质",
        "异物",
        "头发",
        "虫子",
        "过期",
        "发霉",
        "破损",
        "故障",
        "死机",
        "闪退",
        "卡顿",
        "不新鲜",
        "馊",
        "假货",
        "做工",
        "漏电",
        "发热",
        "defect",
        "broken",
        "crash",
        "spoiled",
        "quality",
    ),
    Category.service_attitude: (
        "态度",
        "骂人",
        "不理",
        "敷衍",
        "推诿",
        "推来推去",
        "服务差",
        "不耐烦",
        "爱答不理",
        "客服",
        "怼",
        "rude",
        "impolite",
        "ignored",
    ),
    Category.logistics: (
        "配送",
        "送错",
        "晚到",
        "超时",
        "迟到",
        "快递",
        "物流",
        "骑手",
        "送达",
        "没送到",
        "洒了",
        "漏了",
        "包装",
        "late",
        "delivery",
        "courier",
        "shipping",
    ),
    Category.process: (
        "退款",
        "退货",
        "换货",
        "下单",
        "订单",
        "支付",
        "扣款",
        "扣钱",
        "发票",
        "优惠券",
        "满减",
        "会员",
        "取消",
        "refund",
        "return",
        "order",
        "charged",
        "payment",
    ),
    Category.suggestion: ("建议", "希望能", "能不能", "改进", "增加", "优化", "suggest", "would be nice", "please add"),
    Category.enquiry: ("请问", "咨询", "怎么", "如何", "是否", "能否", "多久", "how do", "how long", "is there"),
}
DEFAULT_URGENT_WORDS: tuple[str, ...] = (
    "起火",
    "着火",
    "失火",
    "爆炸",
    "自燃",
    "中毒",
    "食物中毒",
    "受伤",
    "烫伤",
    "割伤",
    "触电",
    "死亡",
    "身亡",
    "过敏",
    "腹痛",
    "腹泻",
    "呕吐",
    "住院",
    "急诊",
    "送医",
    "维权",
    "曝光",
    "媒体",
    "记者",
    "315",
    "律师",
    "起诉",
    "报警",
    "fire",
    "explosion",
    "exploded",
    "poisoning",
    "injured",
    "injury",
    "hospital",
    "lawsuit",
)
DEFAULT_MAJOR_WORDS: tuple[str, ...] = (
    "多次",
    "反复",
    "再次",
    "第三次",
    "群体",
    "集体",
    "很多人",
    "工商",
    "12315",
    "消协",
    "投诉无门",
    "骗",
    "欺诈",
    "诈骗",
    "again and again",
    "scam",
    "fraud",
)
# A word right after one of these is negated ("没有异物") and does not count.
NEGATIONS = ("没有", "没", "无", "未", "不是", "并非", "not ", "no ", "never ")


def _pattern(word: str) -> re.Pattern[str]:
    folded = normalize(word)
    escaped = re.escape(folded)
    if folded[:1].isascii() and folded[:1].isalnum():
        escaped = r"(?<![0-9a-z])" + escaped
    if folded[-1:].isascii() and folded[-1:].isalnum():
        escaped = escaped + r"(?![0-9a-z])" if not folded.isdigit() else escaped + r"(?!\d)"
    return re.compile(escaped)


@dataclass(frozen=True)
class Classification:
    """The outcome: what was decided, how sure, and the words that decided it."""

    category: Category
    grade: Priority
    confidence: float
    matched: dict[str, list[str]] = field(default_factory=dict)
    needs_confirmation: bool = False
    #: Every category that applies, the primary first (the lexicon gives only the primary).
    categories: tuple[Category, ...] = ()
    #: complaint, suggestion, enquiry, praise or other.
    type: str = "complaint"

    def matched_text(self) -> str:
        """``logistics:配送|晚到; urgent:中毒`` for CSV and display."""
        return "; ".join(f"{key}:{'|'.join(words)}" for key, words in self.matched.items())


class Classifier:
    """Rules from a lexicon. Extension point: another classifier (a trained model) can implement the same
    ``classify(text) -> Classification`` and be chosen in config."""

    def __init__(
        self,
        category_words: Mapping[Category, Sequence[str]] | None = None,
        urgent_words: Sequence[str] | None = None,
        major_words: Sequence[str] | None = None,
        low_confidence: float = 0.5,
    ):
        words = {**DEFAULT_CATEGORY_WORDS, **(category_words or {})}
        self._categories = {cat: [(w, _pattern(w)) for w in ws] for cat, ws in words.items()}
        self._urgent = [(w, _pattern(w)) for w in (urgent_words if urgent_words is not None else DEFAULT_URGENT_WORDS)]
        self._major = [(w, _pattern(w)) for w in (major_words if major_words is not None else DEFAULT_MAJOR_WORDS)]
        self.low_confidence = low_confidence
        # One scan per word list tells whether any of its words occurs at all; most texts match few lists,
        # so the word-by-word scan below runs only where it can find something (ingest classifies every text).
        self._any: dict[int, re.Pattern[str] | None] = {
            id(ws): re.compile("|".join(f"(?:{p.pattern})" for _, p in ws)) if ws else None
            for ws in [*self._categories.values(), self._urgent, self._major]
        }

    def _found(self, text: str, words: Sequence[tuple[str, re.Pattern[str]]]) -> list[str]:
        union = self._any.get(id(words))
        if union is not None and union.search(text) is None:
            return []
        out = []
        for word, pattern in words:
            for match in pattern.finditer(text):
                before = text[max(0, match.start() - 4) : match.start()]
                if not any(before.endswith(neg) for neg in NEGATIONS):
                    out.append(word)
                    break
        return out

    def classify(self, text: str, brand: str | None = None, sentiment: float | None = None) -> Classification:
        """``brand`` and ``sentiment`` are accepted for the shared interface; the lexicon reads words only."""
        folded = normalize(text)
        hits = {cat: self._found(folded, words) for cat, words in self._categories.items()}
        hits = {cat: words for cat, words in hits.items() if words}
        urgent = self._found(folded, self._urgent)
        major = self._found(folded, self._major)
        matched: dict[str, list[str]] = {cat.value: words for cat, words in hits.items()}
        if not hits:
            category, confidence = Category.other, 0.0
        else:
            ranked = sorted(hits.items(), key=lambda kv: (len(kv[1]), _PRIORITY[kv[0]]), reverse=True)
            category = ranked[0][0]
            best = len(ranked[0][1])
            total = sum(len(words) for words in hits.values())
            # Share of the evidence, scaled down when it rests on a single word.
            confidence = round(best / total * min(1.0, best / 2), 2)
        if urgent:
            grade = Priority.urgent
            matched["urgent"] = urgent
            if category is Category.other:
                # Safety and health harms come from what was sold: a product-quality case until an agent says not.
                category, confidence = Category.product_quality, 0.5
        elif major:
            grade = Priority.major
            matched["major"] = major
        elif category is Category.suggestion:
            grade = Priority.suggestion
        else:
            grade = Priority.general
        needs_confirmation = confidence < self.low_confidence and not urgent
        kind = category.value if category in (Category.suggestion, Category.enquiry) else "complaint"
        return Classification(category, grade, confidence, matched, needs_confirmation, (category,), kind)

    def category(self, text: str, brand: str | None = None, sentiment: float | None = None) -> Category:
        """The primary category alone (what a stored mention keeps): :meth:`classify`'s."""
        return self.classify(text, brand, sentiment).category


class ModelClassifier:
    """The trained complaint reader (:class:`tickets.understanding.understand.Understander`) behind the
    classifier interface. ``critical_words``: per brand (``"*"`` for every brand) extra urgent words."""

    def __init__(
        self,
        critical_words: Mapping[str, Sequence[str]] | None = None,
        major_words: Sequence[str] | None = None,
        low_confidence: float = 0.5,
    ):
        from tickets.understanding.understand import Understander

        critical = dict(critical_words or {})
        common = list(critical.pop("*", []))
        self._default = Understander(critical_words=common, major_words=major_words)
        self._by_brand = {
            brand: Understander(self._default.model, [*common, *words], major_words)
            for brand, words in critical.items()
        }
        self.low_confidence = low_confidence

    def classify(self, text: str, brand: str | None = None, sentiment: float | None = None) -> Classification:
        """``sentiment``: the default Chinese scorer's probability for ``text`` when already computed (the crawl
        has it); the model reads it as a feature, and scoring again would cost more than the rest together."""
        reader = self._by_brand.get(brand, self._default) if brand else self._default
        seen = reader.understand(text, sentiment)
        urgent = seen.grade is Priority.urgent
        needs_confirmation = seen.confidence < self.low_confidence and not urgent
        return Classification(
            seen.category, seen.grade, seen.confidence, seen.evidence, needs_confirmation, seen.categories, seen.type
        )

    def category(self, text: str, brand: str | None = None, sentiment: float | None = None) -> Category:
        """The primary category alone (what a stored mention keeps), the same as :meth:`classify`'s, without the
        evidence and grade it does not need (ingest classifies every mention)."""
        reader = self._by_brand.get(brand, self._default) if brand else self._default
        return reader.categories(text, sentiment)[0]

    def categories(
        self, texts: Sequence[str], sentiments: Sequence[float | None] | None = None, brand: str | None = None
    ) -> list[Category]:
        """:meth:`category` of each text, the same answers, for a batch (ingest): the model scores the whole batch
        in one sparse product. ``sentiments``: each text's score, as for :meth:`category` (None: all scored here)."""
        reader = self._by_brand.get(brand, self._default) if brand else self._default
        with cycle_collection_paused():  # a batch makes no cycles, only garbage: see foundation.gcpause
            return [found[0] for found in reader.categories_many(texts, sentiments)]


# When two categories have as many words, the one an agent must act on sooner wins the tie.
_PRIORITY = {
    Category.product_quality: 6,
    Category.logistics: 5,
    Category.process: 4,
    Category.service_attitude: 3,
    Category.enquiry: 2,
    Category.suggestion: 1,
    Category.other: 0,
}
