"""hpo.testing, the shipped conformance battery: it passes good strategies and catches broken ones, fast."""

from __future__ import annotations

import re
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

from hpo.strategies import RandomSearch, Strategy
from hpo.testing import CHECK_IDS, check_strategy, strategy_checks
from hpo.testing.pytest_strategies import StrategyTests
from hpo.testing.pytest_strategies import strategy_checks as pytest_checks

README = Path(__file__).resolve().parents[1] / "README.md"


def within(seconds: float, fn, *args, **kwargs):
    """Run ``fn`` in a thread; a hang detector (not a speed test): fails if it has not returned in ``seconds``."""
    box: dict = {}

    def target():
        try:
            box["value"] = fn(*args, **kwargs)
        except BaseException as exc:  # noqa: BLE001
            box["error"] = exc

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"{fn.__name__} still running after {seconds} s: a loop without bound"
    if "error" in box:
        raise box["error"]
    return box.get("value")


# ----------------------------------------------------------------------------- broken strategies
class Stalling(Strategy):
    """Never proposes anything, and never says it is finished: a search with it would wait for ever."""

    name = "stalling-test"

    def _ask(self, n):
        return []


class IgnoresTheSeed(Strategy):
    """Draws from a fresh unseeded Generator instead of self.rng."""

    name = "ignores-seed-test"

    def _ask(self, n):
        rng = np.random.default_rng()
        return self.space.decode(rng.random((n, len(self.space))))


class OutsideTheSpace(Strategy):
    """Proposes values beyond the ranges of the space."""

    name = "outside-test"

    def _ask(self, n):
        return [{name: 10**6 for name in self.space.names} for _ in range(n)]


class RepeatsWhatIsRunning(Strategy):
    """Seeded and valid, but proposes the same configuration again and again."""

    name = "repeats-test"

    def _ask(self, n):
        config = self.space.decode(np.full((1, len(self.space)), 0.5))[0]
        return [config] * n


class NumpyScalars(Strategy):
    """Valid but hands out numpy scalars instead of plain Python values."""

    name = "numpy-scalars-test"

    def _ask(self, n):
        return [{k: np.float64(v) if isinstance(v, float) else v for k, v in c.items()}
                for c in self.space.decode(self.rng.random((n, len(self.space))))]


def test_a_strategy_that_asks_nothing_and_is_never_finished_fails_fast_naming_the_check():
    with pytest.raises(AssertionError) as info:
        within(60, check_strategy, Stalling)
    text = str(info.value)
    assert "Stalling failed the check candidates_are_valid[continuous]" in text
    assert "returned no candidate while none was pending and finished is False" in text


def test_every_check_of_a_stalling_strategy_fails_and_none_hangs():
    checks = list(strategy_checks(Stalling))
    assert len(checks) >= 20

    def run_all():
        failed = []
        for check in checks:
            try:
                check()
            except AssertionError as exc:
                failed.append((check.id, str(exc)))
        return failed

    failed = within(120, run_all)
    # every check fails (a search with it raises "proposed nothing"; asking and telling stops at once),
    # but the one of ask(n)'s argument, which the base class checks
    assert [i for i, _ in failed] == [c.id for c in checks if c.id != "ask_rejects_a_bad_n"]
    assert all(check_id in text for check_id, text in failed)


def test_a_strategy_that_ignores_the_seed_fails_the_seed_check():
    with pytest.raises(AssertionError, match=r"IgnoresTheSeed failed the check same_seed_same_candidates\[continuous\]"):
        within(120, check_strategy, IgnoresTheSeed)


def test_a_strategy_that_asks_outside_the_space_fails_the_validity_check():
    with pytest.raises(AssertionError, match=r"OutsideTheSpace failed the check candidates_are_valid\[continuous\]: "
                                             r"ValueError: .*x"):
        within(60, check_strategy, OutsideTheSpace)


def test_a_strategy_that_repeats_running_candidates_fails():
    with pytest.raises(AssertionError, match="RepeatsWhatIsRunning failed the check"):
        within(120, check_strategy, RepeatsWhatIsRunning)
    check = next(c for c in strategy_checks(RepeatsWhatIsRunning)
                 if c.id == "pending_candidates_are_distinct_and_told_in_any_order")
    with pytest.raises(AssertionError, match="duplicate configurations among pending candidates"):
        check()


def test_numpy_scalars_in_a_configuration_fail():
    with pytest.raises(AssertionError, match=r"candidates_are_valid\[continuous\]: numpy scalar"):
        within(60, check_strategy, NumpyScalars)


def test_a_good_strategy_passes_and_options_reach_it():
    check_strategy(RandomSearch, max_misses=500)
    with pytest.raises(AssertionError, match="failed the check .*ValueError.*no option 'nope'"):
        check_strategy(RandomSearch, nope=1)
    with pytest.raises(TypeError, match="Strategy subclass"):
        check_strategy(dict)


def test_the_checks_that_apply_follow_what_a_strategy_declares():
    ids = {c.id for c in strategy_checks(RandomSearch)}
    assert "distinct_strategy_never_repeats" in ids and "budgets_stay_in_range_and_promotions_climb" not in ids
    assert ids <= set(CHECK_IDS)
    from hpo.strategies import SuccessiveHalving

    halving = {c.id for c in strategy_checks(SuccessiveHalving)}
    assert "budgets_stay_in_range_and_promotions_climb" in halving and "distinct_strategy_never_repeats" not in halving
    for space in ("continuous", "mixed", "conditional", "finite"):
        assert f"candidates_are_valid[{space}]" in ids


def test_the_pytest_form_gives_one_param_per_check():
    params = pytest_checks(RandomSearch)
    assert [p.id for p in params] == [f"random-{c.id}" for c in strategy_checks(RandomSearch)]
    params[0].values[0]()


class TestRandomSearchThroughStrategyTests(StrategyTests):
    """The subclassing form, as a user's suite writes it."""

    strategy = RandomSearch
    options = {"max_misses": 1000}


def test_under_python_O_the_checks_refuse_to_run_rather_than_pass_everything():
    # -O removes assert statements: every check passed a strategy that ignores its seed
    code = ("import random, hpo\n"
            "from hpo.testing import check_strategy\n"
            "class Broken(hpo.Strategy):\n"
            "    def _ask(self, n):\n"
            "        return self.space.sample(n, seed=random.randrange(10**6))\n"
            "try:\n"
            "    check_strategy(Broken)\n"
            "except (AssertionError, RuntimeError) as exc:\n"
            "    print(type(exc).__name__, exc)\n"
            "else:\n"
            "    print('passed')\n")
    plain = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    optimized = subprocess.run([sys.executable, "-O", "-c", code], capture_output=True, text=True, timeout=300)
    assert plain.stdout.startswith("AssertionError Broken failed the check"), plain.stdout + plain.stderr
    assert optimized.stdout.startswith("RuntimeError cannot check Broken: Python runs with -O"), (
        optimized.stdout + optimized.stderr)


def test_importing_hpo_testing_does_not_import_pytest():
    code = "import sys, hpo.testing; assert 'pytest' not in sys.modules; print('ok')"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"


def test_the_readme_strategy_and_its_check_run(tmp_path):
    text = README.read_text()
    section = text[text.index("## Writing a strategy"):]
    section = section[:section.index("\n## ", 3)]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    assert "check_strategy(Neighbours)" in code
    script = tmp_path / "writing_a_strategy.py"
    script.write_text(code + "\nassert result.best_value < 0.5, result.best_value\nprint('ok')\n")
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().endswith("ok")
