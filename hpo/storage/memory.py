"""``InMemoryStorage``: the SQLite storage on an in-memory database (one process, gone when it ends)."""

from __future__ import annotations

from .sqlite import SQLiteStorage

__all__ = ["InMemoryStorage"]


class InMemoryStorage(SQLiteStorage):
    """Studies kept in memory for the life of this object.

    The same code as :class:`SQLiteStorage` on SQLite's ``:memory:``
    database, so it behaves the same (resume, several searches of one study in
    this process, ``hpo.storage.load_study``); nothing survives the process.
    Copies share the one database.

    Examples
    --------
    >>> import hpo
    >>> from hpo.storage import InMemoryStorage
    >>> storage = InMemoryStorage()
    >>> space = hpo.Space(x=hpo.Float(0, 1))
    >>> first = hpo.optimize(lambda c: c["x"], space, "random", n_trials=3, seed=0, storage=storage, study="demo")
    >>> resumed = hpo.optimize(lambda c: c["x"], space, "random", n_trials=5, seed=0, storage=storage, study="demo")
    >>> [t.number for t in resumed.trials], len(hpo.load_study(storage, "demo").trials)
    ([0, 1, 2, 3, 4], 5)
    """

    def __init__(self) -> None:
        super().__init__(":memory:")

    def close(self) -> None:
        """Nothing to do: closing would lose the studies (they go with the object)."""

    def __getstate__(self) -> dict:
        raise TypeError("an InMemoryStorage cannot be pickled or sent to another process; use SQLiteStorage(path)")

    def __deepcopy__(self, memo: dict) -> "InMemoryStorage":
        return self

    def __repr__(self) -> str:
        return "InMemoryStorage()"
