"""Personal data in free text: one detector, in linear time, and its masking.

What it finds (``PiiKind``): Chinese mobile numbers in every common writing (``13812345678``, ``138 1234 5678``,
``138-1234-5678``, ``+86 138…``, ``(+86)138…``, ``0086…``), landlines (``010-12345678``, ``0755 1234567``),
18-digit resident ID numbers whose check digit is right (GB 11643), bank card numbers of 16–19 digits that pass
Luhn, e-mail addresses, and names in the common Chinese patterns (``我叫张三``, ``联系人：张三``, ``张三先生``,
``欧阳娜娜女士``).

How: no regular expressions. One pass splits the text into digit groups (a group may start with ``+`` and groups
may be joined by a space, a dash or brackets); at each group at most a few spans of following groups are tried,
longest first, so the work per character is bounded. E-mails grow outwards from each ``@`` over runs that cannot
overlap; names are looked for around a fixed set of cue words with a bounded window. Every step is O(length), so
a hostile 100,000-character post costs what any post of that length costs. A field longer than
:data:`MAX_FIELD` characters is cut there before masking (nothing beyond it is shown masked or otherwise).

Masks follow the complaint process: a name shows its surname with 先生/女士 (``**`` when the title is unknown),
numbers their last four digits, an e-mail the start of its local part and the domain.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from itertools import accumulate
from typing import NamedTuple

#: Longest field a masked view carries; beyond it the text is cut (a post is never that long in practice).
MAX_FIELD = 100_000
ELLIPSIS = "…"


class PiiKind(StrEnum):
    mobile = "mobile"
    landline = "landline"
    id_card = "id_card"
    bank_card = "bank_card"
    email = "email"
    name = "name"
    #: In a snippet cut out of a longer text: a long number cut at the edge, which might be any of the above.
    number = "number"


class Finding(NamedTuple):
    """``text[start:end]`` is personal data of ``kind``; ``mask`` is what a masked view shows instead."""

    kind: PiiKind
    start: int
    end: int
    mask: str


# -- numbers ------------------------------------------------------------------------------------------------
_DIGITS = frozenset("0123456789")
#: Between two digit groups of one number: spaces, dashes, dots are not (they make decimals), brackets are.
_JOINERS = frozenset(" -\u00a0\u2010\u2011\u2012\u2013\uff0d()（）")
_MAX_JOIN = 2  # e.g. ") " in "(+86) 138…"
_MAX_GROUPS = 6  # "+86 138 1234 5678" is 4; bank cards in fours are 5
#: Numbers judged one by one in a field; beyond that every digit is masked (a hostile text, not a post).
MAX_NUMBERS = 2_000
#: In a snippet, a number this long that is none of the kinds may be one cut in half: it is masked anyway.
_SNIPPET_DIGITS = 7
_MAX_DIGITS = 19  # the longest thing we look for: a bank card
#: How many digits each kind has: landlines 10-12, mobiles 11 (13 with 86, 15 with 0086), IDs 18, cards 16-19.
_LENGTHS = frozenset({10, 11, 12, 13, 15, 16, 17, 18, 19})
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


@dataclass
class _Group:
    start: int  # the "+" or first digit
    end: int
    digits: str
    plus: bool


def _groups(text: str) -> list[_Group]:
    """Maximal digit runs (with an optional leading ``+``; an ``X`` may end an ID number)."""
    out: list[_Group] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        plus = c in "+＋" and i + 1 < n and text[i + 1] in _DIGITS
        if c in _DIGITS or plus:
            start = i
            if plus:
                i += 1
            j = i
            while j < n and text[j] in _DIGITS:
                j += 1
            end = j
            if end < n and text[end] in "Xx" and end - i == 17:
                end += 1
            # A digit run glued to letters (an order number, a model name) is not a phone or card.
            out.append(_Group(start, end, text[i:end], plus))
            i = end
        else:
            i += 1
    return out


def _joined(text: str, a: _Group, b: _Group) -> bool:
    gap = text[a.end : b.start]
    return len(gap) <= _MAX_JOIN and all(c in _JOINERS for c in gap)


def id_check_ok(number: str) -> bool:
    """Whether an 18-character resident ID number's last character is its GB 11643 check digit."""
    if len(number) != 18 or not number[:17].isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(number[:17], _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11] == number[17].upper()


def luhn_ok(number: str) -> bool:
    """Whether a card number passes the Luhn check."""
    total = 0
    for i, ch in enumerate(reversed(number)):
        d = ord(ch) - 48
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def _last_four(digits: str) -> str:
    return "*" * (len(digits) - 4) + digits[-4:]


def _classify(digits: str, plus: bool) -> tuple[PiiKind, str] | None:
    """What a number written as ``digits`` is, and its mask; ``None`` if it is none of ours."""
    national = digits
    for prefix in ("0086", "86"):
        if digits.startswith(prefix) and len(digits) == len(prefix) + 11:
            national = digits[len(prefix) :]
            break
    else:
        if plus:
            return None  # another country's number: not ours to judge
    if len(national) == 11 and national[0] == "1" and national[1] in "3456789":
        return PiiKind.mobile, _last_four(national)
    if national is not digits:
        return None
    if len(digits) == 18 and id_check_ok(digits):
        return PiiKind.id_card, _last_four(digits)
    if digits.isdigit() and 16 <= len(digits) <= 19 and luhn_ok(digits):
        return PiiKind.bank_card, _last_four(digits)
    if digits[0] == "0" and digits[1:2] != "0" and 10 <= len(digits) <= 12 and digits.isdigit():
        return PiiKind.landline, _last_four(digits)
    return None


def _numbers(text: str, snippet: bool = False) -> Iterator[Finding]:
    groups = _groups(text)
    i = 0
    while i < len(groups):
        first = groups[i]
        if i >= MAX_NUMBERS:
            # No real post holds this many numbers: fail closed and hide every digit of the rest, in linear time.
            yield Finding(PiiKind.bank_card, first.start, first.end, "*" * (first.end - first.start))
            i += 1
            continue
        if first.start > 0 and (text[first.start - 1].isascii() and text[first.start - 1].isalpha()):
            i += 1  # glued to a word: "ABC13812345678" is a code, not a phone
            continue
        span = [first]
        size = len(first.digits)
        while len(span) < _MAX_GROUPS and i + len(span) < len(groups) and size <= _MAX_DIGITS:
            after = groups[i + len(span)]
            if not _joined(text, span[-1], after):
                break
            span.append(after)
            size += len(after.digits)
        found: tuple[int, tuple[PiiKind, str]] | None = None
        # Longest span first: "138 1234 5678" is one mobile, not three fragments. Only lengths something of
        # ours can have are put together and judged.
        lengths = list(accumulate(len(g.digits) for g in span))
        for k in range(len(span), 0, -1):
            if lengths[k - 1] not in _LENGTHS:
                continue
            judged = _classify("".join(g.digits for g in span[:k]), first.plus)
            if judged is not None:
                found = (k, judged)
                break
        if found is None and snippet and lengths[-1] >= _SNIPPET_DIGITS:
            yield Finding(PiiKind.number, first.start, span[-1].end, _last_four("".join(g.digits for g in span)))
            i += len(span)
            continue
        if found is None:
            i += 1
            continue
        k, (kind, mask) = found
        yield Finding(kind, first.start, span[k - 1].end, mask)
        i += k


# -- e-mail ---------------------------------------------------------------------------------------------------
def _local(c: str) -> bool:
    return c.isascii() and (c.isalnum() or c in "._%+-")


def _domain(c: str) -> bool:
    return c.isascii() and (c.isalnum() or c in ".-")


def mask_email(email: str) -> str:
    """``zhangsan@example.com`` → ``zh***@example.com``."""
    local, _, domain = email.rpartition("@")
    keep = local[:2] if len(local) > 3 else local[:1]
    return f"{keep}***@{domain}"


def _emails(text: str) -> Iterator[Finding]:
    at = text.find("@")
    floor = 0  # the local part of an address never reaches back into the previous one
    while at != -1:
        start = at
        while start > floor and _local(text[start - 1]):
            start -= 1
        end = at + 1
        while end < len(text) and _domain(text[end]):
            end += 1
        while end > at + 1 and text[end - 1] in ".-":
            end -= 1  # a sentence's full stop is not the domain's
        domain = text[at + 1 : end]
        dot = domain.rfind(".")
        tld = domain[dot + 1 :] if dot > 0 else ""
        if start < at and len(tld) >= 2 and tld.isalpha():
            yield Finding(PiiKind.email, start, end, mask_email(text[start:end]))
            floor = end
        else:
            floor = at + 1
        at = text.find("@", max(end, at + 1))


# -- names ------------------------------------------------------------------------------------------------------
#: Common surnames (the large majority of people); a name is only taken where one begins it.
SURNAMES = frozenset(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范"
    "金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪"
    "庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房"
    "滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师仇栾隋商刁"
    "沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝"
)
COMPOUND_SURNAMES = frozenset(
    "欧阳 司马 上官 诸葛 东方 皇甫 尉迟 公孙 慕容 长孙 宇文 司徒 夏侯 轩辕 令狐 钟离 端木 独孤 南宫 西门 "
    "百里 呼延 赫连 澹台 宗政 濮阳 太叔 申屠 闻人 万俟 司空 亓官 公冶 羊舌 单于 东郭".split()
)
_TITLES = ("先生", "女士", "小姐")
_CUES = ("我叫", "我的名字是", "名叫", "姓名", "联系人", "本人")
#: Characters that end a name after a cue (what follows a name in a complaint, not part of it).
_NOT_NAME = frozenset("，。！？、；：,.!?;:的是在了和与跟要想来去说投诉电话手机号码从住今昨明")


def _cjk(c: str) -> bool:
    return "\u4e00" <= c <= "\u9fff"


def _surname_of(name: str) -> str | None:
    if name[:2] in COMPOUND_SURNAMES and len(name) >= 3:
        return name[:2]
    return name[0] if name[0] in SURNAMES else None


def _titled(text: str) -> Iterator[Finding]:
    """``张三先生`` → ``张先生``: a surname and a one- or two-character given name before a title."""
    for title in _TITLES:
        at = text.find(title)
        while at != -1:
            for length in (4, 3, 2):  # the longest name that starts with a surname
                start = at - length
                if start < 0 or (text[start] not in SURNAMES and text[start : start + 2] not in COMPOUND_SURNAMES):
                    continue
                name = text[start:at]
                if length == 4 and name[:2] not in COMPOUND_SURNAMES:
                    continue  # four characters are a name only with a two-character surname
                if all(_cjk(c) for c in name):
                    family = _surname_of(name)
                    if family is not None and len(name) > len(family):
                        shown = "女士" if title == "小姐" else title
                        yield Finding(PiiKind.name, start, at + len(title), family + shown)
                        break
            at = text.find(title, at + len(title))


def _cued(text: str) -> Iterator[Finding]:
    """``我叫张三`` → ``我叫张**``: the name after a cue, up to three characters (four with 欧阳-style surnames)."""
    for cue in _CUES:
        at = text.find(cue)
        while at != -1:
            start = at + len(cue)
            while start < len(text) and text[start] in "：: ":
                start += 1
            end = start
            while end < len(text) and end - start < 4 and _cjk(text[end]) and text[end] not in _NOT_NAME:
                end += 1
            name = text[start:end]
            family = _surname_of(name) if len(name) >= 2 else None
            if family is not None:
                if len(name) == 4 and family == name[:1]:
                    end -= 1  # four characters with a one-character surname: the last is not the name's
                if text.startswith(_TITLES, end):
                    pass  # "我叫张三先生": the titled pattern masks it as 张先生
                else:
                    yield Finding(PiiKind.name, start, end, family + "**")
            at = text.find(cue, at + len(cue))


# -- the detector -----------------------------------------------------------------------------------------------
def find_pii(text: str, *, snippet: bool = False) -> list[Finding]:
    """Every piece of personal data in ``text`` (at most :data:`MAX_FIELD` characters are looked at), in order,
    without overlaps (the earlier, then the longer, wins). A ``snippet`` (a search fragment cut out of a longer
    text) also has every long number masked: a number cut at its edge cannot be judged."""
    text = text[:MAX_FIELD]
    found = sorted(
        [*_numbers(text, snippet), *_emails(text), *_titled(text), *_cued(text)],
        key=lambda f: (f.start, -(f.end - f.start)),
    )
    out: list[Finding] = []
    for finding in found:
        if out and finding.start < out[-1].end:
            continue
        out.append(finding)
    return out


def mask_pii(text: str | None) -> str | None:
    """``text`` with its personal data masked (and cut at :data:`MAX_FIELD` characters)."""
    if not text:
        return text
    cut = len(text) > MAX_FIELD
    head = text[:MAX_FIELD]
    parts: list[str] = []
    last = 0
    for finding in find_pii(head):
        parts.append(head[last : finding.start])
        parts.append(finding.mask)
        last = finding.end
    parts.append(head[last:])
    return "".join(parts) + (ELLIPSIS if cut else "")


def has_pii(text: str | None) -> bool:
    return bool(text) and bool(find_pii(text or ""))


def mask_deep(value: object) -> object:
    """``value`` (JSON-like: dicts, lists, strings) with personal data masked in every string it holds: for
    notification payloads and audit details, which people read outside the ticket view."""
    if isinstance(value, str):
        # A link to the post stays a link (its numbers are post and user ids, not phones).
        return value if value.startswith(("http://", "https://")) and "@" not in value else mask_pii(value)
    if isinstance(value, dict):
        return {k: mask_deep(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [mask_deep(v) for v in value]
    return value


class PiiLogFilter(logging.Filter):
    """Masks personal data in every log record it sees (a query string in an access log line, a title in a
    warning): put it on the handlers, and on loggers such as ``uvicorn.access`` that write their own."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_pii(message)
        if masked != message:
            record.msg, record.args = masked, ()
        return True
