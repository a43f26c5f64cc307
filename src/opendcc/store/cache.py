"""A bounded read-through cache that a write can never leave stale.

The estate's repositories answer the hub's per-request look-ups from memory. A hit is one
dictionary look-up with no lock. A miss reads the database and fills the cache under a
lock, but only if no write has invalidated anything since the miss began (the
``generation`` it read before querying): otherwise a read that raced a commit could store
the pre-commit row after the write had dropped it, and serve it for ever. Writes update or
drop entries after their transaction commits, under the same lock, bumping the generation.

Entries leave in insertion order once ``capacity`` is reached, so memory stays bounded on
an estate of millions of devices; unknown keys are cached separately (``misses``) so a
flood of unknown IDs cannot push the known ones out.
"""

from __future__ import annotations

import enum
import threading
from collections import OrderedDict
from typing import Final, Generic, Literal, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class _Sentinel(enum.Enum):
    MISSING = 0


MISSING: Final = _Sentinel.MISSING
"""What ``lookup`` returns for a key the cache knows nothing about."""


class ReadCache(Generic[K, V]):
    """Values by key, with a separate bounded record of keys known to be absent."""

    def __init__(self, capacity: int, *, miss_capacity: int = 65_536) -> None:
        if capacity < 1 or miss_capacity < 0:
            raise ValueError("cache capacity must be positive")
        self._values: OrderedDict[K, V] = OrderedDict()
        self._misses: OrderedDict[K, None] = OrderedDict()
        self._capacity = capacity
        self._miss_capacity = miss_capacity
        self._lock = threading.Lock()
        self.generation = 0
        self.loads = 0

    def lookup(self, key: K) -> V | Literal[_Sentinel.MISSING] | None:
        """The cached value, None for a known-absent key, or ``MISSING``."""
        value: V | Literal[_Sentinel.MISSING] = self._values.get(key, MISSING)
        if value is MISSING and key in self._misses:
            return None
        return value

    def fill(self, key: K, value: V | None, generation: int) -> None:
        """Store what a read found, unless a write happened since ``generation``."""
        with self._lock:
            self.loads += 1
            if generation != self.generation:
                return
            if value is None:
                if self._miss_capacity:
                    self._misses[key] = None
                    if len(self._misses) > self._miss_capacity:
                        self._misses.popitem(last=False)
                return
            self._values[key] = value
            if len(self._values) > self._capacity:
                self._values.popitem(last=False)

    def put(self, key: K, value: V) -> None:
        """After a committed write: the key's new value."""
        with self._lock:
            self.generation += 1
            self._misses.pop(key, None)
            self._values[key] = value
            self._values.move_to_end(key)
            if len(self._values) > self._capacity:
                self._values.popitem(last=False)

    def drop(self, *keys: K) -> None:
        """After a committed write: forget these keys (the next read reloads them)."""
        with self._lock:
            self.generation += 1
            for key in keys:
                self._values.pop(key, None)
                self._misses.pop(key, None)

    def clear(self) -> None:
        with self._lock:
            self.generation += 1
            self._values.clear()
            self._misses.clear()

    def __len__(self) -> int:
        return len(self._values)
