"""Shared fixtures of the search-space tests."""

from __future__ import annotations

import pytest

from hpo import Space

from ..common import make_mlp_space


@pytest.fixture
def mlp_space() -> Space:
    return make_mlp_space()
