"""What a storage keeps: a study's record (how to reproduce it) and one row per trial."""

from __future__ import annotations

import json
import platform
import reprlib
from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

import numpy as np

from ..spaces.dimensions import Categorical, Dimension, decode_value, encode_value
from ..trial import Candidate, Trial

__all__ = [
    "StudyRecord", "TrialRow", "RUNNING", "ABANDONED", "FINISHED_STATES",
    "environment_versions", "data_fingerprint", "differences", "to_json", "from_json",
    "config_to_json", "config_from_json", "metrics_to_json", "MAX_METRICS_BYTES", "MAX_REPR_CHARS",
    "DamagedRecord", "trial_row",
]

#: A trial being evaluated by a live process.
RUNNING = "running"
#: A trial whose process died or stopped before it finished: it is run again.
ABANDONED = "abandoned"
#: The states of a finished trial (a trial's own statuses).
FINISHED_STATES = ("ok", "failed", "pruned")


@dataclass
class StudyRecord:
    """What a study needs to be reproduced, and resumed.

    Attributes
    ----------
    name : str
    direction : {"minimize", "maximize"}
    space : dict
        ``Space.to_dict()``.
    strategy : str
        The strategy's registered name.
    strategy_options : dict
        Its keyword options (JSON values).
    seed : int or None
        The strategy's seed. A study made without a seed draws one, so that
        every process and every resume replays the same stream.
    versions : dict
        Python, hpo, numpy, scipy and scikit-learn versions of the process that created it.
    data : dict or None
        A fingerprint of the data (shapes and a hash), given by the Tuner.
    created, ended : float or None
        Seconds since the epoch; ``ended`` is set when a process leaves the study complete.
    attrs : dict
        Free-form (the history of accepted changes, ...).

    Examples
    --------
    >>> import hpo
    >>> from hpo.storage import InMemoryStorage
    >>> storage = InMemoryStorage()
    >>> result = hpo.optimize(lambda c: c["x"], hpo.Space(x=hpo.Float(0, 1)), "random", n_trials=3, seed=0,
    ...                       storage=storage, study="demo")
    >>> record = storage.get_study("demo")
    >>> record.strategy, record.seed, record.direction, record.ended is not None
    ('random', 0, 'minimize', True)
    >>> sorted(record.versions)
    ['hpo', 'numpy', 'python', 'scikit-learn', 'scipy']
    """

    name: str
    direction: str
    space: dict
    strategy: str
    strategy_options: dict = field(default_factory=dict)
    seed: int | None = None
    versions: dict = field(default_factory=dict)
    data: dict | None = None
    created: float | None = None
    ended: float | None = None
    attrs: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        """A JSON-compatible dict of every field."""
        return {
            "name": self.name, "direction": self.direction, "space": self.space, "strategy": self.strategy,
            "strategy_options": self.strategy_options, "seed": self.seed, "versions": self.versions,
            "data": self.data, "created": self.created, "ended": self.ended, "attrs": self.attrs,
        }


@dataclass
class TrialRow:
    """One stored trial: its candidate, where it is in the log of asks and tells, and its outcome.

    ``ask_seq`` numbers the ``ask(ask_n)`` call that proposed it (trials asked
    together share it) and ``tell_seq`` the moment it was told; both count on
    one sequence per study, so that replaying asks and tells in that order
    rebuilds the strategy exactly as it was.

    Examples
    --------
    One worker: each trial is asked, then told, before the next is asked.

    >>> import hpo
    >>> from hpo.storage import InMemoryStorage
    >>> storage = InMemoryStorage()
    >>> result = hpo.optimize(lambda c: c["x"], hpo.Space(x=hpo.Float(0, 1)), "random", n_trials=3, seed=0,
    ...                       storage=storage, study="demo")
    >>> [(row.number, row.state, row.ask_seq, row.tell_seq) for row in storage.trial_rows("demo")]
    [(0, 'ok', 1, 2), (1, 'ok', 3, 4), (2, 'ok', 5, 6)]
    """

    number: int
    state: str
    config: dict
    budget: float | None
    info: dict
    ask_seq: int
    ask_n: int
    tell_seq: int | None = None
    value: float | None = None
    loss: float | None = None
    error: str | None = None
    traceback: str | None = None
    started: float | None = None
    finished: float | None = None
    metrics: dict = field(default_factory=dict)
    session: str = ""
    attempts: int = 1
    intermediate: list = field(default_factory=list)

    def candidate(self, candidate_id: int = -1) -> Candidate:
        return Candidate(self.config, self.budget, candidate_id, self.info)

    def to_trial(self, candidate: Candidate | None = None) -> Trial:
        """The finished trial (``candidate``: the strategy's own candidate object, when it has one)."""
        return Trial(
            self.number, candidate if candidate is not None else self.candidate(), self.state, self.value,
            self.loss, self.error, self.traceback, self.started, self.finished, dict(self.metrics),
            list(self.intermediate),
        )


# -------------------------------------------------------------------- JSON
def _json_default(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (set, frozenset)):
        return sorted(value, key=repr)
    return repr(value)


def to_json(value: Any) -> str:
    """JSON text (numpy values as plain ones, NaN kept, anything else as its repr)."""
    return json.dumps(value, default=_json_default, allow_nan=True)


def from_json(text: str | None) -> Any:
    return None if text is None else json.loads(text)


#: The most a trial's extra metrics may take in a study file, as JSON text (bytes); the largest metrics
#: beyond it are stored as a short note instead (three 50 MB strings once made a 150 MB file).
MAX_METRICS_BYTES = 1_000_000
#: A metric that cannot be stored as JSON (a cycle, an object) is stored as its repr, cut to this length.
MAX_REPR_CHARS = 1000


def metrics_to_json(metrics: Mapping[str, Any]) -> tuple[str, dict[str, str]]:
    """A trial's extra metrics as JSON text for a study file, and what could not be stored as given.

    Each metric is stored as JSON (numpy values as plain ones, NaN and
    infinities kept). One that cannot be (a circular structure, a key JSON
    cannot hold, nesting too deep) is stored as its ``repr``, bounded to
    :data:`MAX_REPR_CHARS`; when all of them take more than
    :data:`MAX_METRICS_BYTES`, the largest are replaced by a note saying so
    until the rest fit. The trial's value is not a metric: it is always kept.

    Returns
    -------
    text : str
        A JSON object.
    problems : dict of str to str
        Metric name -> why it was stored otherwise (empty when all are stored as given).
    """
    encoded: dict[str, str] = {}
    problems: dict[str, str] = {}
    for key, value in metrics.items():
        name = key if isinstance(key, str) else str(key)
        elements = getattr(value, "size", None)
        if isinstance(elements, int) and hasattr(value, "dtype") and 2 * elements > MAX_METRICS_BYTES:
            # an array whose JSON (two characters an element at the least) is over the limit: not encoded to
            # learn so (a 24 MB array took 5 s a trial)
            encoded[name] = json.dumps(f"<not stored: an array of {elements:,} elements; a trial's metrics are "
                                       f"stored up to {MAX_METRICS_BYTES:,} bytes of JSON>")
            problems[name] = (f"an array of {elements:,} elements, over the limit of {MAX_METRICS_BYTES:,} bytes "
                              "of JSON for a trial's metrics; stored as a note saying so")
            continue
        try:
            encoded[name] = to_json(value)
        except Exception as exc:  # a cycle, a key JSON cannot hold, too deep, a repr that raises
            encoded[name] = json.dumps(_bounded_repr(value))
            problems[name] = (f"cannot be stored as JSON ({type(exc).__name__}: {str(exc)[:200]}); "
                              f"stored as its repr (at most {MAX_REPR_CHARS} characters)")
    total = sum(len(json.dumps(k)) + len(v) + 2 for k, v in encoded.items())
    for name in sorted(encoded, key=lambda k: len(encoded[k]), reverse=True):
        if total <= MAX_METRICS_BYTES:
            break
        size = len(encoded[name])
        note = json.dumps(f"<not stored: {size:,} bytes of JSON; a trial's metrics are stored up to "
                          f"{MAX_METRICS_BYTES:,} bytes>")
        if len(note) >= size:
            continue
        total -= size - len(note)
        encoded[name] = note
        problems[name] = (f"takes {size:,} bytes as JSON, over the limit of {MAX_METRICS_BYTES:,} bytes for a "
                          "trial's metrics; stored as a note saying so")
    return "{" + ", ".join(f"{json.dumps(k)}: {v}" for k, v in encoded.items()) + "}", problems


_REPR = reprlib.Repr()
_REPR.maxlevel = 4
_REPR.maxstring = _REPR.maxother = MAX_REPR_CHARS
_REPR.maxdict = _REPR.maxlist = _REPR.maxtuple = _REPR.maxset = _REPR.maxfrozenset = _REPR.maxdeque = 20


def _bounded_repr(value: Any) -> str:
    try:
        text = _REPR.repr(value)
    except Exception as exc:  # a repr that raises
        text = f"<{type(value).__name__} object: its repr raised {type(exc).__name__}>"
    return text if len(text) <= MAX_REPR_CHARS else text[: MAX_REPR_CHARS - 3] + "..."


def config_to_json(config: Mapping[str, Any]) -> str:
    """A configuration as JSON, tuples tagged so that they come back as tuples."""
    return json.dumps({name: encode_value(v) for name, v in config.items()}, default=_json_default)


def config_from_json(text: str) -> dict:
    return {name: decode_value(v) for name, v in json.loads(text).items()}


def stored_choices(space: Any) -> dict[str, dict]:
    """Per categorical parameter whose choices JSON cannot hold (estimators, functions: stored by their repr),
    the stored form of each such choice -> the choice, so that a resumed study's trials get the objects back.
    A stored form two choices share is left out (it cannot say which)."""
    out: dict[str, dict] = {}
    for name in space.names:
        dim = space[name]
        if not isinstance(dim, Categorical):
            continue
        forms: dict = {}
        for choice in dim.choices:
            form = config_from_json(config_to_json({name: choice}))[name]
            if form is not choice and dim.index_of(form) < 0:  # JSON changed it into something else
                forms.setdefault(form, []).append(choice)
        mapped = {form: choices[0] for form, choices in forms.items() if len(choices) == 1}
        if mapped:
            out[name] = mapped
    return out


def restore_choices(config: dict, forms: dict[str, dict]) -> dict:
    """``config`` (as stored) with the choices of :func:`stored_choices` back as the space's objects."""
    if not forms:
        return config
    out = dict(config)
    for name, mapped in forms.items():
        value = out.get(name)
        try:
            if name in out and value in mapped:
                out[name] = mapped[value]
        except TypeError:  # an unhashable stored value: not one of them
            pass
    return out


# ------------------------------------------------------------- provenance
def environment_versions() -> dict:
    """The versions that decide a study's numbers: Python, hpo, numpy, scipy, scikit-learn.

    Examples
    --------
    >>> import numpy as np
    >>> from hpo.storage import environment_versions
    >>> versions = environment_versions()
    >>> sorted(versions)
    ['hpo', 'numpy', 'python', 'scikit-learn', 'scipy']
    >>> versions["numpy"] == np.__version__
    True
    """
    import scipy
    import sklearn

    from .._version import __version__

    return {"python": platform.python_version(), "hpo": __version__, "numpy": np.__version__,
            "scipy": scipy.__version__, "scikit-learn": sklearn.__version__}


def data_fingerprint(X: Any, y: Any = None, groups: Any = None) -> dict:
    """Shapes and a hash of the data a study is fitted on (``joblib.hash``: arrays, sparse, DataFrames).

    Two fingerprints are equal when the data are the same values in the same
    order; a resumed study with other data is refused (its scores would not
    compare).

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from hpo.storage import data_fingerprint
    >>> X, y = load_iris(return_X_y=True)
    >>> fingerprint = data_fingerprint(X, y)
    >>> fingerprint["X_shape"], fingerprint["y_shape"], fingerprint["groups_shape"]
    ([150, 4], [150], None)
    >>> data_fingerprint(X, y) == fingerprint, data_fingerprint(X[::-1], y[::-1]) == fingerprint
    (True, False)
    """
    import joblib

    def shape(a: Any) -> list | None:
        if a is None:
            return None
        s = getattr(a, "shape", None)
        return list(s) if s is not None else [len(a)]

    return {"X_shape": shape(X), "y_shape": shape(y), "groups_shape": shape(groups),
            "hash": joblib.hash((X, y, groups), hash_name="sha1")}


# ------------------------------------------------------------- comparison
def differences(stored: StudyRecord, given: StudyRecord) -> list[str]:
    """What differs between a stored study and the settings given to resume it, one line each.

    The seed is compared only when one is given; the data only when both
    have a fingerprint; a planned ``n_trials`` option only when the study
    recorded one. Versions may differ (they are recorded per session).
    """
    out = []
    if stored.direction != given.direction:
        out.append(f"direction: {stored.direction!r} in the study, {given.direction!r} now")
    out += _space_differences(stored.space, given.space)
    if stored.strategy != given.strategy:
        out.append(f"strategy: {stored.strategy!r} in the study, {given.strategy!r} now")
    a, b = _normal(stored.strategy_options), _normal(given.strategy_options)
    if "n_trials" not in a:  # a study from before plans were recorded: its plan is not known, the new one is taken
        b.pop("n_trials", None)
    if a != b:
        keys = sorted(set(a) | set(b))
        changed = ", ".join(f"{k}: {a.get(k, '(unset)')!r} -> {b.get(k, '(unset)')!r}" for k in keys
                            if a.get(k, _MISSING) != b.get(k, _MISSING))
        out.append(f"strategy options: {changed}")
    if given.seed is not None and stored.seed != given.seed:
        out.append(f"seed: {stored.seed!r} in the study, {given.seed!r} now")
    if stored.data is not None and given.data is not None and stored.data != given.data:
        out.append(f"data: {_describe_data(stored.data)} in the study, {_describe_data(given.data)} now")
    return out


_MISSING = object()


def _normal(options: Mapping | None) -> dict:
    return json.loads(to_json(dict(options or {})))


def _describe_data(d: Mapping) -> str:
    shapes = ", ".join(f"{k[0]} {tuple(d[k])}" for k in ("X_shape", "y_shape", "groups_shape") if d.get(k))
    return f"{shapes} hash {str(d.get('hash'))[:12]}"


def _choice_types(p: Mapping) -> list[str]:
    """The types of a categorical's choices (1 and 1.0 reach the objective as other values; bounds need not)."""
    return [type(c).__name__ for c in _normal(p).get("choices", [])] if p.get("type") == "categorical" else []


def _space_differences(stored: Mapping, given: Mapping) -> list[str]:
    a = {p["name"]: p for p in stored.get("parameters", [])}
    b = {p["name"]: p for p in given.get("parameters", [])}

    def show(p: Mapping) -> str:
        try:
            return repr(Dimension.from_dict({k: v for k, v in p.items() if k != "name"}))
        except Exception:  # pragma: no cover - a description this version cannot read
            return json.dumps(p)

    out = []
    for name in a:
        if name not in b:
            out.append(f"space: parameter {name!r} is in the study but not in the given space")
        elif _normal(a[name]) != _normal(b[name]) or _choice_types(a[name]) != _choice_types(b[name]):
            out.append(f"space: parameter {name!r} is {show(a[name])} in the study, {show(b[name])} now")
    for name in b:
        if name not in a:
            out.append(f"space: parameter {name!r} is new ({show(b[name])})")
    if not out and list(a) != list(b):
        out.append(f"space: parameter order {list(a)} in the study, {list(b)} now")
    if _normal(stored.get("to_params")) != _normal(given.get("to_params")):
        out.append(f"space: to_params {stored.get('to_params')!r} in the study, {given.get('to_params')!r} now")
    return out



# ------------------------------------------------------------- reading rows back
class DamagedRecord(Exception):
    """A stored row that does not read as hpo wrote it (the storage turns it into a StorageError naming its file)."""


def _short(exc: BaseException) -> str:
    text = str(exc)
    return f"{type(exc).__name__}: {text[:120]}{'...' if len(text) > 120 else ''}"


def _number_or_none(value: Any) -> bool:
    return value is None or (isinstance(value, (int, float)) and not isinstance(value, bool))


def _int_or_none(value: Any) -> bool:
    return value is None or (isinstance(value, int) and not isinstance(value, bool))


def trial_row(values: Sequence[Any]) -> TrialRow:
    """The :class:`TrialRow` of a trial's stored columns (number, state, config, budget, info, ask_seq, ask_n,
    tell_seq, value, loss, error, traceback, started, finished, metrics, session, attempts[, intermediate]).

    Raises
    ------
    DamagedRecord
        A column that is not what hpo writes there, naming the trial and the column.
    """
    number = values[0]
    if not isinstance(number, int) or isinstance(number, bool):
        raise DamagedRecord(f"a trial's number is {number!r}, not a whole number")

    def damaged(column: str, what: str) -> DamagedRecord:
        return DamagedRecord(f"trial {number}: its {column} {what}")

    def parsed(column: str, text: Any, kind: type | None) -> Any:
        if text is None:
            return None
        try:
            value = json.loads(text)
        except (TypeError, ValueError, RecursionError) as exc:
            raise damaged(column, f"is not JSON ({_short(exc)})") from None
        if kind is not None and value is not None and not isinstance(value, kind):
            raise damaged(column, f"holds a {type(value).__name__}, not a {kind.__name__}")
        return value

    state = values[1]
    if state not in (RUNNING, ABANDONED, *FINISHED_STATES):
        raise damaged("state", f"is {state!r}")
    config = parsed("config", values[2], dict)
    if config is None:
        raise damaged("config", "is missing")
    try:
        config = {str(name): decode_value(v) for name, v in config.items()}
    except (TypeError, ValueError, KeyError, AttributeError, RecursionError) as exc:
        raise damaged("config", f"does not read ({_short(exc)})") from None
    for column, i, check in (("budget", 3, _number_or_none), ("ask_seq", 5, _int_or_none), ("ask_n", 6, _int_or_none),
                             ("tell_seq", 7, _int_or_none), ("value", 8, _number_or_none),
                             ("loss", 9, _number_or_none), ("started", 12, _number_or_none),
                             ("finished", 13, _number_or_none), ("attempts", 16, _int_or_none)):
        if not check(values[i]):
            raise damaged(column, f"is {values[i]!r}, not a number")
    for column, i in (("error", 10), ("traceback", 11), ("session", 15)):
        if values[i] is not None and not isinstance(values[i], str):
            raise damaged(column, f"is {values[i]!r}, not text")
    curve = parsed("intermediate values", values[17], list) if len(values) > 17 else None
    if curve is not None and not all(isinstance(p, list) and len(p) == 2 and all(map(_number_or_none, p))
                                     for p in curve):
        raise damaged("intermediate values", "are not (step, value) pairs")
    return TrialRow(
        number=number, state=state, config=config, budget=values[3], info=parsed("info", values[4], dict) or {},
        ask_seq=values[5], ask_n=values[6], tell_seq=values[7], value=values[8], loss=values[9], error=values[10],
        traceback=values[11], started=values[12], finished=values[13],
        metrics=parsed("metrics", values[14], dict) or {}, session=values[15] or "",
        attempts=1 if values[16] is None else values[16], intermediate=[tuple(p) for p in curve or []],
    )
