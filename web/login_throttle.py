"""Failed sign-ins counted atomically in Redis, across web processes, so that guessing is slow and
nobody can lock a staff member out by failing on purpose (OWASP Authentication Cheat Sheet).

- A recognised browser (a device cookie for the account, ``web.trusted_devices``) has a budget of
  its own: failures elsewhere never stop it, its own failures stop only it.
- An unknown client is limited per account and client (one attacker stops only themselves), per
  client across accounts (password spraying), and, for each account, all unknown clients together
  (an attack from many addresses locks out unknown clients of that account only, for an hour; at
  most 100 guesses an hour, ASVS V2.2.1).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from redis.asyncio import Redis

from web.trusted_devices import account_key

# Atomic on the server: count, and start each key's window with its first failure (Redis 6 and 7).
_COUNT_FAILURE = """
for i, key in ipairs(KEYS) do
  if redis.call('INCR', key) == 1 then redis.call('EXPIRE', key, ARGV[i]) end
end
return 1
"""


class Refusal(enum.StrEnum):
    """Why a sign-in is not even tried; the value is what the person is told."""

    TOO_MANY = "Too many failed attempts. Wait 15 minutes and try again."
    UNKNOWN_DEVICES = (
        "Too many failed sign-ins to this account from devices it was not used on before. "
        "Sign in from a device you have signed in on before, or try again in an hour."
    )


@dataclass(frozen=True, slots=True)
class Limit:
    failures: int
    window_seconds: int


PER_DEVICE = Limit(10, 900)
PER_ACCOUNT_AND_CLIENT = Limit(10, 900)
PER_CLIENT = Limit(50, 900)
PER_ACCOUNT_UNKNOWN_DEVICES = Limit(100, 3600)


class LoginThrottle:
    def __init__(self, redis: Redis, prefix: str = ""):
        self.redis = redis
        self.prefix = prefix

    def _counters(self, email: str, client: str, device: str | None) -> list[tuple[str, Limit, Refusal]]:
        """The counters one attempt is held to (and adds to when it fails)."""
        base = f"{self.prefix}login-fail"
        if device is not None:
            return [(f"{base}:device:{device}", PER_DEVICE, Refusal.TOO_MANY)]
        account = account_key(email)
        return [
            (f"{base}:account-client:{account}:{client}", PER_ACCOUNT_AND_CLIENT, Refusal.TOO_MANY),
            (f"{base}:ip:{client}", PER_CLIENT, Refusal.TOO_MANY),
            (f"{base}:unknown-devices:{account}", PER_ACCOUNT_UNKNOWN_DEVICES, Refusal.UNKNOWN_DEVICES),
        ]

    async def refusal(self, email: str, client: str, device: str | None = None) -> Refusal | None:
        """Why this attempt may not be tried now; None when it may."""
        counters = self._counters(email, client, device)
        counts = await self.redis.mget([key for key, _, _ in counters])
        for (_, limit, refusal), count in zip(counters, counts, strict=True):
            if int(count or 0) >= limit.failures:
                return refusal
        return None

    async def failed(self, email: str, client: str, device: str | None = None) -> None:
        counters = self._counters(email, client, device)
        await self.redis.eval(  # type: ignore[misc]
            _COUNT_FAILURE,
            len(counters),
            *[key for key, _, _ in counters],
            *[str(limit.window_seconds) for _, limit, _ in counters],
        )

    async def succeeded(self, email: str, client: str, device: str | None = None) -> None:
        """The person's own counter starts again; what unknown clients did to the account stays."""
        own_key = self._counters(email, client, device)[0][0]
        await self.redis.delete(own_key)
