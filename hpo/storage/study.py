"""``Study``: one process's handle on a stored study, with the strategy rebuilt from the study's log.

The study is the trial log (a design decision)
----------------------------------------------
A search with storage does not ask and tell its strategy itself: the study
does. :class:`Study` is a :class:`hpo.trial_log.TrialLog`: it claims
candidates (abandoned trials first, then new asks of the strategy), records
every ask and tell in the study's file as it happens, and replays them to a
fresh strategy on resume and to the strategies of the other processes that
share the study. Storage drives ask/tell because only the owner of the log's
order can keep several replicas of one strategy in step.

How a study resumes, and how several processes share one
---------------------------------------------------------
A strategy is a deterministic function of its seed, its options and the
sequence of ``ask(n)`` and ``tell(trial)`` calls it received. The storage
keeps that sequence: every trial row says which ``ask(n)`` call proposed it
(``ask_seq``, ``ask_n``) and when it was told (``tell_seq``), on one counter per
study. So a process that opens a study re-creates the strategy with the
study's seed and options and *replays* the log: the same asks (the strategy
proposes the stored candidates again, and its random stream advances exactly
as before) and the same tells (the stored results, in the stored order).
The strategy is then where it was, and its next candidates continue its
stream instead of repeating its first ones. Nothing beyond the
``Strategy`` protocol is needed, so this works for every registered strategy,
adaptive ones included; the price is that a resume re-runs the strategy's own
computation for every stored trial (not the objective).

Several processes on one study do the same continuously: before each ask and
each tell, inside the storage's write lock, a process first applies what the
others appended since it last looked, then appends its own step. Every
process thus holds a replica of one logical strategy; candidates are never
proposed twice and trial numbers are never reused.

A replayed ask that proposes another candidate than the stored one (the
strategy's code changed, or it is not deterministic) is reported once with a
warning; the stored candidate and its result are what the strategy is told.

Trials that were running in a process that died (or stopped) are marked
``abandoned`` and run again, under the same number, by the next process
that asks for work. The first outcome stored for a number wins; a later
duplicate is dropped.
"""

from __future__ import annotations

import os
import secrets
import socket
import time
import uuid
import warnings
from typing import Any, Sequence

from .._constraints import Options, check_options
from ..spaces import Space
from ..strategies import Strategy
from ..trial import FAILED, Candidate, Trial
from .record import (StudyRecord, TrialRow, differences, environment_versions, metrics_to_json, restore_choices,
                     stored_choices)
from .sqlite import SQLiteStorage, StudyRow, _Writer
from . import sessions
from .sessions import Heartbeat, is_alive, pid_token, session_status

__all__ = ["Study", "StudyMismatchError", "open_storage", "session_status", "MAX_NAME_LENGTH"]

#: How often (seconds) a process looks for dead sessions whose running trials must be run again.
REAP_EVERY = 2.0
#: A trial is run at most this many times: when its process died that often while running it (a crash
#: that takes the search process down with it, ``n_jobs=1``), it is recorded as failed instead.
MAX_ATTEMPTS = 3
#: The longest study name (characters): a name becomes part of file names (``hpo report``, ``hpo plot``).
MAX_NAME_LENGTH = 200
class StudyMismatchError(ValueError):
    """A study was resumed with other settings (space, strategy, options, seed, direction or data).

    Examples
    --------
    >>> import hpo
    >>> from hpo.storage import InMemoryStorage, StudyMismatchError
    >>> storage, space = InMemoryStorage(), hpo.Space(x=hpo.Float(0, 1))
    >>> result = hpo.optimize(lambda c: c["x"], space, "random", n_trials=3, seed=0, storage=storage, study="demo")
    >>> try:
    ...     hpo.optimize(lambda c: c["x"], space, "random", n_trials=3, seed=1, storage=storage, study="demo")
    ... except StudyMismatchError as error:
    ...     print(error)
    study 'demo' in :memory: was created with other settings:
      - seed: 0 in the study, 1 now
    Resume it with its own settings, ...
    """


def open_storage(storage: Any, *, readonly: bool = False) -> tuple[SQLiteStorage, bool]:
    """A storage object from a path, an ``sqlite:///`` URL or a storage object; and whether it was opened here.

    With ``readonly=True`` a path is opened for reading only (it must exist;
    nothing is written to it). A storage object is returned as it is.

    Examples
    --------
    >>> from hpo.storage import InMemoryStorage, open_storage
    >>> storage, owned = open_storage("sqlite:///studies.db")
    >>> storage, owned  # opened here: the caller closes it
    (SQLiteStorage('studies.db'), True)
    >>> storage.close()
    >>> memory = InMemoryStorage()
    >>> open_storage(memory) == (memory, False)
    True
    """
    if isinstance(storage, SQLiteStorage):
        return storage, False
    if isinstance(storage, (str, os.PathLike)):
        return SQLiteStorage(os.fspath(storage), readonly=readonly), True
    raise TypeError(f"storage must be a path, an sqlite:/// URL or an hpo storage object, got {storage!r}")


class Study:
    """A process's working session on study ``record.name`` of ``storage``.

    Parameters
    ----------
    storage : SQLiteStorage
    record : StudyRecord
        The settings given now (name, direction, space, strategy and options,
        seed or None, versions, data fingerprint). A new study stores them;
        an existing one must match (see ``on_mismatch``).
    on_mismatch : {"error", "continue"}
        What to do when the stored study was made with other settings:
        raise :class:`StudyMismatchError` naming each difference, or go on
        with the given settings (they replace the stored ones, the change is
        kept in ``attrs["changes"]``; stored trials stay, count toward
        ``n_trials``, and are told to the new strategy when their
        configuration is valid in the given space).

    Use :meth:`prepare` (settings and seed), :meth:`open` (with the strategy),
    then :meth:`claim` / :meth:`finish` for each trial, and :meth:`close` at the end:
    the :class:`hpo.trial_log.TrialLog` protocol that :class:`hpo.loop.SearchLoop`
    runs through. The study drives the strategy's asks and tells (the loop
    never calls them): it records each as it happens and replays them on resume.

    Examples
    --------
    ``hpo.optimize(..., storage=..., study=...)`` does all of this; by hand:

    >>> from hpo import Space, Float
    >>> from hpo.storage import InMemoryStorage, Study, StudyRecord
    >>> from hpo.strategies import RandomSearch, Trial
    >>> space = Space(x=Float(0, 1))
    >>> study = Study(InMemoryStorage(), StudyRecord("demo", "minimize", space.to_dict(), "random", seed=0))
    >>> record = study.prepare()
    >>> study.open(RandomSearch(space, seed=record.seed))  # a new study: no finished trials to replay
    []
    >>> claimed, why = study.claim(room=2, limit=2)
    >>> for number, candidate in claimed:
    ...     loss = (candidate.config["x"] - 0.3) ** 2
    ...     _ = study.finish(Trial(number, candidate, "ok", value=loss, loss=loss))
    >>> study.claim(room=2, limit=2)  # the study has its 2 trials
    ([], 'limit')
    >>> _ = study.close()
    """

    _constraints = {"on_mismatch": [Options(("error", "continue"))]}

    def __init__(self, storage: SQLiteStorage, record: StudyRecord, *, on_mismatch: str = "error") -> None:
        check_options(self._constraints, on_mismatch=on_mismatch)
        if not isinstance(record.name, str) or not record.name:
            raise ValueError(f"a study name must be a non-empty str, got {record.name!r}")
        if len(record.name) > MAX_NAME_LENGTH:
            raise ValueError(
                f"study: a study name is at most {MAX_NAME_LENGTH} characters, got one of {len(record.name):,} "
                f"({record.name[:40]!r}...)"
            )
        self.storage = storage
        self.record = record
        self.name = record.name
        self.on_mismatch = on_mismatch
        self.strategy: Strategy | None = None
        self.limit: int | None = None
        self._id = -1
        self._space: Space | None = None
        self._applied = 0  # the log position applied to the strategy
        self._epoch = 0  # trials asked up to here were asked under earlier settings
        self._local: dict[int, Candidate] = {}  # asked, not yet told: number -> candidate to evaluate
        self._untracked: set[int] = set()  # of those, numbers the strategy has no candidate for
        self._synced: list[Trial] = []  # trials other processes finished, not yet taken by the caller
        self._last_reap = 0.0
        self._last_touch = 0.0
        self._heartbeat: Heartbeat | None = None
        self._reopened = False  # the study's end mark was cleared by this session
        self._warned = False
        self._metrics_warned: set[str] = set()  # metric names whose storage problem was reported
        self._claimed = False  # this session has claimed a trial to run
        self._closed = False
        self.completed = False  # set by close(): this session left the study complete
        self._session = {
            "id": uuid.uuid4().hex, "host": socket.gethostname(), "pid": os.getpid(),
            "pid_token": pid_token(os.getpid()), "versions": environment_versions(), "started": time.time(),
        }

    @property
    def session_id(self) -> str:
        return self._session["id"]

    # ------------------------------------------------------------------ open
    def prepare(self) -> StudyRecord:
        """Create the study, or check the given settings against the stored ones.

        Returns the settings to run with: ``record.seed`` is the study's seed
        (the one given, the stored one, or one drawn for a new study), which
        the strategy must be built with.

        Raises
        ------
        StudyMismatchError
            The stored study differs (and ``on_mismatch="error"``).
        """
        with self.storage.write() as w:
            row = self._load_or_create(w)
        self._id = row.id
        self._epoch = row.epoch_seq
        return self.record

    def open(self, strategy: Strategy) -> list[Trial]:
        """Start this session and replay the study's log into ``strategy`` (fresh, built with ``record.seed``).

        Returns
        -------
        list of Trial
            The study's finished trials, in number order.
        """
        if self._id < 0:
            self.prepare()
        if not isinstance(strategy, Strategy):
            raise TypeError(f"a study needs a Strategy, got {strategy!r}")
        if strategy.trials or strategy.pending or getattr(strategy, "_n_asked", 0):
            raise ValueError(
                f"study {self.name!r}: the strategy has been used already; a study replays its log into "
                "a fresh strategy"
            )
        with self.storage.write() as w:
            w.add_session(self._session, self._id)
            self._reap(w, time.time())
        if self.storage.path != ":memory:":
            self._heartbeat = Heartbeat(self.storage, self.session_id)
        self.strategy = strategy
        self._space = strategy.space
        try:
            rows = self.storage._read(lambda db: _Writer(db).rows_since(self._id, 0))
            trials = self._apply(rows)
        except BaseException:  # a damaged row, say: this session ends here, not left to look as if it died
            self.strategy = None
            self.close(reason="error")
            raise
        self._synced.clear()
        return sorted(trials, key=lambda t: t.number)

    def _load_or_create(self, w: _Writer) -> StudyRow:
        row = w.study(self.name)
        given = self.record
        if row is None:
            if given.seed is None:
                given.seed = secrets.randbits(63)  # every process and every resume replays this stream
            given.created = time.time()
            given.ended = None
            return w.create_study(given)
        stored = row.record
        diffs = differences(stored, given)
        if stored.direction != given.direction and self.on_mismatch == "continue":
            raise StudyMismatchError(
                f"study {self.name!r} in {self.storage.path} minimizes or maximizes the other way "
                f"({stored.direction!r} in the study, {given.direction!r} now): its stored losses cannot be "
                "reused, even with on_mismatch='continue'; choose another study name"
            )
        if diffs and self.on_mismatch == "error":
            plan = any(d.startswith("strategy options:") and "n_trials:" in d for d in diffs)
            raise StudyMismatchError(
                f"study {self.name!r} in {self.storage.path} was created with other settings:\n"
                + "".join(f"  - {d}\n" for d in diffs)
                + (f"(strategy {given.strategy!r} plans its whole search for n_trials: more trials are another "
                   "plan, which on_mismatch='continue' goes on with.)\n" if plan else "")
                + "Resume it with its own settings, choose another study name, or pass on_mismatch='continue' "
                "to go on with these settings (the stored trials are kept and counted, and shown to the strategy)."
            )
        if given.seed is None:
            given.seed = stored.seed
        given.created, given.ended, given.versions = stored.created, stored.ended, stored.versions
        if given.data is None:
            given.data = stored.data
        if diffs:
            changes = list(stored.attrs.get("changes", []))
            changes.append({"at_trial": w.n_trials(row.id), "time": time.time(), "differences": diffs,
                            "before": {k: v for k, v in stored.to_dict().items()
                                       if k in ("direction", "space", "strategy", "strategy_options", "seed", "data")}})
            given.attrs = {**stored.attrs, **given.attrs, "changes": changes}
            w.replace_settings(row.id, given, row.seq)
            warnings.warn(
                f"study {self.name!r}: going on with other settings ({'; '.join(diffs)})", RuntimeWarning, stacklevel=4
            )
            return StudyRow(row.id, given, row.seq, row.seq)
        given.attrs = {**stored.attrs, **given.attrs}
        return StudyRow(row.id, given, row.seq, row.epoch_seq)

    # ----------------------------------------------------------------- claim
    def claim(self, room: int, limit: int | None) -> tuple[list[tuple[int, Candidate]], str]:
        """Up to ``room`` trials to run now: abandoned ones first, then new candidates from the strategy.

        Parameters
        ----------
        room : int
            How many evaluations can start.
        limit : int or None
            The study's total number of trials (``n_trials``); None for no limit.

        Returns
        -------
        list of (number, Candidate), and why it holds fewer than ``room``:
        ``"limit"`` (the study has its trials), ``"finished"`` (the strategy
        is done), ``"wait"`` (the strategy waits for trials other processes
        are running), ``"stuck"`` (it proposes nothing and nothing runs
        elsewhere), or ``""``.
        """
        self.limit = limit
        strategy = self._require_open()
        out: list[tuple[int, Candidate]] = []
        asked: list[tuple[int, Candidate]] = []
        reason = ""
        ask_seq = None
        with self.storage.write() as w:
            self._synced += self._apply(w.rows_since(self._id, self._applied))
            now = time.time()
            if now - self._last_touch >= sessions.TOUCH_EVERY:
                self._last_touch = now
                w.touch_session(self.session_id, now)
            if now - self._last_reap >= REAP_EVERY:
                self._reap(w, now)
            for number, attempts in w.take_abandoned(self._id, self.session_id, room):
                if attempts > MAX_ATTEMPTS:  # told here, before the ask below, as the log will say
                    self._synced.append(self._give_up(w, number, attempts - 1))
                else:
                    out.append((number, self._local[number]))
            room -= len(out)
            if room > 0:
                total = w.n_trials(self._id)
                if limit is not None and total >= limit:
                    reason = "limit"
                    if not self._claimed and not out:
                        planned = "n_trials" in (self.record.strategy_options or {})
                        more = (f"n_trials above {total} with on_mismatch='continue' runs more (strategy "
                                f"{self.record.strategy!r} planned its search for {limit} trials: more is another "
                                "plan)" if planned else f"give n_trials above {total} to run more")
                        warnings.warn(
                            f"study {self.name!r} already has {total} trials and n_trials={limit} counts the "
                            f"study's trials in total, so none run; {more}",
                            RuntimeWarning, stacklevel=5,
                        )
                elif strategy.finished:
                    reason = "finished"
                else:
                    k = room if limit is None else min(room, limit - total)
                    candidates = strategy.ask(k)
                    if candidates:
                        ask_seq = w.next_seq(self._id)
                        for i, c in enumerate(candidates):
                            w.insert_trial(self._id, total + i, c.config, c.budget, c.info, ask_seq, k,
                                           self.session_id)
                            asked.append((total + i, c))
                        if not self._reopened:
                            self._reopened = True
                            w.set_ended(self._id, None)
                    if len(candidates) < k:
                        if strategy.finished:
                            reason = "finished"
                        elif not asked:
                            others = w.running_sessions(self._id, self.session_id)
                            reason = "wait" if others or w.n_abandoned(self._id) else "stuck"
        self._claimed = self._claimed or bool(out or asked)
        for number, c in asked:
            self._local[number] = c
        if ask_seq is not None:
            self._applied = max(self._applied, ask_seq)
        return out + asked, reason

    def _give_up(self, w: _Writer, number: int, attempts: int) -> Trial:
        """Record trial ``number`` as failed (its process died every time it ran it) and tell the strategy."""
        now = time.time()
        trial = Trial(number, self._local[number], FAILED, error=(
            f"WorkerDiedError: the process running this trial died {attempts} times (it crashed the search "
            "process itself, or was killed); not run again"), started=now, finished=now)
        seq = w.next_seq(self._id)
        w.finish_trial(self._id, trial, seq)
        self._told(trial, seq)
        return trial

    def _told(self, trial: Trial, seq: int) -> None:
        """After the commit of its outcome: tell the strategy (when it knows the candidate)."""
        self._applied = max(self._applied, seq)
        self._local.pop(trial.number)
        if trial.number in self._untracked:
            self._untracked.discard(trial.number)
        else:
            self.strategy.tell(trial)  # type: ignore[union-attr]

    # ---------------------------------------------------------------- finish
    def finish(self, trial: Trial) -> bool:
        """Store a finished trial and tell the strategy; False when another process stored this number first.

        Metrics that cannot be stored as they are (see
        :func:`~hpo.storage.record.metrics_to_json`) are stored otherwise, with
        one warning per metric name and session; the trial keeps its value.
        """
        self._require_open()
        metrics, problems = metrics_to_json(trial.metrics)
        with self.storage.write() as w:
            self._synced += self._apply(w.rows_since(self._id, self._applied))
            if trial.number not in self._local:
                return False  # told already (another process finished it first)
            seq = w.next_seq(self._id)
            stored = w.finish_trial(self._id, trial, seq, metrics)
        if not stored:  # pragma: no cover - the sync above popped it
            return False
        self._told(trial, seq)
        self._warn_metrics(trial.number, problems)  # after the commit: a warning made an error loses nothing
        return True

    def _warn_metrics(self, number: int, problems: dict[str, str]) -> None:
        new = {name: why for name, why in problems.items() if name not in self._metrics_warned}
        if new:
            self._metrics_warned.update(new)
            warnings.warn(
                f"study {self.name!r}, trial {number}: "
                + "; ".join(f"metric {name!r} {why}" for name, why in new.items())
                + " (the trial's value is stored; this is said once per metric)",
                RuntimeWarning, stacklevel=5,
            )

    def take_synced(self) -> list[Trial]:
        """The trials other processes finished since the last call (to show in this process's result)."""
        out, self._synced = self._synced, []
        return out

    # ----------------------------------------------------------------- close
    def close(self, unfinished: Sequence[int] = (), reason: str = "finished") -> list[Trial]:
        """End this session: its unfinished trials are marked abandoned (the next process runs them).

        Returns the trials other processes finished since the last sync. Marks
        the study ended when it is complete (every trial finished, and the
        limit reached or the strategy done).
        """
        if self._closed or self._id < 0:
            return []
        self._closed = True
        if self._heartbeat is not None:
            self._heartbeat.stop()
            self._heartbeat = None
        with self.storage.write() as w:
            if self.strategy is not None:
                self._synced += self._apply(w.rows_since(self._id, self._applied))
            now = time.time()
            w.abandon_numbers(self._id, self.session_id, list(unfinished))
            w.end_session(self.session_id, now, reason)
            total, done = w.n_trials(self._id), w.n_finished(self._id)
            complete = total > 0 and done == total and (
                (self.limit is not None and total >= self.limit)
                or (self.strategy is not None and self.strategy.finished)
            )
            if complete:
                w.set_ended(self._id, now)
        self.completed = complete
        return self.take_synced()

    # ---------------------------------------------------------------- replay
    def _apply(self, rows: list[TrialRow]) -> list[Trial]:
        """Apply the asks and tells of ``rows`` that lie after ``self._applied``, in log order.

        Returns the trials newly told (finished).
        """
        events: list[tuple[int, int, TrialRow]] = []
        forms = stored_choices(self._space) if self._space is not None else {}
        for r in rows:
            r.config = restore_choices(r.config, forms)  # estimators and other repr-stored choices as objects
            if r.ask_seq > self._applied:
                events.append((r.ask_seq, r.number, r))
            if r.tell_seq is not None and r.tell_seq > self._applied:
                events.append((r.tell_seq, r.number, r))
        events.sort(key=lambda e: (e[0], e[1]))
        finished: list[Trial] = []
        i = 0
        while i < len(events):
            seq, _, r = events[i]
            if r.ask_seq == seq:
                j = i
                while j < len(events) and events[j][0] == seq:
                    j += 1
                self._apply_ask([e[2] for e in events[i:j]])
                i = j
            else:
                finished.append(self._apply_tell(r))
                i += 1
            self._applied = max(self._applied, seq)
        return finished

    def _apply_ask(self, batch: list[TrialRow]) -> None:
        strategy = self.strategy
        assert strategy is not None and self._space is not None
        foreign = batch[0].ask_seq <= self._epoch  # asked under earlier settings
        rows = [r for r in batch if r.config in self._space] if foreign else batch
        for r in batch:
            self._local[r.number] = r.candidate()
            self._untracked.add(r.number)
        if not rows:
            return
        got = strategy.ask(len(rows) if foreign else batch[0].ask_n) if not strategy.finished else []
        for r, c in zip(rows, got):
            if c.config != r.config or c.budget != r.budget:
                if not foreign:
                    self._diverged(f"proposed {c.config} (budget {c.budget}) for trial {r.number}, which the "
                                   f"study records as {r.config} (budget {r.budget})")
                c = Candidate(r.config, r.budget, c.id, c.info, c.stop_rule)
            self._local[r.number] = c
            self._untracked.discard(r.number)
        if len(got) != len(rows) and not foreign:
            self._diverged(f"proposed {len(got)} candidates where the study records {len(rows)} "
                           f"(trials {[r.number for r in rows]})")

    def _apply_tell(self, r: TrialRow) -> Trial:
        candidate = self._local.pop(r.number, None)
        trial = r.to_trial(candidate)
        if r.number in self._untracked or candidate is None:
            self._untracked.discard(r.number)
        else:
            self.strategy.tell(trial)  # type: ignore[union-attr]
        return trial

    def _diverged(self, what: str) -> None:
        if not self._warned:
            self._warned = True
            warnings.warn(
                f"study {self.name!r}: replaying its log, the strategy {self.record.strategy!r} {what}; going on "
                "with the stored trials (the strategy's code or its inputs changed, or it is not deterministic)",
                RuntimeWarning, stacklevel=4,
            )

    # ----------------------------------------------------------------- reap
    def _reap(self, w: _Writer, now: float) -> None:
        """End the sessions whose process is gone (``"died"``); their running trials become abandoned and run again,
        as do trials left running by a session that ended (interrupted while storing one)."""
        self._last_reap = now
        dead = [s["id"] for s in w.open_sessions(self._id, self.session_id) if not is_alive(s, now)]
        if dead:
            w.abandon_sessions(self._id, dead, now, "died")
        w.abandon_orphans(self._id)

    def _require_open(self) -> Strategy:
        if self.strategy is None:
            raise RuntimeError(f"study {self.name!r}: open() it first")
        if self._closed:
            raise RuntimeError(f"study {self.name!r}: this session is closed")
        return self.strategy

    def __repr__(self) -> str:
        return f"Study({self.name!r} in {self.storage.path})"
