"""``benchmarks/bench_space.py`` runs, and records its section without touching others."""

from __future__ import annotations


import pytest

from ..common import load_benchmark


@pytest.fixture(scope="module")
def bench():
    return load_benchmark("bench_space")


def test_the_benchmark_space_is_twenty_mixed_conditional_dimensions(bench):
    space = bench.make_space()
    assert len(space) == 20
    assert sum(bool(d.conditions) for d in space.dims.values()) >= 5
    assert any(d.refs for d in space.dims.values())


def test_a_small_run_prints_the_table(bench, capsys):
    bench.main(["--n", "300", "--loop-n", "20", "--repeats", "1"])
    out = capsys.readouterr().out
    for op in ("sample", "encode", "decode", "sample + encode"):
        assert f"| {op} |" in out
    assert "scaled to 300" in out


def test_write_section_adds_or_replaces_only_its_own_section(bench, tmp_path):
    path = tmp_path / "BENCHMARKS.md"
    bench.write_section(path, bench.HEADING + "\n\nfirst\n")
    text = path.read_text()
    assert text.startswith("# Benchmarks") and "first" in text
    path.write_text(text + "\n## Another benchmark\n\nkeep me\n")
    bench.write_section(path, bench.HEADING + "\n\nsecond\n")
    text = path.read_text()
    assert "second" in text and "first" not in text
    assert "## Another benchmark\n\nkeep me\n" in text
    assert text.count(bench.HEADING) == 1
    # another section first, ours after it
    path.write_text("# Benchmarks\n\n## Other\n\nx\n")
    bench.write_section(path, bench.HEADING + "\n\nthird\n")
    assert path.read_text() == "# Benchmarks\n\n## Other\n\nx\n\n" + bench.HEADING + "\n\nthird\n"
