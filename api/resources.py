"""Everything the API (and the worker) holds open: settings, config and the stores."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from alerts.state import AlertStateStore
from config.loader import load_config
from config.models import AppConfig
from config.settings import Settings
from foundation.db import Database
from foundation.health import SourceRunStore
from foundation.retry import RetryPolicy
from index.base import MentionStore
from index.factory import open_mention_store
from tickets.policy import TicketPolicy
from tickets.sending import ReplySender
from tickets.store import TicketStore
from tickets.users import UserStore

#: How long the API and the worker wait for their stores when they start.
STARTUP = RetryPolicy(budget=120.0, attempts=40, base=1.0, cap=10.0)


@dataclass
class Resources:
    """Open stores plus the config they serve. Create with :meth:`open`; close with :meth:`close`."""

    settings: Settings
    config: AppConfig
    mentions: MentionStore
    db: Database
    tickets: TicketStore
    sources: SourceRunStore
    alerts: AlertStateStore
    users: UserStore
    #: Keys accepted besides the configured ones: the in-process alert engine gets one per process.
    internal_keys: set[str] = field(default_factory=set)
    #: Sends replies to customers (tests replace it with one over a mock transport).
    reply_sender: ReplySender | None = None

    def sender(self) -> ReplySender:
        """The reply sender of the config's ``tickets.replies`` (made on first use)."""
        if self.reply_sender is None:
            self.reply_sender = ReplySender(self.config.tickets.replies)
        return self.reply_sender

    @classmethod
    def open(cls, settings: Settings, config: AppConfig | None = None, *, migrate: bool = True) -> Resources:
        """Open (and by default create or migrate) every store the settings name."""
        config = config or load_config(settings.config_path())
        mentions = open_mention_store(settings.resolved_mention_store_url(), settings)
        db = Database(settings.resolved_database_url())
        if migrate:
            # A store that is down while the service starts (a restart of everything, a cluster still
            # booting) is waited for, within the start-up budget, instead of failing the start.
            STARTUP.call(mentions.ensure_schema)
            STARTUP.call(db.migrate)
        return cls.from_stores(settings, config, mentions, db)

    @classmethod
    def from_stores(cls, settings: Settings, config: AppConfig, mentions: MentionStore, db: Database) -> Resources:
        """Resources over stores that are already open (and migrated)."""
        tickets = TicketStore(db, TicketPolicy.from_config(config.tickets, config.timezone))
        return cls(settings, config, mentions, db, tickets, SourceRunStore(db), AlertStateStore(db), UserStore(db))

    def issue_internal_key(self) -> str:
        """A fresh key valid only for this process's in-process API client."""
        key = secrets.token_urlsafe(32)
        self.internal_keys.add(key)
        return key

    def close(self) -> None:
        self.mentions.close()
        self.db.close()
