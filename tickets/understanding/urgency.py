"""Urgent cases: harm to body or safety, and threats to go to a regulator, the media or court.

A harm cue counts unless it is negated or hypothetical close before it ("没有拉肚子", "怕拉肚子没吃", "快吐了")
or it sits inside a harmless phrase that merely contains it ("打不着火", "报警灯", "曝光过度", "差到爆炸").
Threats are patterns, not bare words: "媒体" in "媒体功能" or "曝光" in a news headline threaten nobody, "找媒体曝光"
does. Colloquial forms are listed with the formal ones (拉肚子, 上吐下泻, 吐了, 进医院). Hazards and injuries count
wherever they are told; an illness only near something eaten, drunk or used ("喝了…拉肚子", "用完头上冒出痘痘"),
so a personal post about a cold or a hospital visit is not a case. A brand's own critical words come from config
and count like hazards. Text is read in simplified script ("房間有蝨咬" as "房间有虱咬"), positions kept. The words and
patterns themselves are in :mod:`.urgent_cues`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from index.text import normalize
from sentiment.features import to_simplified
from tickets.understanding.features import CHAR_ORDERS, grams
from tickets.understanding.firstchars import FirstChars
from tickets.understanding.folding import fold
from tickets.understanding.urgent_cues import (
    ASKED,
    ATE,
    BLAMED,
    CAUSATIVE,
    CAUSED_PATTERNS,
    FEAR_IN_CLAUSE,
    FEARED,
    HABIT_BEFORE,
    HABITUAL,
    HARMLESS,
    HARMLESS_PATTERNS,
    HAZARD_CUES,
    HAZARD_PATTERNS,
    ILLNESS_CUES,
    ILLNESS_PATTERNS,
    IMMEDIATE,
    INGEST,
    INGESTED_ONLY,
    INGESTED_PATTERN,
    INJURY_CUES,
    LINK_AFTER,
    LINK_BEFORE,
    NEGATIONS,
    ONSET,
    ONSET_CUES,
    SPOILT,
    SWORN_OFF,
    THREAT_BY_OTHERS,
    THREAT_PATTERNS,
    THREAT_WITHHELD,
    TIME_PHRASES,
    USE,
)

_HAN = re.compile(r"[\u4e00-\u9fff]+")
#: Traditional variants of the detector's characters that the sentiment side's table (snownlp's ``zh2hans``) lacks:
#: "房间有蝨咬" is read as "房间有虱咬".
_TRADITIONAL_EXTRA, _SIMPLIFIED_EXTRA = "蝨脣牀喫紮", "虱唇床吃扎"
_T2S_EXTRA = str.maketrans(_TRADITIONAL_EXTRA, _SIMPLIFIED_EXTRA)
# One scan for the table's few characters: ``str.translate`` looks up every character of the text (a few
# microseconds a text) and hardly any text holds one; without one, translating gives the text as it is.
_EXTRA_TRADITIONAL = re.compile(f"[{_TRADITIONAL_EXTRA}]")


def simplified(folded: str) -> str:
    """A normalised text in simplified characters, one for one (positions kept), so the cues match either script."""
    text = to_simplified(folded)
    return text.translate(_T2S_EXTRA) if _EXTRA_TRADITIONAL.search(text) else text


@dataclass(frozen=True)
class Urgency:
    """Whether a text is urgent, the words that made it so, and whether any is a threat or a hazard."""

    urgent: bool
    evidence: tuple[str, ...] = ()
    threat: bool = False
    hazard: bool = False


_NOT_URGENT = Urgency(False)


def _compile(words: Iterable[str]) -> list[tuple[str, str, re.Pattern[str]]]:
    """(word as given, word normalised, its pattern): the substring test spares a regex scan for absent words."""
    return [(word, normalize(word), re.compile(re.escape(normalize(word)))) for word in words]


_CHILD = re.compile(r"孩子|宝宝|小孩|儿子|女儿|婴儿|幼儿|小朋友|儿童")
_CLAUSE = re.compile(r"[,，。.!！?？;；\s]")


def _before(text: str, start: int, width: int = 5) -> str:
    """The ``width`` characters before ``start`` in the same clause, time phrases blanked out."""
    before = _CLAUSE.split(text[max(0, start - width) : start])[-1]
    if "没" in before or "不" in before or "会" in before:  # every time phrase holds one of these
        for phrase in TIME_PHRASES:
            before = before.replace(phrase, "□")
    return before


def _check_orders() -> int:
    """The top n-gram order, after checking that the model's orders are 1 to it: :meth:`UrgencyDetector.may_be_urgent`
    finds every Han cue and pattern key of the text by its n-grams, which must then hold every short Han run."""
    top = max(CHAR_ORDERS)
    if tuple(sorted(CHAR_ORDERS)) != tuple(range(1, top + 1)):
        raise ValueError(f"the urgent cues are looked up among n-grams of orders 1 to {top}, not {CHAR_ORDERS}")
    return top


class UrgencyDetector:
    """Finds urgent cues; ``extra`` adds a brand's critical words (counted like hazards: urgent wherever told)."""

    def __init__(self, extra: Sequence[str] = (), harmless: Sequence[str] = ()):
        self._hazard = _compile([*HAZARD_CUES, *extra])
        self._hazard_patterns = [re.compile(p) for p in HAZARD_PATTERNS]
        self._injury = _compile(INJURY_CUES)
        self._illness = _compile([*ILLNESS_CUES, *INGESTED_ONLY])
        self._illness_patterns = [re.compile(p) for p in ILLNESS_PATTERNS]
        self._ingested = re.compile(INGESTED_PATTERN)
        self._onset = ONSET
        self._caused = [re.compile(p) for p in CAUSED_PATTERNS]
        self._ate = re.compile(ATE)
        self._blamed = re.compile(BLAMED)
        self._sworn_off = re.compile(SWORN_OFF)
        self._spoilt = re.compile(SPOILT)
        self._use = re.compile(f"{INGEST}|{USE}")
        self._threats = [re.compile(p) for p in THREAT_PATTERNS]
        self._harmless = sorted({normalize(w) for w in (*HARMLESS, *harmless)}, key=len, reverse=True)
        self._harmless_patterns = [(key, re.compile(p)) for key, p in HARMLESS_PATTERNS]
        # What any urgent reading needs in the text as folded (blanking harmless phrases only removes matches):
        # a cue word — the short Han ones are among the text's n-grams, computed for the model anyway — or a
        # match of a cause or threat pattern. Most texts have none and are read no further.
        keys = [key for _, key, _ in (*self._hazard, *self._injury, *self._illness)]
        self._cue_grams = frozenset(k for k in keys if len(k) in CHAR_ORDERS and _HAN.fullmatch(k))
        # A longer Han word occurs only where its first n-gram of the top order does: looked up by that gram (the
        # text's n-grams hold every run of 1 to ``top`` Han characters in it, as :func:`_check_orders` makes sure).
        top = _check_orders()
        self._cue_long: dict[str, list[str]] = {}
        for key in dict.fromkeys(keys):
            if len(key) > top and _HAN.fullmatch(key):
                self._cue_long.setdefault(key[:top], []).append(key)
        long = {key for keys_ in self._cue_long.values() for key in keys_}
        self._cue_rest = tuple(dict.fromkeys(k for k in keys if k not in self._cue_grams and k not in long))
        # Searched one by one, not as one alternation: a pattern that starts with a literal or a set of literals
        # lets the regex engine skip to the places where it can start, which an alternation of them all does not
        # (the same texts pass, at 0.4 times the time: bench/ingest_stages.py).
        self._any_patterns = (
            tuple(self._caused)
            + tuple(self._hazard_patterns)
            + tuple(self._threats)
            + tuple(self._illness_patterns)
            + (self._ingested,)
        )
        # And only those whose match can start with a character of the text (a quarter of the searches).
        self._any_index = FirstChars(self._any_patterns, top)
        # Every n-gram any of the checks below looks up: one pass over the text's grams (in C) finds them all.
        self._pieces = self._cue_grams.union(self._cue_long, self._any_index.by_piece)

    def may_be_urgent(self, folded: str) -> bool:
        """False when a normalised text holds no cue word and matches no cause or threat pattern: not urgent."""
        pieces = self._pieces.intersection(grams(folded))
        return (
            not self._cue_grams.isdisjoint(pieces)
            or any(key in folded for piece in self._cue_long.keys() & pieces for key in self._cue_long[piece])
            or any(map(folded.__contains__, self._cue_rest))
            or self._any_index.any_match_in(folded, pieces)
        )

    def masked(self, text: str) -> str:
        """``text`` (normalised) with the harmless phrases blanked out, positions kept, so no cue matches in them."""
        # Every phrase is found in the text as written, then all are blanked: blanking one phrase before looking
        # for the next made overlapping ones ("差到爆" / "到爆炸" in "差到爆炸了") depend on set order, i.e. on the
        # process's hash seed, and could leave "炸了" standing.
        blank = bytearray(len(text))
        for phrase in self._harmless:
            start = text.find(phrase)
            while start >= 0:
                blank[start : start + len(phrase)] = b"\x01" * len(phrase)
                start = text.find(phrase, start + 1)
        for key, pattern in self._harmless_patterns:
            if key not in text:
                continue
            for match in pattern.finditer(text):
                blank[match.start() : match.end()] = b"\x01" * (match.end() - match.start())
        if not any(blank):
            return text
        return "".join("□" if blank[i] else ch for i, ch in enumerate(text))

    @staticmethod
    def negated(text: str, start: int) -> bool:
        """Whether a negation or a mere fear governs the cue at ``start`` (same clause, a few characters)."""
        before = _before(text, start)
        return before.endswith(IMMEDIATE) or any(neg in before for neg in NEGATIONS)

    def _harm_negated(self, text: str, start: int) -> bool:
        before = _before(text, start)
        if self.negated(text, start):
            return True
        if FEAR_IN_CLAUSE.search(_CLAUSE.split(text[max(0, start - HABIT_BEFORE) : start])[-1]):
            return True
        if not any(word in before for word in FEARED):
            return False
        clause = _CLAUSE.split(text[max(0, start - HABIT_BEFORE) : start])[-1]
        return not HABITUAL.search(clause)

    @staticmethod
    def _asked(text: str, start: int, end: int) -> bool:
        """Whether the cue at ``start:end`` is a harm someone would cause, asked about ("想让我拉肚子吗")."""
        return ASKED.match(text, end) is not None and CAUSATIVE.search(_before(text, start, 10)) is not None

    def _told(self, folded: str, pattern: re.Pattern[str]) -> bool:
        return any(not self._harm_negated(folded, m.start()) for m in pattern.finditer(folded))

    def _linked(self, folded: str, word: str, pattern: re.Pattern[str], ingested: bool = False) -> str | None:
        """An illness cue told (not negated) after something eaten, drunk or used, or just before naming it: the
        words told (``ingested``: the eating itself must be told before it, as for "不舒服")."""
        for m in pattern.finditer(folded):
            if self._harm_negated(folded, m.start()) or self._asked(folded, m.start(), m.end()):
                continue
            before = folded[max(0, m.start() - LINK_BEFORE) : m.start()]
            after = folded[m.end() : m.end() + LINK_AFTER]
            if self._blamed.search(after) or (word not in INGESTED_ONLY and self._sworn_off.search(after)):
                return m.group(0)
            if word in ONSET_CUES and self._onset.search(_before(folded, m.start(), 12)):
                return m.group(0)
            if ingested and self._spoilt.search(before):
                return m.group(0)
            if ingested or word in INGESTED_ONLY:
                if self._ate.search(before):
                    return m.group(0)
            elif self._use.search(before) or self._use.search(folded[m.end() : m.end() + LINK_AFTER]):
                return m.group(0)
        return None

    def _match_told(self, folded: str, match: re.Match[str]) -> bool:
        """Whether a pattern's match is told, negated neither where it starts nor, for a pattern that names its cause
        first, where its ``harm`` group is told: "床单睡了也没有起红疹", "充电的时候还好没有突然爆了"."""
        if self._harm_negated(folded, match.start()):
            return False
        return "harm" not in match.re.groupindex or not self._harm_negated(folded, match.start("harm"))

    def detect(self, text: str) -> Urgency:
        folded = simplified(fold(text))
        if not self.may_be_urgent(folded):
            return _NOT_URGENT
        folded = self.masked(folded)
        hazards = [w for w, k, p in self._hazard if k in folded and self._told(folded, p)]
        for pattern in self._hazard_patterns:
            told = next((m.group(0) for m in pattern.finditer(folded) if self._match_told(folded, m)), None)
            if told:
                hazards.append(told)
        found = [w for w, k, p in self._injury if k in folded and self._told(folded, p)]
        found += [w for w, k, p in self._illness if k in folded and self._linked(folded, w, p)]
        for pattern in self._illness_patterns:
            told = self._linked(folded, "拉肚子", pattern)  # told like 拉肚子: linked, or with its onset
            if told:
                found.append(told)
        told = self._linked(folded, "", self._ingested, ingested=True)
        if told:
            found.append(told)
        for pattern in self._caused:
            # Matches may overlap: "没有暖气，空调只吹冷风…受凉" is told again from "空调" once "没有暖气" is negated.
            pos = 0
            while (match := pattern.search(folded, pos)) is not None:
                pos = match.start() + 1
                if self._match_told(folded, match):
                    found.append(match.group(0))
                    break
        threats = []
        for pattern in self._threats:
            for match in pattern.finditer(folded):
                # Negated ("没有投诉到…") or held back ("先不投诉到…"): no threat.
                if self.negated(folded, match.start()) or THREAT_WITHHELD.search(_before(folded, match.start(), 8)):
                    continue
                if THREAT_BY_OTHERS.search(_before(folded, match.start(), 12)):
                    continue  # someone else's threat ("催收说要报警抓我"): the writer's case is not taken outside
                threats.append(match.group(0))
                break
        evidence = tuple(dict.fromkeys([*hazards, *found, *threats]))
        # A child harmed is treated like a hazard: urgent wherever it is told.
        child = bool(found) and bool(_CHILD.search(folded))
        return Urgency(bool(evidence), evidence, bool(threats), bool(hazards) or child)
