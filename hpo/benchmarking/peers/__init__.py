"""Peers: other libraries' optimizers as benchmark contenders (the optional extra ``hpo[peers]``).

One module per peer library. Importing this package (``hpo.benchmarking``
does) registers every adapter by name (:data:`PEER_CONTENDERS`), whether or
not its library is installed; the libraries themselves are imported lazily,
so this package imports with none of them. A contender whose library is missing
raises ``ImportError`` (naming the package to install) when it is made:
``make_contender("optuna_tpe")``.

========================  ===========================================  ==========================
name                      what runs                                    needs
========================  ===========================================  ==========================
``optuna_tpe``            :class:`OptunaStrategy` (``TPESampler``)     optuna
``optuna_gp``             :class:`OptunaStrategy` (``GPSampler``)      optuna, torch
``skopt_gp``              :class:`SkoptStrategy` (GP ``Optimizer``)    scikit-optimize
``hyperopt_tpe``          :class:`HyperoptContender` (``fmin``, TPE)   hyperopt
``botorch_logei``         :class:`BotorchStrategy` (BoTorch's          botorch (and torch)
                          defaults, log-EI)
``botorch_noiseless``     :class:`BotorchStrategy`, the observations   botorch (and torch)
                          told noise-free (``noise_variance=1e-6``)
``smac_hpo``              :class:`SmacStrategy` (SMAC3's               smac (``hpo[smac]``)
                          ``HyperparameterOptimizationFacade``)
``sklearn_random``        :class:`SklearnSearchContender`              scikit-learn (always there)
                          (``RandomizedSearchCV``)
``sklearn_halving``       :class:`SklearnSearchContender`              scikit-learn
                          (``HalvingRandomSearchCV``)
========================  ===========================================  ==========================

The peers that speak ask/tell (Optuna, scikit-optimize, BoTorch, SMAC3) are hpo
:class:`~hpo.strategies.Strategy` subclasses, so they run through
``hpo.optimize`` like hpo's own strategies and are timed by the same loop.
Hyperopt and scikit-learn's searches drive their own loops and implement
:meth:`~hpo.benchmarking.contenders.Contender.run` directly.
"""

from __future__ import annotations

from typing import Callable

from ..contenders import Contender, StrategyContender, register_contender
from ._common import PEERS, require_peer
from .botorch import BotorchStrategy
from .hyperopt import HyperoptContender
from .optuna import OptunaStrategy
from .sklearn import SKLEARN_TAGS, SklearnSearchContender
from .sklearn import _halving_rows, _LogUniformInt  # noqa: F401  (importable here, as before the split)
from .skopt import SkoptStrategy
from .smac import SmacStrategy

__all__ = [
    "OptunaStrategy", "SkoptStrategy", "BotorchStrategy", "SmacStrategy", "HyperoptContender", "SklearnSearchContender",
    "PEERS", "SKLEARN_TAGS", "PEER_CONTENDERS",
]


def _strategy_peer(name: str, strategy: type, options: dict | None = None) -> Callable[[], Contender]:
    """A factory for the peer ``name`` that runs as an hpo strategy; it checks the peer's imports first."""
    def factory() -> Contender:
        require_peer(name)
        return StrategyContender(name, strategy=strategy, options=options)

    return factory


#: Peer name -> a factory of its contender (raises ImportError naming the package when its library is missing).
PEER_CONTENDERS: dict[str, Callable[[], Contender]] = {
    "optuna_tpe": _strategy_peer("optuna_tpe", OptunaStrategy, {"sampler": "tpe"}),
    "optuna_gp": _strategy_peer("optuna_gp", OptunaStrategy, {"sampler": "gp"}),
    "skopt_gp": _strategy_peer("skopt_gp", SkoptStrategy),
    "hyperopt_tpe": lambda: HyperoptContender("hyperopt_tpe"),
    "botorch_logei": _strategy_peer("botorch_logei", BotorchStrategy),
    "botorch_noiseless": _strategy_peer("botorch_noiseless", BotorchStrategy, {"noise_variance": 1e-6}),
    "smac_hpo": _strategy_peer("smac_hpo", SmacStrategy),
    "sklearn_random": lambda: SklearnSearchContender("sklearn_random"),
    "sklearn_halving": lambda: SklearnSearchContender("sklearn_halving", halving=True),
}

for _name, _factory in PEER_CONTENDERS.items():
    register_contender(_name, _factory)
del _name, _factory
