"""What a notification says, in Chinese or English: an alert that fired or resolved, an escalation, a
revisit, a scheduled report. Channels render it in their own format (markdown, cards, e-mail); the content is
the same. Every word the server adds (titles, labels, the summary an alert rule wrote in English, the names of
its figures) comes from the one catalogue (:mod:`foundation.i18n`); what people wrote (posts) stays as it is."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from foundation.i18n import N_, Language, gettext, localize

_TITLES: dict[str, str] = {
    "alert_fired": N_("[Yuqing alert] "),
    "alert_reminder": N_("[Still firing] "),
    "alert_resolved": N_("[Resolved] "),
    "escalation": N_("[Escalation] "),
    "sla_warning": N_("[SLA warning] "),
    "revisit_due": N_("[Revisit due] "),
    "report": N_("[Report] "),
}
_NOTICE = N_("[Notice] ")
_LABELS: dict[str, str] = {
    "rule": N_("Rule"),
    "key": N_("Subject"),
    "window": N_("Window"),
    "numbers": N_("Numbers"),
    "posts": N_("Posts"),
    "words": N_("Top words"),
    "ticket": N_("Ticket"),
    "link": N_("Open"),
    "files": N_("Files"),
}
#: Names of the figures alert rules report (``Observation.numbers``), as people read them.
NUMBER_NAMES: dict[str, str] = {
    "count": N_("mentions"),
    "negative": N_("negative"),
    "scored": N_("scored"),
    "unscored": N_("unscored"),
    "share": N_("share"),
    "threshold": N_("threshold"),
    "min_count": N_("minimum"),
    "window": N_("window"),
    "baseline": N_("baseline"),
    "baseline_median": N_("baseline median"),
    "expected": N_("expected"),
    "ratio": N_("ratio"),
    "p_value": N_("p-value"),
    "limit_minutes": N_("limit (min)"),
    "silent_for_minutes": N_("silent for (min)"),
    "depth": N_("waiting jobs"),
    "workers_alive": N_("workers alive"),
    "oldest_job_age_minutes": N_("oldest job waited (min)"),
    "score": N_("score"),
    "rating": N_("rating"),
    "platform": N_("platform"),
}


@dataclass
class Post:
    platform: str
    title: str | None
    excerpt: str
    url: str | None


@dataclass
class Attachment:
    """A file sent with the message by channels that carry files (e-mail); never stored in the outbox."""

    filename: str
    content_type: str
    data: bytes


@dataclass
class Message:
    """A notification, channel-independent. ``payload()`` is what the generic webhook sends as JSON."""

    kind: str  # alert_fired | alert_reminder | alert_resolved | escalation | sla_warning | revisit_due | report
    summary: str
    rule: str | None = None
    key: str | None = None
    window: tuple[str, str] | None = None
    numbers: dict[str, Any] = field(default_factory=dict)
    posts: list[Post] = field(default_factory=list)
    top_words: list[tuple[str, int]] = field(default_factory=list)
    ticket: str | None = None
    at: str = ""
    #: Where to read more (the dashboard's reports page for a report), when the public URL is configured.
    link: str | None = None
    #: A stored report (tickets.report_archive) whose files e-mail channels attach.
    report_id: int | None = None
    #: Filled in at delivery (alerts.dispatch) for channels that carry files; not part of the payload.
    attachments: list[Attachment] = field(default_factory=list)

    def payload(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("attachments")
        return data

    @classmethod
    def from_payload(cls, data: dict[str, Any]) -> Message:
        posts = [Post(**p) for p in data.get("posts", [])]
        window = tuple(data["window"]) if data.get("window") else None
        words = [(w, n) for w, n in data.get("top_words", [])]
        fields = {k: v for k, v in data.items() if k not in {"posts", "window", "top_words", "attachments"}}
        return cls(**fields, posts=posts, window=window, top_words=words)

    def title(self, language: Language) -> str:
        prefix = gettext(_TITLES.get(self.kind, _NOTICE), language)
        subject = self.key or ""
        return f"{prefix}{self.rule + ' · ' if self.rule else ''}{subject}".strip()

    def lines(self, language: Language, *, markdown: bool = False, max_posts: int = 5) -> list[str]:
        """The body as lines; ``markdown`` adds bold labels and links."""

        def label(name: str) -> str:
            text = gettext(_LABELS[name], language)
            return f"**{text}**" if markdown else text

        # Rules write their summaries in English; the catalogue's patterns give them in the reader's language.
        out = [localize(line, language) for line in self.summary.split("\n")]
        if self.window:
            out.append(f"{label('window')}: {self.window[0]} – {self.window[1]}")
        shown = {k: v for k, v in self.numbers.items() if not isinstance(v, list | dict)}
        if shown:
            named = (f"{gettext(NUMBER_NAMES[k], language) if k in NUMBER_NAMES else k}={v}" for k, v in shown.items())
            out.append(f"{label('numbers')}: " + ", ".join(named))
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
        if self.link:
            out.append(f"{label('link')}: [{self.link}]({self.link})" if markdown else f"{label('link')}: {self.link}")
        if self.attachments:
            out.append(f"{label('files')}: " + ", ".join(a.filename for a in self.attachments))
        return out

    def text(self, language: Language, *, markdown: bool = False) -> str:
        title = self.title(language)
        return ("### " + title if markdown else title) + "\n" + "\n".join(self.lines(language, markdown=markdown))
