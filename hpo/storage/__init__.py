"""Durable studies: trials stored as they finish, so that a search resumes where it stopped.

``SQLiteStorage`` (one SQLite file, the embedded default: ``storage="results.db"``
or ``"sqlite:///results.db"``) and ``InMemoryStorage`` keep studies by name.
:class:`Study` is one process's session on a study: it rebuilds the strategy by
replaying the study's log of asks and tells, and shares the study with other
processes. ``load_study`` reads a study back as a :class:`~hpo.Result`.
"""

from __future__ import annotations

import warnings
from typing import Any, Callable

from ..result import Result
from ..spaces import Space
from .connection import StorageError
from .memory import InMemoryStorage
from .record import StudyRecord, TrialRow, data_fingerprint, environment_versions
from .sqlite import SQLiteStorage
from .study import Study, StudyMismatchError, open_storage

__all__ = [
    "SQLiteStorage", "InMemoryStorage", "Study", "StudyRecord", "TrialRow", "StorageError", "StudyMismatchError",
    "open_storage", "load_study", "data_fingerprint", "environment_versions",
]


def load_study(storage: Any, study: str, *, to_params: Callable[[dict], dict] | None = None) -> Result:
    """The finished trials of a stored study as a :class:`~hpo.Result` (best trial, exports...).

    Reading a study never writes to its file and never imports or calls
    anything the file names.

    Parameters
    ----------
    storage : str or storage object
        A path or an ``sqlite:///`` URL of an existing file (opened read-only),
        or a storage object.
    study : str
        The study's name.
    to_params : callable, optional
        The function that maps a configuration to estimator parameters, for a
        study whose space was made with one (the file holds only its name).
        A :class:`~hpo.Pack` is restored from the file by itself.

    Returns
    -------
    Result
        Without ``to_params`` for a space that names a function, the result
        holds the configurations as stored, ``best_params`` raises a
        ``ValueError`` asking for ``to_params=``, and a ``RuntimeWarning``
        says so.

    Raises
    ------
    FileNotFoundError
        No such file.
    KeyError
        No such study (the message lists the studies).
    StorageError
        The file is not an hpo study storage, or it is damaged.

    Examples
    --------
    >>> from hpo import optimize, load_study, Space, Int
    >>> _ = optimize(lambda c: (c["n"] - 1) ** 2, Space(n=Int(0, 3)), "grid", storage="study.db", study="demo")
    >>> result = load_study("study.db", "demo")
    >>> result
    Result(grid: 4 trials, 4 ok, 0 failed, best min value 0)
    >>> result.best_config
    {'n': 1}
    """
    store, owned = open_storage(storage, readonly=True)
    try:
        record = store.get_study(study)
        if record is None:
            raise KeyError(f"no study named {study!r} in {store.path}; studies: {store.study_names()}")
        space = Space.from_dict(record.space, to_params=to_params, strict=False)  # as it was accepted when stored
        stored = record.space.get("to_params")
        if to_params is None and isinstance(stored, dict) and "function" in stored:
            warnings.warn(
                f"study {study!r}: its space maps configurations with the function {stored['function']}, which "
                f"the file names but a study file never imports: best_params needs to_params= "
                f"(hpo.load_study(..., to_params=fn)); the configurations are as stored",
                RuntimeWarning, stacklevel=2,
            )
        result = Result(space, direction=record.direction, strategy=record.strategy)
        for trial in store.trials(study):
            result.add(trial)
        return result
    finally:
        if owned:
            store.close()
