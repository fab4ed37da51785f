"""A small, dependency-free language guess good enough to route texts to scorers.

It looks at the scripts the letters belong to: Han characters mean Chinese (simplified or traditional),
kana mean Japanese, Hangul Korean, and Latin letters with common English function words mean English.
"""

from __future__ import annotations

import re

# Everything but Han characters, in runs: what removing them leaves is the text's Han characters, counted without
# a list of one string per character (half the time of ``findall`` of each Han character on Chinese posts).
_NOT_HAN = re.compile(r"[^\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_KANA = re.compile(r"[\u3040-\u30ff]")
_HANGUL = re.compile(r"[\uac00-\ud7af]")
_LATIN_WORD = re.compile(r"[A-Za-z]{2,}")
_ENGLISH = frozenset(
    "the a an and or but is are was were be been it this that to of in on for with not no my our your you "
    "i we they he she very too so have has had do does did can will would should at from by as if".split()
)
# Function words that mark the other common Latin-script languages of brand mentions.
_OTHER_LATIN = {
    "de": frozenset("der die das und ist nicht ein eine ich sie mit auf für von zu den dem sehr auch".split()),
    "fr": frozenset("le la les et est une un je pas des du pour avec très que qui dans sur ce".split()),
    "es": frozenset("el la los las y es una un no muy que por para con del pero lo se".split()),
}


def detect_language(text: str) -> str:
    """Return ``zh``, ``ja``, ``ko``, ``en``, ``de``, ``fr``, ``es`` or ``und`` (undetermined)."""
    if not text:
        return "und"
    han = len(_NOT_HAN.sub("", text))
    kana = len(_KANA.findall(text))
    hangul = len(_HANGUL.findall(text))
    words = _LATIN_WORD.findall(text)
    if kana >= 2 and kana >= han * 0.1:
        return "ja"
    if hangul >= 2 and hangul > han:
        return "ko"
    latin_letters = sum(len(w) for w in words)
    if han >= 2 and han * 2 >= latin_letters * 0.5:
        return "zh"
    if words:
        if han:
            return "zh"
        lowered = [w.lower() for w in words]
        english = sum(1 for w in lowered if w in _ENGLISH)
        others = {lang: sum(1 for w in lowered if w in vocab) for lang, vocab in _OTHER_LATIN.items()}
        best, best_count = max(others.items(), key=lambda kv: kv[1])
        if best_count > english and best_count >= 2:
            return best
        # Short Latin-script texts without function words ("Great app!") are far more often English.
        return "en"
    return "zh" if han else "und"
