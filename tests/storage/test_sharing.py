"""Several sessions on one study, interleaved in one process: every registered strategy stays one logical strategy."""

from __future__ import annotations

import inspect
import random
import warnings

import pytest

from hpo.storage import InMemoryStorage, Study, StudyRecord
from hpo.strategies import available_strategies, get_strategy_class, make_strategy
from hpo.trial import OK, Trial

from .common import SPACE, bowl

N = 14


def _options(strategy: str) -> dict:
    params = inspect.signature(get_strategy_class(strategy).__init__).parameters
    return {"n_initial": 3} if "n_initial" in params else {}


def _session(store, strategy):
    record = StudyRecord(name="shared", direction="minimize", space=SPACE.to_dict(), strategy=strategy,
                         strategy_options=_options(strategy), seed=5, versions={})
    study = Study(store, record)
    study.prepare()
    study.open(make_strategy(strategy, SPACE, seed=study.record.seed, options=_options(strategy)))
    return study


@pytest.mark.parametrize("strategy", available_strategies())
def test_interleaved_sessions_never_repeat_lose_or_diverge(strategy):
    store = InMemoryStorage()
    rng = random.Random(0)
    sessions = [_session(store, strategy), _session(store, strategy)]
    running: dict[int, list] = {0: [], 1: []}
    done: list[int] = []
    blocked = {0: False, 1: False}
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a replica that diverges from the log warns
        for _ in range(2000):
            k = rng.randrange(2)
            s = sessions[k]
            if running[k] and (blocked[k] or rng.random() < 0.5):
                number, candidate = running[k].pop(0)
                value = bowl(candidate.config, candidate.budget)
                assert s.finish(Trial(number, candidate, OK, value=value, loss=value, started=0.0, finished=0.0))
                done.append(number)
                blocked = {0: False, 1: False}
            else:
                batch, why = s.claim(rng.randint(1, 2), N)
                running[k] += batch
                blocked[k] = not batch
            if all(blocked.values()) and not running[0] and not running[1]:
                break
        for s in sessions:
            s.close()
        third = _session(store, strategy)  # replays the whole log: no divergence warning
    assert sorted(done) == list(range(len(done))) and len(done) == len(set(done))
    assert len(done) == min(N, get_strategy_class(strategy)(SPACE, seed=0, **_options(strategy)).max_trials or N)
    told = [[t.number for t in s.strategy.trials] for s in (*sessions, third)]
    assert told[0] == told[1] == told[2] == done, "the replicas were told different sequences"
    configs = [(repr(t.config), t.budget) for t in third.strategy.trials]
    assert len(configs) == len(set(configs)), "a candidate was proposed twice"
