"""The store: the turn log and consent records, on SQLite (default) or PostgreSQL."""

from wildchat.store.engine import make_engine, migrate
from wildchat.store.repository import Participant, Store

__all__ = ["Participant", "Store", "make_engine", "migrate"]
