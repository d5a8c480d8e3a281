"""A bounded cache: at most ``size`` entries, the least recently used goes first.

Caches in front of the database (who is this account, what is this member's voice) and
in adapters (a user's DM channel, their locale) must not grow without bound over months
of running, and must not forget everything at once when full either: clearing a full
cache makes the next burst of traffic (a survey announcement to 10,000 members) miss on
every entry at the same moment. Entries may also expire after ``ttl`` seconds.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class BoundedCache(Generic[K, V]):
    def __init__(
        self,
        size: int,
        *,
        ttl: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if size < 1:
            raise ValueError("a cache holds at least one entry")
        self._size = size
        self._ttl = ttl
        self._clock = clock
        self._entries: OrderedDict[K, tuple[float, V]] = OrderedDict()

    def get(self, key: K) -> V | None:
        """The value if present and fresh (and mark it recently used), else None."""
        hit = self._entries.get(key)
        if hit is None:
            return None
        expires, value = hit
        if self._ttl is not None and expires <= self._clock():
            del self._entries[key]
            return None
        self._entries.move_to_end(key)
        return value

    def put(self, key: K, value: V) -> None:
        expires = self._clock() + self._ttl if self._ttl is not None else 0.0
        self._entries[key] = (expires, value)
        self._entries.move_to_end(key)
        while len(self._entries) > self._size:
            self._entries.popitem(last=False)

    def pop(self, key: K) -> V | None:
        hit = self._entries.pop(key, None)
        return None if hit is None else hit[1]

    def discard_where(self, test: Callable[[K, V], bool]) -> int:
        """Drop every entry for which ``test(key, value)`` holds; how many went."""
        doomed = [key for key, (_expires, value) in self._entries.items() if test(key, value)]
        for key in doomed:
            del self._entries[key]
        return len(doomed)

    def clear(self) -> None:
        self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, key: object) -> bool:
        return key in self._entries

    def keys(self) -> Iterator[K]:
        return iter(list(self._entries))
