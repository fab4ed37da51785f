"""Urgent cases: harm to body or safety, and threats to go to a regulator, the media or court.

A cue counts unless it is negated close before it ("没有拉肚子", "并没有过敏", "不会爆炸") or it belongs to a
harmless phrase that merely contains it ("打不着火", "报警灯", "曝光过度", "离医院很近"). Colloquial forms are
listed with the formal ones (拉肚子, 上吐下泻, 吐了, 进医院). Per-brand extra words come from config.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from index.text import normalize

#: Harm to a person or a safety hazard (health, fire, electricity, injury, a child hurt).
HARM_CUES: tuple[str, ...] = tuple(
    """
    起火 着火 失火 火灾 爆炸 炸了 爆了 自燃 冒烟 冒火 烧焦 烧起来 鼓包 漏电 触电 电到 电了一下 麻手 漏气 煤气味
    中毒 食物中毒 拉肚子 拉稀 腹泻 闹肚子 上吐下泻 呕吐 吐了 想吐 恶心想吐 肚子疼 肚子痛 胃疼 胃痛 腹痛 肠胃炎
    过敏 起疹子 红疹 皮疹 疹子 起包 红肿 瘙痒难忍 烂脸 毁容 发烧 头晕 晕倒 昏迷 休克
    受伤 烫伤 烫到 烧伤 割伤 划伤 划破 扎伤 流血 出血 骨折 摔伤 摔倒 砸伤 咬伤 叮咬 咬了 螨虫 跳蚤 臭虫
    住院 急诊 送医 就医 看医生 进医院 去医院 上医院 去了医院 医院检查 医院看 挂水 输液 洗胃 打针
    死亡 身亡 去世 死了人 窒息 噎住 安全隐患 消防通道 安全出口 逃生通道 玻璃渣 玻璃碎片 钢丝 铁丝 刀片
    """.split()
)
#: A threat to bring in a regulator, the media or a court.
THREAT_CUES: tuple[str, ...] = tuple(
    """
    12315 315 3·15 3.15 消协 消费者协会 工商局 市场监管 监管局 银保监 金融监管 黑猫投诉 曝光 媒体 记者 报社 电视台
    起诉 告你们 上法院 法院 律师 报警 报案 立案 维权
    """.split()
)
#: Phrases that contain a cue and mean no harm; a cue inside one of these does not count.
HARMLESS: tuple[str, ...] = tuple(
    """
    打不着火 点不着火 打着火 着火点 报警灯 报警器 报警声 报警提示 故障报警 缺水报警 自动报警 曝光过度 曝光不足
    曝光补偿 曝光时间 自动曝光 离医院 医院附近 医院旁边 靠近医院 医院对面 死机 死慢 笑死 累死 气死 热死 冷死 饿死
    烦死 难吃死 慢死 死贵 死板 打死 吓死 急死 快递炸 炸鸡 炸酱 炸串 油炸 爆米花 火爆 爆款 爆满 爆表 爆料 爆发
    维权成功 吐槽 吐司 吐字 过敏肌 敏感肌 不过敏 防过敏 抗过敏 低敏 热卖
    """.split()
)
#: A cue right after one of these (within a few characters) is negated.
NEGATIONS: tuple[str, ...] = ("没有", "没", "无", "未", "不是", "并非", "不会", "不要", "不用", "不至于", "别", "免")

_CHILD = re.compile(r"孩子|宝宝|小孩|儿子|女儿|婴儿|幼儿|小朋友|孕妇|老人")


@dataclass(frozen=True)
class Urgency:
    """Whether a text is urgent and the words that made it so."""

    urgent: bool
    evidence: tuple[str, ...] = ()


def _compile(words: Iterable[str]) -> list[tuple[str, re.Pattern[str]]]:
    out = []
    for word in words:
        folded = normalize(word)
        body = re.escape(folded)
        if folded.isdigit() or folded[:1].isdigit():
            body = r"(?<!\d)" + body + r"(?![\d])"  # 315 but not an order number 3150001
        out.append((word, re.compile(body)))
    return out


class UrgencyDetector:
    """Finds urgent cues; ``extra`` adds words (a brand's own critical terms) to the threat list."""

    def __init__(self, extra: Sequence[str] = (), harmless: Sequence[str] = ()):
        self._cues = _compile([*HARM_CUES, *THREAT_CUES, *extra])
        self._harmless = [normalize(w) for w in (*HARMLESS, *harmless)]

    def _masked(self, text: str) -> str:
        # Blank out the harmless phrases so no cue can match inside them (keeps positions).
        for phrase in self._harmless:
            if phrase in text:
                text = text.replace(phrase, "□" * len(phrase))
        return text

    @staticmethod
    def _negated(text: str, start: int) -> bool:
        before = text[max(0, start - 5) : start]
        # The negation must govern the cue: nothing but a few plain characters between them, no clause break.
        before = re.split(r"[，,。！!？?；;\s]", before)[-1]
        return any(neg in before for neg in NEGATIONS)

    def detect(self, text: str) -> Urgency:
        folded = self._masked(normalize(text))
        found: list[str] = []
        for word, pattern in self._cues:
            for match in pattern.finditer(folded):
                if not self._negated(folded, match.start()):
                    found.append(word)
                    break
        return Urgency(bool(found), tuple(dict.fromkeys(found)))
