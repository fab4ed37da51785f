"""Personal data as shown to people without the ``pii`` permission.

The complaint process shows a customer as their surname with 先生/女士, phones by their last four digits and
e-mails by the start of their local part; nicknames keep their first character; inside free text every kind
:mod:`foundation.pii` detects. Masking is applied to every response for such people.
"""

from __future__ import annotations

import re

from foundation.pii import mask_pii
from tickets.enums import Gender

# Two-character surnames, so 欧阳娜娜 is 欧阳女士 and not 欧女士.
COMPOUND_SURNAMES = frozenset(
    "欧阳 司马 上官 诸葛 东方 皇甫 尉迟 公孙 慕容 长孙 宇文 司徒 夏侯 轩辕 令狐 钟离 端木 独孤 南宫 西门 "
    "百里 呼延 赫连 澹台 宗政 濮阳 太叔 申屠 闻人 万俟 司空 亓官 公冶 羊舌 单于 东郭".split()
)
_CJK = re.compile(r"[\u3400-\u9fff]")
_TITLES = {Gender.male: "先生", Gender.female: "女士"}


def surname(name: str) -> str:
    """The family name of a Chinese name; for a Latin-script name, its last word's initial."""
    name = name.strip()
    if not name:
        return ""
    if _CJK.match(name):
        return name[:2] if name[:2] in COMPOUND_SURNAMES else name[0]
    return name.split()[-1][0].upper() + "."


def mask_name(name: str | None, gender: Gender | str | None = Gender.unknown) -> str | None:
    """张三 (male) → 张先生; 李四 (female) → 李女士; unknown gender → 李**; John Smith → S. (Mr/Ms)."""
    if not name or not name.strip():
        return name
    family = surname(name)
    title = _TITLES.get(Gender(gender or Gender.unknown))
    if _CJK.match(name.strip()):
        return family + (title or "**")
    latin = {Gender.male: "Mr ", Gender.female: "Ms "}.get(Gender(gender or Gender.unknown), "")
    return f"{latin}{family}"


def mask_phone(phone: str | None) -> str | None:
    """Only the last four digits remain: ``138****5678`` becomes ``*******5678``."""
    if not phone:
        return phone
    digits = re.sub(r"\D", "", phone)
    if len(digits) <= 4:
        return "*" * len(digits)
    return "*" * (len(digits) - 4) + digits[-4:]


def mask_email(email: str | None) -> str | None:
    """``zhangsan@example.com`` → ``zh***@example.com``: the first characters of the local part, the domain."""
    if not email or "@" not in email:
        return "***" if email else email
    local, domain = email.rsplit("@", 1)
    keep = local[:2] if len(local) > 3 else local[:1]
    return f"{keep}***@{domain}"


def mask_nickname(nickname: str | None) -> str | None:
    """An online handle keeps its first character: ``鲜达受害者`` → ``鲜****``."""
    if not nickname:
        return nickname
    return nickname[0] + "*" * max(2, min(len(nickname) - 1, 6))


def mask_text(text: str | None) -> str | None:
    """Every kind of personal data inside free text (mobiles, landlines, ID and bank card numbers, e-mails,
    names), by the one linear-time detector of :mod:`foundation.pii`."""
    return mask_pii(text)
