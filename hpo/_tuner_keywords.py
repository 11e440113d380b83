"""What a keyword of scikit-learn's searches is called on the Tuner.

``Tuner(SVC(), space, cv=5, n_iter=20)``, written as for ``RandomizedSearchCV``,
would otherwise stop at Python's bare "unexpected keyword argument". The Tuner
checks its keywords before ``__init__`` (in ``__new__``, so that its signature,
which ``get_params`` and ``clone`` read, stays scikit-learn's plain one) and
names the parameter to write instead.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

#: scikit-learn search keywords and the Tuner's way to say the same.
SKLEARN_KEYWORDS = {
    "cv": "validation= (validation=5 is cv=5; a splitter or an iterable of splits is taken as is; "
    "a float is a holdout fraction, 0.2 by default)",
    "n_iter": "n_trials=",
    "param_grid": "the space, the second argument (a dict of lists runs as written; strategy=\"grid\" "
    "tries every combination)",
    "param_distributions": "the space, the second argument (lists and scipy.stats uniform, loguniform "
    "and randint run as written)",
    "search_spaces": "the space, the second argument (hpo.Float, Int and Categorical)",
    "pre_dispatch": "nothing: n_jobs= alone sets the parallel workers",
    "factor": "strategy_options={\"eta\": ...} with strategy=\"halving\"",
    "min_resources": "min_resource=",
    "max_resources": "max_resource=",
    "aggressive_elimination": "strategy_options={\"aggressive\": True} with strategy=\"halving\"",
    "n_candidates": "strategy_options={\"n_candidates\": ...} with strategy=\"halving\"",
    "n_points": "nothing: the strategy decides how many candidates it proposes at once",
    "optimizer_kwargs": "strategy_options=",
    "seed": "random_state=",
}


def unknown_keyword_message(name: str, known: Iterable[str], owner: str = "Tuner") -> str:
    """The TypeError text for keyword ``name`` that ``owner`` does not take."""
    text = f"{owner} got an unexpected keyword argument {name!r}"
    if name in SKLEARN_KEYWORDS:
        return f"{text}: scikit-learn's {name}= is {SKLEARN_KEYWORDS[name]} here."
    close = difflib.get_close_matches(name, sorted(known), n=1, cutoff=0.7)
    if close:
        return f"{text}; did you mean {close[0]!r}?"
    return f"{text}; it takes {', '.join(sorted(known))}."
