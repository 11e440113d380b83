"""``python -m hpo``: the ``hpo`` command (see :mod:`hpo.cli`)."""

import sys

from .cli import main

sys.exit(main())
