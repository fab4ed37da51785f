"""A lease in Redis: a key only its owner may renew or release, which expires when the owner stops renewing.

A worker killed with SIGKILL cannot release anything; its leases simply run out after ``ttl`` and the work
they guarded can be taken again. While the work runs, a :class:`LeaseKeeper` thread renews the lease.
"""

from __future__ import annotations

import logging
import secrets
import threading
from types import TracebackType

from redis import Redis

log = logging.getLogger(__name__)

# Compare-and-act scripts: a lease that expired and was taken by someone else must not be touched.
_RENEW = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) end return 0"
_RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0"


class Lease:
    """One lease on ``key`` for ``ttl`` seconds, held by ``owner`` (a fresh random token by default)."""

    def __init__(self, redis: Redis, key: str, ttl: float, owner: str | None = None):
        self.redis = redis
        self.key = key
        self.ttl_ms = max(1, int(ttl * 1000))
        self.owner = owner or secrets.token_hex(8)

    def acquire(self) -> bool:
        """Take the lease if nobody holds it."""
        return bool(self.redis.set(self.key, self.owner, nx=True, px=self.ttl_ms))

    def renew(self) -> bool:
        """Extend the lease; ``False`` when it is no longer ours (it expired, and maybe someone took it)."""
        return bool(self.redis.eval(_RENEW, 1, self.key, self.owner, self.ttl_ms))

    def release(self) -> bool:
        """Give the lease back (only if it is still ours)."""
        return bool(self.redis.eval(_RELEASE, 1, self.key, self.owner))

    def holder(self) -> str | None:
        """Who holds the lease now, if anyone."""
        value = self.redis.get(self.key)
        return value.decode() if isinstance(value, bytes) else value


class LeaseKeeper:
    """Renews a lease every third of its TTL on a daemon thread while a block of work runs.

    ``lost`` is set if a renewal finds the lease gone (Redis lost it, or this process stalled past the TTL);
    the work should then stop, since another worker may have started the same thing.
    """

    def __init__(self, lease: Lease):
        self.lease = lease
        self.lost = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"lease:{lease.key}", daemon=True)

    def _run(self) -> None:
        every = self.lease.ttl_ms / 3000
        while not self._stop.wait(every):
            try:
                if not self.lease.renew():
                    log.error("lease %s lost: another worker may now hold it", self.lease.key)
                    self.lost.set()
                    return
            except Exception:  # a Redis blip: the next renewal (still within the TTL) tries again
                log.warning("could not renew lease %s", self.lease.key, exc_info=True)

    def __enter__(self) -> LeaseKeeper:
        self._thread.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
