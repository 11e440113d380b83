"""A quick subset of the fault battery (``benchmarks/bench_faults.py``): every row must read "ok"."""

from __future__ import annotations


import pytest

from .common import load_benchmark


@pytest.fixture(scope="module")
def battery():
    return load_benchmark("bench_faults")


@pytest.mark.slow
def test_a_search_killed_then_resumed_loses_and_repeats_nothing_and_leaves_no_worker(battery, tmp_path):
    row = battery.sigkill_row(str(tmp_path), "random", 2, n_trials=200, kills=1)
    assert (row["trials"], row["lost"], row["repeated"], row["left"], row["verdict"]) == (200, 0, 0, 0, "ok"), row


@pytest.mark.slow
def test_a_50_gb_allocation_fails_its_trials_and_leaves_nothing_running(battery, tmp_path):
    row = battery.worker_row(str(tmp_path), "50 GB")
    assert (row["failed"], row["errors"], row["left"], row["verdict"]) == (2, "MemoryError", 0, "ok"), row


@pytest.mark.slow
def test_opening_a_bad_or_read_only_file_tells_the_user_and_leaves_it_unchanged(battery, tmp_path):
    rows = {kind: battery.file_row(str(tmp_path), kind)
            for kind in ["corrupted", "truncated", "foreign", "empty", "read-only", "read-only folder"]}
    for kind in ("corrupted", "truncated", "foreign"):
        assert "Error" in rows[kind]["errors"] and "(exit 2)" in rows[kind]["errors"], rows[kind]
    assert "loaded 5 trials" in rows["read-only"]["errors"]
    changed = {kind for kind, row in rows.items() if row["file"] != "unchanged" or row["verdict"] != "ok"}
    if changed == {"empty"}:
        pytest.xfail("reading an empty file writes to it: fixed on the storage branch (issue 18 item 4)")
    assert not changed, rows
