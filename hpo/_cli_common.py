"""What the ``hpo`` subcommands that read a study share: names printed safely, and study loading without
the ``to_params`` warning (``hpo studies|show|export`` in :mod:`hpo.storage.cli`, ``hpo plot|report`` in
:mod:`hpo.analysis.cli`)."""

from __future__ import annotations

import contextlib
import warnings
from typing import Any, Iterator

__all__ = ["printable", "quiet_to_params_warning"]


def printable(text: Any) -> str:
    """``text`` for a terminal: as it is when printable, else escaped as a Python string literal (``'a\\nb'``).

    Names (of studies, parameters, hosts) come from a file: a control
    character in one must not move the cursor, clear the screen or fake
    another line of output.
    """
    text = str(text)
    return text if text.isprintable() else repr(text)


@contextlib.contextmanager
def quiet_to_params_warning() -> Iterator[None]:
    """A context in which ``load_study`` does not warn that ``best_params`` needs ``to_params=``.

    The commands that read a study print no parameters mapped by ``to_params``.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*best_params needs to_params=", category=RuntimeWarning)
        yield
