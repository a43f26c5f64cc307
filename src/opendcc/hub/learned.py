"""What the inventory learns from a Device's Response, recorded inside the Response's job.

A learned fact (a HAN association a join reported, ``hub.joins``; a firmware version an
activation or read reported, ``hub.firmware_learning``) is an inventory ``WriteStep`` run in
the same write job as the Response's record, in a savepoint of its own: a refusal (the
inventory's rules say no) or a fault in it leaves the rest of the job, the Response's
record, as it was. A storage error is re-raised: the whole job fails as any write does. The
read caches are updated only once the job has committed.
"""

from __future__ import annotations

import logging
import sqlite3
from typing import Any

from opendcc.estate.records import EstateRefusal
from opendcc.store.inventory import WriteStep

log = logging.getLogger("opendcc.hub.learned")


class LearnedStep:
    """Runs ``step`` in savepoint ``savepoint``; ``what`` names the fact in the logs."""

    def __init__(self, step: WriteStep[Any], savepoint: str, what: str) -> None:
        self._step = step
        self._savepoint = savepoint
        self._what = what
        self._done = False

    def run(self, conn: sqlite3.Connection) -> None:
        self._done = False
        name = self._savepoint
        conn.execute(f"SAVEPOINT {name}")
        try:
            result = self._step.run(conn)
        except sqlite3.Error:
            conn.execute(f"ROLLBACK TO {name}")
            conn.execute(f"RELEASE {name}")
            raise
        except Exception:
            log.exception("recording %s failed", self._what)
            conn.execute(f"ROLLBACK TO {name}")
            conn.execute(f"RELEASE {name}")
            return
        conn.execute(f"RELEASE {name}")
        if isinstance(result, EstateRefusal):
            log.info(
                "the Device reported %s; the inventory is unchanged: %s",
                self._what,
                result.message,
            )
            return
        self._done = True

    def committed(self) -> None:
        """Once the job's transaction has committed: update the read caches."""
        if self._done:
            self._step.committed()
