"""The ``hpo`` command."""

from __future__ import annotations

import json

from hpo import Float, Int, Space, at_least
from hpo.cli import main


def test_strategies_are_listed(capsys):
    assert main(["strategies"]) == 0
    out = capsys.readouterr().out
    for name in ("grid", "random", "sobol"):
        assert any(line.startswith(name) for line in out.splitlines())


def test_strategies_are_listed_in_aligned_columns_as_plain_text(capsys):
    from hpo.strategies import available_strategies

    assert main(["strategies"]) == 0
    lines = capsys.readouterr().out.splitlines()
    names = available_strategies()
    assert [line.split()[0] for line in lines] == names
    starts = {len(line) - len(line[len(name):].lstrip()) for line, name in zip(lines, names)}
    assert len(starts) == 1  # every description starts in the same column, after the longest name
    assert not any("`" in line for line in lines)  # no raw ``literal`` markup
    assert any("the best 1/eta promoted" in line for line in lines)


def test_space_from_json_is_printed(tmp_path, capsys):
    space = Space(n=Int(1, 3), lr=Float(1e-4, 1e-1, log=True).when(n=at_least(2)))
    path = tmp_path / "space.json"
    path.write_text(json.dumps(space.to_dict()))
    assert main(["space", str(path)]) == 0
    assert "lr=Float(0.0001, 0.1, log=True).when(n=at_least(2))" in capsys.readouterr().out


def test_a_bad_space_file_names_the_file(tmp_path, capsys):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"parameters": [{"name": "x", "type": "float", "low": 2, "high": 1}]}))
    assert main(["space", str(path)]) == 2
    err = capsys.readouterr().err
    assert "bad.json" in err and "x = Float(2, 1): low (2) must be less than high (1)" in err
