"""Checkpoints of an SQLite store's write-ahead log: a bounded log, and withdrawn text erased.

SQLite appends every commit to the `-wal` file and copies it into the database file at a
checkpoint; the log starts over from its beginning only when a checkpoint has copied all of it
and no reader still uses it. The service's event-loop writer turns automatic checkpoints off (their
fsync would stall the loop), so it asks for one here every so many commits, run in a thread.
That checkpoint is RESTART, not PASSIVE: a passive one copies what it can while writers carry on
appending, and under steady load the log then never starts over and grows without bound (312 MB
after 12,000 turns). RESTART holds writers back for the moment it takes; the event-loop writer
never waits for it (it falls back to a thread).

After a withdrawal the log is TRUNCATEd: its old frames hold the withdrawn text, and together with
`secure_delete` (see engine.sqlite_pragmas) that leaves the text in no file of the store.
"""

from __future__ import annotations

import logging
import sqlite3
import threading

from sqlalchemy import Engine

log = logging.getLogger("wildchat.store")

# How long a periodic checkpoint waits for writers and readers. Writers wait for it as long, so
# it stays short; a checkpoint that gives up is retried at the next one.
CHECKPOINT_BUSY_TIMEOUT_S = 0.25
# How long the checkpoint after a withdrawal waits: withdrawals are rare, and the request waits.
ERASE_BUSY_TIMEOUT_S = 2.0


class WalCheckpointer:
    """Checkpoints of one SQLite file, each on a connection of its own (any thread)."""

    def __init__(self, database: str) -> None:
        self.database = database
        self._running = threading.Lock()
        # A withdrawal's checkpoint could not finish: the next ones TRUNCATE until one does.
        self._erase_pending = False

    @classmethod
    def for_engine(cls, engine: Engine) -> WalCheckpointer | None:
        url = engine.url
        if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
            return None
        assert url.database is not None
        return cls(url.database)

    def checkpoint(self, mode: str, busy_timeout_s: float) -> bool:
        """Run `PRAGMA wal_checkpoint(mode)`; True when it finished (the whole log copied and, for
        RESTART and TRUNCATE, the log starting over)."""
        conn = sqlite3.connect(self.database, timeout=busy_timeout_s, isolation_level=None)
        try:
            busy, _frames, _copied = conn.execute(f"PRAGMA wal_checkpoint({mode})").fetchone()
        finally:
            conn.close()
        return int(busy) == 0

    def checkpoint_in_background(self) -> bool:
        """Start a checkpoint in a thread, unless one is running; True when one was started."""
        if not self._running.acquire(blocking=False):
            return False
        threading.Thread(target=self._run_periodic, name="wildchat-checkpoint", daemon=True).start()
        return True

    def _run_periodic(self) -> None:
        try:
            erase = self._erase_pending
            if self.checkpoint("TRUNCATE" if erase else "RESTART", CHECKPOINT_BUSY_TIMEOUT_S):
                if erase:
                    self._erase_pending = False
                    log.info("withdrawn text erased from the write-ahead log")
            else:
                # A long read (a build on the live file) holds the log; the next one retries.
                log.debug("WAL checkpoint did not finish")
        except Exception:  # a later checkpoint (or the next start) catches up
            log.warning("WAL checkpoint failed", exc_info=True)
        finally:
            self._running.release()

    def erase(self) -> bool:
        """Empty the log after a delete, so deleted text is left in no file; True when done.

        When a read holds the log, the text stays there until a later checkpoint can finish:
        the periodic ones TRUNCATE until then.
        """
        try:
            done = self.checkpoint("TRUNCATE", ERASE_BUSY_TIMEOUT_S)
        except sqlite3.Error:
            log.warning("WAL checkpoint after a withdrawal failed", exc_info=True)
            done = False
        if not done:
            self._erase_pending = True
            log.warning("withdrawn text stays in the write-ahead log until a checkpoint can finish")
        return done
