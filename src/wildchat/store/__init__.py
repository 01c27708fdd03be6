"""The store: the turn log and consent records, on SQLite (default) or PostgreSQL."""

from wildchat.store.engine import StoreUnavailable, check_connection, make_engine, migrate
from wildchat.store.repository import Participant, Store

__all__ = ["Participant", "Store", "StoreUnavailable", "check_connection", "make_engine", "migrate"]
