"""Search space: sampling, encoding and decoding many configurations at once.

A 20-dimensional mixed space (linear and log floats, linear and log ints,
categoricals, conditional children, a chain, and dependent ranges) is sampled,
encoded and decoded ``--n`` configurations at a time (vectorized, the way a
strategy asks for a batch), against a reference measured in the same run: the
same work done one configuration at a time in a Python loop.

The loop reference runs on ``--loop-n`` configurations (default 2,000) and is
extrapolated per ``--n`` configurations; every figure is the median of
``--repeats`` runs timed with ``time.perf_counter`` (wall clock), with the
process's CPU time (``time.process_time``) beside it: on a shared machine the
CPU time is the steadier figure, so the load average is printed too.

    python benchmarks/bench_space.py            # print the table
    python benchmarks/bench_space.py --write    # and record it in benchmarks/BENCHMARKS.md
"""

from __future__ import annotations

import argparse
import datetime as _dt
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np

from hpo import Categorical, Float, Int, Space, at_least, greater_than, one_of, ref

HEADING = "## Search space: sampling and encoding (issue 2)"
INTRO = """# Benchmarks

Every figure here comes from a script in `benchmarks/` with the command that
produced it; ratios are against a reference measured in the same run; medians
over repeats.
"""


def make_space() -> Space:
    """20 dimensions: 6 floats (3 log), 7 ints (4 log), 7 categoricals; 8 conditional, 3 dependent ranges."""
    return Space(
        lr=Float(1e-5, 1.0, log=True),
        weight_decay=Float(1e-8, 1e-2, log=True),
        dropout=Float(0.0, 0.5),
        batch_size=Int(16, 512, log=True),
        epochs=Int(1, 100),
        n_layers=Int(1, 3),
        units_0=Int(8, 512, log=True),
        units_1=Int(8, ref("units_0"), log=True).when(n_layers=at_least(2)),
        units_2=Int(8, ref("units_1"), log=True).when(n_layers=at_least(3)),
        optimizer=Categorical(["adam", "sgd", "rmsprop"]),
        beta1=Float(0.8, 0.999).when(optimizer="adam"),
        momentum=Float(0.0, 0.99).when(optimizer=one_of("sgd", "rmsprop")),
        nesterov=Categorical([True, False]).when(optimizer="sgd", momentum=greater_than(0.5)),
        activation=Categorical(["relu", "tanh", "gelu", None]),
        scheduler=Categorical(["none", "step", "cosine"]),
        step_size=Int(1, ref("epochs")).when(scheduler="step"),
        gamma=Float(0.1, 0.9, log=True).when(scheduler="step"),
        warmup=Categorical([0, 1, 5]).when(scheduler=one_of("step", "cosine")),
        init=Categorical(["xavier", "he", ("uniform", 0.05)]),
        batch_norm=Categorical([True, False]),
    )


def _median_time(fn, repeats: int) -> tuple[float, float]:
    """Median wall-clock (``perf_counter``) and CPU (``process_time``) seconds of ``fn()``."""
    wall, cpu = [], []
    for _ in range(repeats):
        c0, t0 = time.process_time(), time.perf_counter()
        fn()
        wall.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return statistics.median(wall), statistics.median(cpu)


def run(n: int, loop_n: int, repeats: int, seed: int = 0) -> dict:
    space = make_space()
    assert len(space) == 20
    configs = space.sample(n, seed=seed)
    U = space.encode(configs)
    # sanity: the vectorized path gives what the loop gives
    rng = np.random.default_rng(seed)
    one_by_one = [space.sample(1, seed=rng)[0] for _ in range(50)]
    assert one_by_one == [space.decode(row[None, :])[0] for row in np.random.default_rng(seed).random((50, 20))]
    assert np.allclose(np.vstack([space.encode([c]) for c in configs[:50]]), U[:50])
    assert space.decode(U[:50]) == [space.decode(U[i:i + 1])[0] for i in range(50)]

    loop_configs = configs[:loop_n]
    loop_U = U[:loop_n]
    load_before = _load()
    scale = n / loop_n
    timed = {}
    for op, vectorized, loop in [
        ("sample", lambda: space.sample(n, seed=seed), lambda: _loop_sample(space, loop_n, seed)),
        ("encode", lambda: space.encode(configs), lambda: [space.encode([c]) for c in loop_configs]),
        ("decode", lambda: space.decode(U), lambda: [space.decode(loop_U[i:i + 1]) for i in range(loop_n)]),
    ]:
        (vec_wall, vec_cpu), (loop_wall, loop_cpu) = _median_time(vectorized, repeats), _median_time(loop, repeats)
        timed[op] = (vec_wall, vec_cpu, loop_wall * scale, loop_cpu * scale)
    timed["sample + encode"] = tuple(a + b for a, b in zip(timed["sample"], timed["encode"]))
    rows = [(op, *figures) for op, figures in timed.items()]
    n_active = np.mean([len(c) for c in configs])
    return {"rows": rows, "n": n, "loop_n": loop_n, "repeats": repeats, "mean_active": float(n_active),
            "load": (load_before, _load())}


def _load() -> str:
    try:
        return "/".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:  # pragma: no cover - not on every platform
        return "n/a"


def _loop_sample(space: Space, loop_n: int, seed: int) -> list:
    rng = np.random.default_rng(seed)
    return [space.sample(1, seed=rng)[0] for _ in range(loop_n)]


def table(result: dict) -> str:
    n, loop_n = result["n"], result["loop_n"]
    lines = [
        f"| operation | vectorized, {n:,} configs: wall s (CPU s) | one at a time, per {n:,}: wall s (CPU s) "
        "| speed-up (wall) |",
        "|---|---:|---:|---:|",
    ]
    for op, vec_wall, vec_cpu, loop_wall, loop_cpu in result["rows"]:
        lines.append(
            f"| {op} | {vec_wall:.3f} ({vec_cpu:.3f}) | {loop_wall:.1f} ({loop_cpu:.1f}) | {loop_wall / vec_wall:.0f}x |"
        )
    lines.append("")
    lines.append(
        f"The one-at-a-time loop ran on {loop_n:,} configurations and is scaled to {n:,} "
        f"(extrapolated per configuration); medians of {result['repeats']} repeats; "
        f"{result['mean_active']:.1f} of 20 parameters active per configuration on average; "
        f"load average (1/5/15 min) {result['load'][0]} before, {result['load'][1]} after."
    )
    return "\n".join(lines)


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return (
        f"{os.cpu_count()} cores ({cpu}), Python {platform.python_version()}, numpy {np.__version__}, "
        f"{platform.system()}"
    )


def describe(space: Space) -> str:
    dims = list(space.dims.values())
    count = lambda kind, log=None: sum(  # noqa: E731
        isinstance(d, kind) and (log is None or d.log == log) for d in dims
    )
    refs = [f"`{n} <= {d.high.name}`" for n, d in space.dims.items() if d.refs]
    chains = sum(any(space[p].conditions for p in d.conditions) for d in dims)
    return (
        f"{count(Float)} floats ({count(Float, True)} log), {count(Int)} ints ({count(Int, True)} log), "
        f"{count(Categorical)} categoricals; {sum(bool(d.conditions) for d in dims)} conditional parameters "
        f"({chains} of them under a conditional parent), dependent ranges {', '.join(refs)}"
    )


def section(result: dict, command: str) -> str:
    return "\n".join([
        HEADING,
        "",
        "Sampling, encoding (to the unit box) and decoding of a 20-dimensional mixed space with",
        f"conditions (`make_space()` in `benchmarks/bench_space.py`: {describe(make_space())}),",
        "all at once against the same work one configuration at a time",
        "(`[space.sample(1, seed=rng)[0] for ...]`, `[space.encode([c]) for c in configs]`,",
        "`space.decode` row by row). Wall-clock seconds from `time.perf_counter`, CPU seconds of",
        "the process from `time.process_time` in brackets: the machine was shared, so the load",
        "average is given and CPU time is the steadier figure.",
        "",
        f"- command: `{command}` (add `--write` to update this section)",
        f"- date: {_dt.date.today().isoformat()}",
        f"- machine: {machine()}",
        "",
        table(result),
        "",
    ])


def write_section(path: Path, text: str) -> None:
    """Add or replace this benchmark's section of BENCHMARKS.md, leaving the rest alone."""
    if path.exists():
        content = path.read_text()
    else:
        content = INTRO
    lines = content.splitlines(keepends=True)
    start = next((i for i, line in enumerate(lines) if line.rstrip() == HEADING), None)
    if start is None:
        if not content.endswith("\n"):
            content += "\n"
        content += "\n" + text
    else:
        end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines))
        tail = "".join(lines[end:])
        content = "".join(lines[:start]) + text + ("\n" + tail if tail else "")
    path.write_text(content)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=100_000, help="configurations per vectorized call (default 100,000)")
    parser.add_argument("--loop-n", type=int, default=2_000, help="configurations in the one-at-a-time loop (default 2,000)")
    parser.add_argument("--repeats", type=int, default=5, help="repeats; the median is reported (default 5)")
    parser.add_argument("--write", action="store_true", help="record the figures in benchmarks/BENCHMARKS.md")
    args = parser.parse_args(argv)
    loop_n = min(args.loop_n, args.n)
    result = run(args.n, loop_n, args.repeats)
    print(table(result))
    print(f"\nmachine: {machine()}")
    if args.write:
        path = Path(__file__).resolve().parent / "BENCHMARKS.md"
        command = "python benchmarks/bench_space.py"
        extra = []
        if args.n != 100_000:
            extra.append(f"--n {args.n}")
        if args.loop_n != 2_000:
            extra.append(f"--loop-n {args.loop_n}")
        if args.repeats != 5:
            extra.append(f"--repeats {args.repeats}")
        write_section(path, section(result, " ".join([command, *extra])))
        print(f"recorded in {path}")


if __name__ == "__main__":
    sys.exit(main())
