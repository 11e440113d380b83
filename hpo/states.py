"""Saved states of paused runs (``trial.save``), kept by the search process until their promotion.

A run of ``objective(config, trial)`` that pauses at a rung below the full
budget may save a state (its model); the state comes back pickled with the
evaluation's outcome and waits here, by configuration, until the strategy
promotes that configuration: then it is sent with the promoted candidate to
whichever process runs it (``trial.load()``). The search process never
unpickles a state: it stores and forwards bytes.

- Without storage the states are kept in memory (:class:`MemoryStates`);
  with a stored study, as files in a folder beside the database, one folder
  per study (:class:`FolderStates`: ``results.db-states/<study>/``), so that a
  study resumed after a crash continues from them.
- A state goes when its promoted run finishes (replaced by the state that
  run saves, if it pauses again), when the strategy releases its
  configuration (it will not be promoted: ``Strategy.take_released``), and
  when the search ends (in memory) or the study is complete (files).
- At most ``max_states`` are kept: beyond, the state whose run ranks worst
  among the trials at its own budget is dropped first. A promoted run whose
  state was dropped starts from scratch (``trial.done == 0``).

Reading a study (``hpo.load_study``, ``hpo show``, ``hpo export``...) never
opens these files: a state is a pickle, loaded only by a search that runs the
user's own objective.
"""

from __future__ import annotations

import bisect
import hashlib
import json
import math
import os
import re
import shutil
import uuid
from typing import Any, Callable, Iterable, Sized

from ._constraints import Interval, check_options
from .spaces.dimensions import encode_value
from .trial import OK, Trial, budget_rank

__all__ = ["MemoryStates", "FolderStates", "state_key", "states_folder", "check_max_states"]

#: What ``max_states`` accepts.
_constraints = {"max_states": [Interval(int, 0)]}
_SUFFIX = ".state"


def state_key(config: dict) -> str:
    """The file-name-safe key of a configuration's state."""
    text = json.dumps({k: encode_value(v) for k, v in config.items()}, sort_keys=True, default=repr)
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def check_max_states(max_states: Any) -> int:
    """``max_states`` as an int, or a ValueError naming it."""
    check_options(_constraints, max_states=max_states)
    return int(max_states)


def states_folder(db_path: str, study: str) -> str:
    """Where a stored study's states go: ``<db>-states/<study name, made file-safe>-<hash>`` (``db_path``: the
    storage's absolute ``file``, so that an objective that changes the working directory still finds them)."""
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", study)[:60]
    digest = hashlib.sha1(study.encode("utf-8")).hexdigest()[:8]
    return os.path.join(os.fspath(db_path) + "-states", f"{safe}-{digest}")


def _losses_by_budget(trials: Iterable[Trial]) -> dict[float, list]:
    """The sorted losses of the ok trials, per budget."""
    losses: dict[float, list] = {}
    for t in trials:
        if t.status == OK and t.loss is not None:
            losses.setdefault(budget_rank(t.budget), []).append(t.loss)
    for v in losses.values():
        v.sort()
    return losses


def _worst(metas: dict[str, dict], losses: dict[float, list]) -> list[str]:
    """The keys of ``metas`` from the worst-ranked state to the best: a state's run ranks by the share of the ok
    trials at its budget that did better (``losses``: their sorted losses per budget; ties: the larger loss,
    then the newer run, as the strategies promote the earliest of equal losses)."""

    def badness(key: str) -> tuple:
        m = metas[key]
        loss = math.inf if m.get("loss") is None else float(m["loss"])
        at = losses.get(budget_rank(m.get("budget")), [])
        share = bisect.bisect_left(at, loss) / len(at) if at else 1.0
        return (share, loss, int(m.get("number", 0)))

    return sorted(metas, key=badness, reverse=True)


class _States:
    """What both stores share: keep one state per configuration, at most ``max_states``."""

    def __init__(self, max_states: int) -> None:
        self.max_states = check_max_states(max_states)
        self._losses: dict[float, list] = {}  # the sorted losses of the ok trials seen, per budget
        self._seen = 0  # how many trials those are

    def observe(self, trial: Trial) -> None:
        """A trial the search has just added to its trials: rank states against it from now on.

        Kept up to date trial by trial, so that dropping the worst state does
        not read every trial again. When ``trials()`` holds more than were
        observed (trials of a resumed study or of another process reach the
        search by another path) the ranks are rebuilt from it at the next
        :meth:`put`.
        """
        self._seen += 1
        if trial.status == OK and trial.loss is not None:
            bisect.insort(self._losses.setdefault(budget_rank(trial.budget), []), trial.loss)

    def _ranks(self, trials: Callable[[], Iterable[Trial]]) -> dict[float, list]:
        """The sorted losses per budget of ``trials()``: those observed, or rebuilt if it holds others."""
        listed = trials()
        if not isinstance(listed, Sized) or len(listed) != self._seen:
            listed = list(listed)
            self._losses, self._seen = _losses_by_budget(listed), len(listed)
        return self._losses

    def get(self, config: dict) -> tuple[bytes, dict] | None:
        """The state saved for ``config`` and its facts (``done``, ``budget``, ``loss``, ``number``), or None."""
        return self._read(state_key(config))

    def put(self, config: dict, state: bytes, meta: dict, trials: Callable[[], Iterable[Trial]]) -> None:
        """Keep ``state`` for ``config`` (replacing its previous one); beyond ``max_states`` drop the worst-ranked
        (``trials()``: the search's trials, that rank them)."""
        if self.max_states == 0:
            self.discard(config)
            return
        self._write(state_key(config), meta, state)
        metas = self._metas()
        if len(metas) > self.max_states:
            for key in _worst(metas, self._ranks(trials))[: len(metas) - self.max_states]:
                self._drop(key)

    def discard(self, config: dict) -> None:
        """Forget the state of ``config`` (if any)."""
        self._drop(state_key(config))

    def __len__(self) -> int:
        return len(self._metas())

    # the storage of each kind
    def _read(self, key: str) -> tuple[bytes, dict] | None:
        raise NotImplementedError

    def _write(self, key: str, meta: dict, state: bytes) -> None:
        raise NotImplementedError

    def _metas(self) -> dict[str, dict]:
        raise NotImplementedError

    def _drop(self, key: str) -> None:
        raise NotImplementedError


class MemoryStates(_States):
    """States kept in this process's memory (a search without storage).

    Parameters
    ----------
    max_states : int
        How many states at most (0: none is kept, every promoted run starts over).
    """

    def __init__(self, max_states: int) -> None:
        super().__init__(max_states)
        self._items: dict[str, tuple[dict, bytes]] = {}

    def _read(self, key: str) -> tuple[bytes, dict] | None:
        item = self._items.get(key)
        return None if item is None else (item[1], item[0])

    def _write(self, key: str, meta: dict, state: bytes) -> None:
        self._items[key] = (dict(meta), state)

    def _metas(self) -> dict[str, dict]:
        return {k: m for k, (m, _) in self._items.items()}

    def _drop(self, key: str) -> None:
        self._items.pop(key, None)

    def close(self, complete: bool = True) -> None:
        """The search ended: forget every state."""
        self._items.clear()


class FolderStates(_States):
    """States kept as files in a folder (one per stored study), so that a resumed study continues from them.

    Each file holds one line of JSON (its facts: trial number, budget, loss,
    done) and then the pickled state, as the worker made it. Files are
    written whole (a temporary file renamed), so a crash never leaves half
    a state; several processes sharing the study share the folder.

    Parameters
    ----------
    folder : str
    max_states : int
    """

    def __init__(self, folder: str, max_states: int) -> None:
        super().__init__(max_states)
        self.folder = folder

    def _path(self, key: str) -> str:
        return os.path.join(self.folder, key + _SUFFIX)

    def _read(self, key: str) -> tuple[bytes, dict] | None:
        try:
            with open(self._path(key), "rb") as f:
                meta = json.loads(f.readline())
                return f.read(), meta
        except (FileNotFoundError, ValueError):  # none, or a file this hpo cannot read: start over
            return None

    def _write(self, key: str, meta: dict, state: bytes) -> None:
        os.makedirs(self.folder, exist_ok=True)
        path = self._path(key)
        tmp = f"{path}.tmp-{uuid.uuid4().hex}"
        with open(tmp, "wb") as f:
            f.write(json.dumps(meta).encode("utf-8") + b"\n")
            f.write(state)
        os.replace(tmp, path)

    def _metas(self) -> dict[str, dict]:
        out: dict[str, dict] = {}
        try:
            names = os.listdir(self.folder)
        except FileNotFoundError:
            return out
        for name in names:
            if not name.endswith(_SUFFIX):
                continue
            try:
                with open(os.path.join(self.folder, name), "rb") as f:
                    out[name[: -len(_SUFFIX)]] = json.loads(f.readline())
            except (OSError, ValueError):
                continue
        return out

    def _drop(self, key: str) -> None:
        try:
            os.remove(self._path(key))
        except FileNotFoundError:
            pass

    def close(self, complete: bool = False) -> None:
        """The session ended: when the study is complete, remove its folder (and ``<db>-states`` when empty)."""
        if not complete:
            return
        shutil.rmtree(self.folder, ignore_errors=True)
        try:
            os.rmdir(os.path.dirname(self.folder))
        except OSError:  # other studies' states are there, or it is gone
            pass
