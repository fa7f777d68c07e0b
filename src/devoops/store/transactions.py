"""A room of the store over one opened `Store` (its schema already at head): each read and each
write one transaction, and a database fault one line naming the store, as the store words it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa

from .engine import writer
from .repository import Store


class Transactions:
    def __init__(self, store: Store) -> None:
        self.store = store
        self.engine = store.engine

    @contextmanager
    def _read(self) -> Iterator[sa.Connection]:
        with self.store._guard(), self.engine.begin() as conn:
            yield conn

    @contextmanager
    def _write(self) -> Iterator[sa.Connection]:
        with self.store._guard(), writer(self.engine).begin() as conn:
            yield conn
