"""Server-side staff sessions in Redis.

A new random id at every sign-in (no fixation); the cookie carries only that id, Redis keys hold
its SHA-256. Every staff member's sessions are indexed, so deactivation ends them everywhere.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import time
from dataclasses import asdict, dataclass
from uuid import UUID

from redis.asyncio import Redis

SESSION_TTL_SECONDS = 14 * 24 * 3600


@dataclass
class StaffSession:
    token: str
    staff_id: UUID
    hotel_id: UUID | None
    csrf: str
    created_at: float

    def dump(self) -> str:
        data = asdict(self)
        data.pop("token")
        data["staff_id"] = str(self.staff_id)
        data["hotel_id"] = str(self.hotel_id) if self.hotel_id else None
        return json.dumps(data)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class SessionStore:
    def __init__(self, redis: Redis, prefix: str = "", ttl: int = SESSION_TTL_SECONDS):
        self.redis = redis
        self.prefix = prefix
        self.ttl = ttl

    def _key(self, token: str) -> str:
        return f"{self.prefix}session:{_digest(token)}"

    def _index(self, staff_id: UUID) -> str:
        return f"{self.prefix}staff-sessions:{staff_id}"

    async def create(
        self, staff_id: UUID, hotel_id: UUID | None, *, replacing: str | None = None
    ) -> StaffSession:
        if replacing:
            await self.destroy(replacing)
        session = StaffSession(
            secrets.token_urlsafe(32), staff_id, hotel_id, secrets.token_urlsafe(24), time.time()
        )
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.set(self._key(session.token), session.dump(), ex=self.ttl)
            pipe.sadd(self._index(staff_id), _digest(session.token))
            pipe.expire(self._index(staff_id), self.ttl)
            await pipe.execute()
        return session

    async def load(self, token: str | None) -> StaffSession | None:
        if not token or len(token) > 100:
            return None
        raw = await self.redis.get(self._key(token))
        if raw is None:
            return None
        data = json.loads(raw)
        return StaffSession(
            token=token,
            staff_id=UUID(data["staff_id"]),
            hotel_id=UUID(data["hotel_id"]) if data.get("hotel_id") else None,
            csrf=data["csrf"],
            created_at=float(data["created_at"]),
        )

    async def alive(self, tokens: list[str]) -> set[str]:
        """Which of these sessions still exist (one round trip)."""
        if not tokens:
            return set()
        found = await self.redis.mget([self._key(token) for token in tokens])
        return {token for token, value in zip(tokens, found, strict=True) if value is not None}

    async def save(self, session: StaffSession) -> None:
        await self.redis.set(self._key(session.token), session.dump(), ex=self.ttl)

    async def destroy(self, token: str) -> None:
        raw = await self.redis.getdel(self._key(token))
        if raw is not None:
            index = self._index(UUID(json.loads(raw)["staff_id"]))
            await self.redis.srem(index, _digest(token))  # type: ignore[misc]

    async def destroy_all(self, staff_id: UUID) -> int:
        digests = await self.redis.smembers(self._index(staff_id))  # type: ignore[misc]
        keys = [f"{self.prefix}session:{d.decode() if isinstance(d, bytes) else d}" for d in digests]
        if keys:
            await self.redis.delete(*keys)
        await self.redis.delete(self._index(staff_id))
        return len(keys)


# Atomic on the server: count, and start the window with the first failure (works on Redis 6 and 7).
_COUNT_FAILURE = """
for _, key in ipairs(KEYS) do
  if redis.call('INCR', key) == 1 then redis.call('EXPIRE', key, ARGV[1]) end
end
return 1
"""


class LoginThrottle:
    """Failed sign-ins counted per account and per IP, atomically in Redis, across web processes."""

    def __init__(
        self,
        redis: Redis,
        prefix: str = "",
        *,
        per_account: int = 10,
        per_ip: int = 50,
        window_seconds: int = 900,
    ):
        self.redis = redis
        self.prefix = prefix
        self.per_account = per_account
        self.per_ip = per_ip
        self.window = window_seconds

    def _keys(self, email: str, ip: str) -> tuple[str, str]:
        account = hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]
        return f"{self.prefix}login-fail:account:{account}", f"{self.prefix}login-fail:ip:{ip}"

    async def blocked(self, email: str, ip: str) -> bool:
        account_key, ip_key = self._keys(email, ip)
        account, by_ip = await self.redis.mget(account_key, ip_key)
        return int(account or 0) >= self.per_account or int(by_ip or 0) >= self.per_ip

    async def failed(self, email: str, ip: str) -> None:
        await self.redis.eval(_COUNT_FAILURE, 2, *self._keys(email, ip), str(self.window))  # type: ignore[misc]

    async def succeeded(self, email: str, ip: str) -> None:
        await self.redis.delete(self._keys(email, ip)[0])
