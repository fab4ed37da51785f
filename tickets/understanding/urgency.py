"""Urgent cases: harm to body or safety, and threats to go to a regulator, the media or court.

A harm cue counts unless it is negated or hypothetical close before it ("没有拉肚子", "怕拉肚子没吃", "快吐了")
or it sits inside a harmless phrase that merely contains it ("打不着火", "报警灯", "曝光过度", "差到爆炸").
Threats are patterns, not bare words: "媒体" in "媒体功能" or "曝光" in a news headline threaten nobody, "找媒体曝光"
does. Colloquial forms are listed with the formal ones (拉肚子, 上吐下泻, 吐了, 进医院). A brand's own critical
words come from config and count like harm cues.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from index.text import normalize
from tickets.understanding.folding import fold


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


#: A hazard: fire, explosion, electricity, gas, blocked escape routes, sharp debris — urgent wherever it is told.
HAZARD_CUES = _words(
    """
    起火 着火 失火 火灾 爆炸 炸了 自燃 冒烟 冒火 烧焦 烧起来 鼓包 漏电 触电 电到 电了一下 麻手 漏气 煤气味 安全隐患
    消防通道 消防门 安全出口 逃生通道 灭火器 玻璃渣 玻璃碎片 刀片
    """
)
#: Harm to a person's health or body.
HARM_CUES = _words(
    """
    中毒 食物中毒 拉肚子 拉稀 腹泻 闹肚子 上吐下泻 呕吐 吐了 想吐 肚子疼 肚子痛 胃疼 胃痛 腹痛 肠胃炎 过敏 起疹子
    红疹 皮疹 疹子 红肿 流脓 烂脸 毁容 发烧 昏迷 休克 受伤 烫伤 烫到 烧伤 割伤 划破手 扎伤 流血 骨折 摔伤 砸伤 砸到
    咬伤 叮咬 咬了 被咬 螨虫 跳蚤 臭虫 满身疙瘩 身上满是疙瘩 住院 急诊 送医 就医 看医生 进医院 去医院 上医院
    去了医院 医院检查 医院看 挂水 输液 洗胃 打点滴 死亡 身亡 窒息 噎住
    """
)
#: Threats to take the case outside: regulator, consumer association, media, court, police.
THREAT_PATTERNS: tuple[str, ...] = (
    r"(?<!\d)12315(?!\d)",
    r"(?<![\d.])3[.·]?15(?![\d])",
    r"三一五",
    r"消协|消费者协会|消费者服务热线|工商局|市场监管|监管局|银保监|金融监管|黑猫投诉",
    r"(找|联系|告诉|叫|向|请)(了)?(新闻)?(媒体|记者|电视台|报社)",
    r"(媒体|网上|网络|微博|抖音).{0,4}曝光|曝光(你们|他们|这家|此事|出来|到网上)",
    r"(要|去|就|会|帮忙|让大家)曝光",
    r"起诉|告你们|告上法庭|上法院|法院见|打官司|律师",
    r"(我|要|就|已|已经|去|会|想|马上)(经)?报(警|案)|报警处理|报案",
    r"维权",
)
#: Phrases that contain a cue and mean no harm; a cue inside one of these does not count.
HARMLESS = _words(
    """
    打不着火 点不着火 打着火 着火点 憋着火 火大 报警灯 报警器 报警声 报警提示 故障报警 缺水报警 自动报警 曝光过度
    曝光不足 曝光补偿 曝光时间 自动曝光 心情爆炸 到爆炸 差到爆 要爆炸了 炸鸡 炸酱 炸串 油炸 炸了毛 气的冒烟 气得冒烟
    都要冒烟 七窍生烟 很受伤 又一次受伤 受伤的心 受伤状态 容易中毒 电脑中毒 系统中毒 中病毒 不过敏 防过敏 抗过敏
    过敏肌 敏感肌 吐槽 吐司 吐字 维权成功
    """
)
#: A harm cue right after one of these (same clause, a few characters) is negated or only feared.
NEGATIONS = _words("没有 没 无 未 不是 并非 不会 不要 不用 不至于 别 免得 以免 怕 担心 害怕 会不会 万一 快 差点儿 差点")


@dataclass(frozen=True)
class Urgency:
    """Whether a text is urgent, the words that made it so, and whether any is a threat or a hazard."""

    urgent: bool
    evidence: tuple[str, ...] = ()
    threat: bool = False
    hazard: bool = False


def _compile(words: Iterable[str]) -> list[tuple[str, str, re.Pattern[str]]]:
    """(word as given, word normalised, its pattern): the substring test spares a regex scan for absent words."""
    return [(word, normalize(word), re.compile(re.escape(normalize(word)))) for word in words]


_CHILD = re.compile(r"孩子|宝宝|小孩|儿子|女儿|婴儿|幼儿|小朋友|儿童")
_CLAUSE = re.compile(r"[,，。.!！?？;；\s]")


class UrgencyDetector:
    """Finds urgent cues; ``extra`` adds a brand's critical words (counted like hazards: urgent wherever told)."""

    def __init__(self, extra: Sequence[str] = (), harmless: Sequence[str] = ()):
        self._hazard = _compile([*HAZARD_CUES, *extra])
        self._harm = _compile(HARM_CUES)
        self._threats = [re.compile(p) for p in THREAT_PATTERNS]
        self._harmless = sorted({normalize(w) for w in (*HARMLESS, *harmless)}, key=len, reverse=True)

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
        if not any(blank):
            return text
        return "".join("□" if blank[i] else ch for i, ch in enumerate(text))

    @staticmethod
    def negated(text: str, start: int) -> bool:
        """Whether a negation or a mere fear governs the cue at ``start`` (same clause, a few characters)."""
        before = _CLAUSE.split(text[max(0, start - 5) : start])[-1]
        return any(neg in before for neg in NEGATIONS)

    def _told(self, folded: str, pattern: re.Pattern[str]) -> bool:
        return any(not self.negated(folded, m.start()) for m in pattern.finditer(folded))

    def detect(self, text: str) -> Urgency:
        folded = self.masked(fold(text))
        hazards = [w for w, k, p in self._hazard if k in folded and self._told(folded, p)]
        found = [w for w, k, p in self._harm if k in folded and self._told(folded, p)]
        threats = []
        for pattern in self._threats:
            for match in pattern.finditer(folded):
                if not self.negated(folded, match.start()):
                    threats.append(match.group(0))
                    break
        evidence = tuple(dict.fromkeys([*hazards, *found, *threats]))
        # A child harmed is treated like a hazard: urgent wherever it is told.
        child = bool(found) and bool(_CHILD.search(folded))
        return Urgency(bool(evidence), evidence, bool(threats), bool(hazards) or child)
