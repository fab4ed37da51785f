"""What a notification says, in Chinese or English: an alert that fired or resolved, an escalation, a
revisit. Channels render it in their own format (markdown, cards, e-mail); the content is the same."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Language = Literal["zh", "en"]

_TITLES: dict[str, dict[Language, str]] = {
    "alert_fired": {"zh": "【舆情告警】", "en": "[Yuqing alert] "},
    "alert_reminder": {"zh": "【告警持续】", "en": "[Still firing] "},
    "alert_resolved": {"zh": "【告警解除】", "en": "[Resolved] "},
    "escalation": {"zh": "【工单升级】", "en": "[Escalation] "},
    "sla_warning": {"zh": "【即将超时】", "en": "[SLA warning] "},
    "revisit_due": {"zh": "【待回访】", "en": "[Revisit due] "},
}
_LABELS: dict[str, dict[Language, str]] = {
    "rule": {"zh": "规则", "en": "Rule"},
    "key": {"zh": "对象", "en": "Subject"},
    "window": {"zh": "时间窗口", "en": "Window"},
    "numbers": {"zh": "数据", "en": "Numbers"},
    "posts": {"zh": "相关内容", "en": "Posts"},
    "words": {"zh": "热词", "en": "Top words"},
    "ticket": {"zh": "工单", "en": "Ticket"},
}


@dataclass
class Post:
    platform: str
    title: str | None
    excerpt: str
    url: str | None


@dataclass
class Message:
    """A notification, channel-independent. ``payload()`` is what the generic webhook sends as JSON."""

    kind: str  # alert_fired | alert_reminder | alert_resolved | escalation | sla_warning | revisit_due
    summary: str
    rule: str | None = None
    key: str | None = None
    window: tuple[str, str] | None = None
    numbers: dict[str, Any] = field(default_factory=dict)
    posts: list[Post] = field(default_factory=list)
    top_words: list[tuple[str, int]] = field(default_factory=list)
    ticket: str | None = None
    at: str = ""

    def payload(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_payload(cls, data: dict[str, Any]) -> Message:
        posts = [Post(**p) for p in data.get("posts", [])]
        window = tuple(data["window"]) if data.get("window") else None
        words = [(w, n) for w, n in data.get("top_words", [])]
        fields = {k: v for k, v in data.items() if k not in {"posts", "window", "top_words"}}
        return cls(**fields, posts=posts, window=window, top_words=words)

    def title(self, language: Language) -> str:
        prefix = _TITLES.get(self.kind, {"zh": "【通知】", "en": "[Notice] "})[language]
        subject = self.key or ""
        return f"{prefix}{self.rule + ' · ' if self.rule else ''}{subject}".strip()

    def lines(self, language: Language, *, markdown: bool = False, max_posts: int = 5) -> list[str]:
        """The body as lines; ``markdown`` adds bold labels and links."""

        def label(name: str) -> str:
            text = _LABELS[name][language]
            return f"**{text}**" if markdown else text

        out = [self.summary]
        if self.window:
            out.append(f"{label('window')}: {self.window[0]} – {self.window[1]}")
        shown = {k: v for k, v in self.numbers.items() if not isinstance(v, list | dict)}
        if shown:
            out.append(f"{label('numbers')}: " + ", ".join(f"{k}={v}" for k, v in shown.items()))
        if self.top_words:
            out.append(f"{label('words')}: " + ", ".join(f"{w}({n})" for w, n in self.top_words[:10]))
        if self.posts:
            out.append(f"{label('posts')}:")
            for post in self.posts[:max_posts]:
                text = (post.title + " · " if post.title else "") + post.excerpt[:80]
                if markdown and post.url:
                    out.append(f"- [{post.platform}] [{text}]({post.url})")
                else:
                    out.append(f"- [{post.platform}] {text}" + (f" {post.url}" if post.url else ""))
        if self.ticket:
            out.append(f"{label('ticket')}: {self.ticket}")
        return out

    def text(self, language: Language, *, markdown: bool = False) -> str:
        title = self.title(language)
        return ("### " + title if markdown else title) + "\n" + "\n".join(self.lines(language, markdown=markdown))
