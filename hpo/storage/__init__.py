"""Durable studies: trials stored as they finish, so that a search resumes where it stopped.

``SQLiteStorage`` (one SQLite file, the embedded default: ``storage="results.db"``
or ``"sqlite:///results.db"``) and ``InMemoryStorage`` keep studies by name.
:class:`Study` is one process's session on a study: it rebuilds the strategy by
replaying the study's log of asks and tells, and shares the study with other
processes. ``load_study`` reads a study back as a :class:`~hpo.Result`.
"""

from __future__ import annotations

from typing import Any

from .connection import StorageError
from .memory import InMemoryStorage
from .record import StudyRecord, TrialRow, data_fingerprint, environment_versions
from .sqlite import SQLiteStorage
from .study import Study, StudyMismatchError, open_storage

__all__ = [
    "SQLiteStorage", "InMemoryStorage", "Study", "StudyRecord", "TrialRow", "StorageError", "StudyMismatchError",
    "open_storage", "load_study", "data_fingerprint", "environment_versions",
]


def load_study(storage: Any, study: str):
    """The finished trials of a stored study as a :class:`~hpo.Result` (best trial, exports...).

    Parameters
    ----------
    storage : str or storage object
        A path, an ``sqlite:///`` URL, or a storage object.
    study : str
        The study's name.

    Notes
    -----
    A space whose ``to_params`` cannot be imported here is loaded without it
    (``best_params`` then equals ``best_config``).
    """
    from ..result import Result
    from ..spaces import Space

    store, owned = open_storage(storage)
    try:
        record = store.get_study(study)
        if record is None:
            raise KeyError(f"no study named {study!r} in {store.path}; studies: {store.study_names()}")
        try:
            space = Space.from_dict(record.space)
        except ValueError:
            space = Space.from_dict(record.space, to_params=lambda config: dict(config))
        result = Result(space, direction=record.direction, strategy=record.strategy)
        for trial in store.trials(study):
            result.add(trial)
        return result
    finally:
        if owned:
            store.close()
