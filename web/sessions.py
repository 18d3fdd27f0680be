"""Server-side staff sessions in Redis.

A new random id at every sign-in (no fixation); the cookie carries only that id, Redis keys hold
its SHA-256. Every staff member's sessions are indexed, so a deactivation ends them: those acting
for one hotel, or all of them when the operator disables the account.

A session ends at the first of: sign-out, its absolute lifetime (14 days from sign-in), or an idle
timeout (no request for ``idle`` seconds). The Redis key expires with the idle timeout, so a
session left alone disappears by itself, and the live hub, which checks only that a socket's
session still exists, sees it go.
"""

from __future__ import annotations

import json
import secrets
import time
from dataclasses import asdict, dataclass
from uuid import UUID

from redis.asyncio import Redis

from domain.staff.rules import token_digest

SESSION_TTL_SECONDS = 14 * 24 * 3600
SESSION_IDLE_SECONDS = 12 * 3600
# How often a session in use is written back with its new last-seen time: a Redis write per
# request buys nothing over one a minute against a timeout of hours.
TOUCH_EVERY_SECONDS = 60


@dataclass
class StaffSession:
    token: str
    staff_id: UUID
    hotel_id: UUID | None
    csrf: str
    created_at: float
    seen_at: float = 0.0

    def dump(self) -> str:
        data = asdict(self)
        data.pop("token")
        return json.dumps(data, default=str)  # the ids as text


class SessionStore:
    def __init__(
        self,
        redis: Redis,
        prefix: str = "",
        ttl: int = SESSION_TTL_SECONDS,
        idle: int = SESSION_IDLE_SECONDS,
    ):
        self.redis = redis
        self.prefix = prefix
        self.ttl = ttl
        self.idle = idle
        self.touch_every = max(1, min(TOUCH_EVERY_SECONDS, idle // 10))

    def _key(self, token: str) -> str:
        return self._key_of(token_digest(token))

    def _key_of(self, digest: str) -> str:
        return f"{self.prefix}session:{digest}"

    def _index(self, staff_id: UUID) -> str:
        return f"{self.prefix}staff-sessions:{staff_id}"

    def _expiry(self, session: StaffSession, now: float) -> int:
        """Seconds the key may live: until the idle timeout, never past the absolute lifetime."""
        return max(1, int(min(session.seen_at + self.idle, session.created_at + self.ttl) - now))

    def _ended(self, session: StaffSession, now: float) -> bool:
        return now - session.created_at > self.ttl or now - session.seen_at > self.idle

    async def create(
        self, staff_id: UUID, hotel_id: UUID | None, *, replacing: str | None = None
    ) -> StaffSession:
        if replacing:
            await self.destroy(replacing)
        now = time.time()
        session = StaffSession(
            secrets.token_urlsafe(32), staff_id, hotel_id, secrets.token_urlsafe(24), now, now
        )
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.set(self._key(session.token), session.dump(), ex=self._expiry(session, now))
            pipe.sadd(self._index(staff_id), token_digest(session.token))
            pipe.expire(self._index(staff_id), self.ttl)
            await pipe.execute()
        return session

    async def load(self, token: str | None) -> StaffSession | None:
        """The session, if it has not ended; a request with it counts as activity."""
        if not token or len(token) > 100:
            return None
        raw = await self.redis.get(self._key(token))
        if raw is None:
            return None
        data = json.loads(raw)
        session = StaffSession(
            token=token,
            staff_id=UUID(data["staff_id"]),
            hotel_id=UUID(data["hotel_id"]) if data.get("hotel_id") else None,
            csrf=data["csrf"],
            created_at=float(data["created_at"]),
            # Sessions from before the idle timeout existed count from their sign-in.
            seen_at=float(data.get("seen_at") or data["created_at"]),
        )
        now = time.time()
        if self._ended(session, now):
            await self.destroy(token)
            return None
        if now - session.seen_at >= self.touch_every:
            session.seen_at = now
            await self.save(session)
        return session

    async def alive(self, tokens: list[str]) -> set[str]:
        """Which of these sessions still exist (one round trip)."""
        if not tokens:
            return set()
        found = await self.redis.mget([self._key(token) for token in tokens])
        return {token for token, value in zip(tokens, found, strict=True) if value is not None}

    async def save(self, session: StaffSession) -> None:
        # The expiry is computed again, never reset to the full lifetime: saving (switching hotels,
        # say) does not make a session live longer than 14 days from its sign-in.
        now = time.time()
        await self.redis.set(self._key(session.token), session.dump(), ex=self._expiry(session, now))

    async def destroy(self, token: str) -> None:
        raw = await self.redis.getdel(self._key(token))
        if raw is not None:
            index = self._index(UUID(json.loads(raw)["staff_id"]))
            await self.redis.srem(index, token_digest(token))  # type: ignore[misc]

    async def _digests(self, staff_id: UUID) -> list[str]:
        """The digests of this staff member's sessions (the index may hold some that expired)."""
        members = await self.redis.smembers(self._index(staff_id))  # type: ignore[misc]
        return [d.decode() if isinstance(d, bytes) else str(d) for d in members]

    async def destroy_all(self, staff_id: UUID) -> int:
        keys = [self._key_of(digest) for digest in await self._digests(staff_id)]
        if keys:
            await self.redis.delete(*keys)
        await self.redis.delete(self._index(staff_id))
        return len(keys)

    async def destroy_at_hotel(self, staff_id: UUID, hotel_id: UUID) -> int:
        """End this staff member's sessions that act for one hotel; those at their other hotels stay."""
        digests = await self._digests(staff_id)
        if not digests:
            return 0
        keys = [self._key_of(digest) for digest in digests]
        ended = [
            (key, digest)
            for key, digest, raw in zip(keys, digests, await self.redis.mget(keys), strict=True)
            if raw is not None and json.loads(raw).get("hotel_id") == str(hotel_id)
        ]
        if ended:
            await self.redis.delete(*[key for key, _ in ended])
            await self.redis.srem(self._index(staff_id), *[digest for _, digest in ended])  # type: ignore[misc]
        return len(ended)


async def close_live_sockets(
    redis: Redis,
    prefix: str,
    *,
    session_token: str | None = None,
    staff_id: UUID | None = None,
    hotel_id: UUID | None = None,
) -> None:
    """Tell every web process to close the live sockets of a session, or of a person (at one hotel,
    or at all of them); ``web.live`` listens on this channel."""
    message = {
        "session": session_token,
        "staff_id": str(staff_id) if staff_id else None,
        "hotel_id": str(hotel_id) if hotel_id else None,
    }
    await redis.publish(f"{prefix}live-control", json.dumps(message))
