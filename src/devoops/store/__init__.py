"""The store: saved assessments and their history, in SQLite or PostgreSQL."""

from .engine import StoreError, exists, locate
from .repository import Store, Stored
from .rows import entry_of

__all__ = ["Store", "StoreError", "Stored", "entry_of", "exists", "locate"]
