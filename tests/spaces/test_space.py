"""``Space``: construction, sampling, dependent ranges, validation, mapping, serialization, repr."""

from __future__ import annotations

import json
import re
import sys
import warnings

import numpy as np
import pytest

import hpo
from hpo import Categorical, Float, Int, Pack, Space, at_least, one_of, ref

from ..common import make_mlp_space
from .strategies_for_spaces import assert_config_plain

MLP_REPR = """Space(
    n_layers=Int(1, 4),
    units_0=Int(8, 512, log=True),
    units_1=Int(8, ref('units_0'), log=True).when(n_layers=at_least(2)),
    units_2=Int(8, ref('units_1'), log=True).when(n_layers=at_least(3)),
    units_3=Int(8, ref('units_2'), log=True).when(n_layers=at_least(4)),
    solver=Categorical(['adam', 'sgd']),
    momentum=Float(0.0, 0.99).when(solver='sgd'),
    alpha=Float(1e-06, 0.1, log=True),
    activation=Categorical(['relu', 'tanh']).when(solver=one_of('adam', 'sgd')),
    to_params=Pack('hidden_layer_sizes', ['units_0', 'units_1', 'units_2', 'units_3'], drop=['n_layers']),
)"""


# ------------------------------------------------------------ construction
def test_keywords_and_mapping_keep_declaration_order():
    space = Space(b=Float(0, 1), a=Int(0, 3), c=Categorical(["x"]))
    assert space.names == ["b", "a", "c"]
    mapped = Space({"clf__C": Float(1e-3, 1e3, log=True), "clf__kernel": Categorical(["rbf", "linear"])})
    assert mapped.names == ["clf__C", "clf__kernel"]
    both = Space({"z": Float(0, 1)}, y=Int(0, 2))
    assert both.names == ["z", "y"]
    assert list(both.dims) == ["z", "y"]
    assert "z" in both and "nope" not in both


def test_pipeline_style_names():
    space = Space(
        {
            "scaler__with_mean": Categorical([True, False]),
            "clf__C": Float(1e-3, 1e3, log=True),
            "clf__kernel": Categorical(["rbf", "linear"]),
            "clf__gamma": Float(1e-4, 1.0, log=True).when(clf__kernel="rbf"),
        }
    )
    configs = space.sample(50, seed=0)
    assert all(("clf__gamma" in c) == (c["clf__kernel"] == "rbf") for c in configs)
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import SVC

    pipe = Pipeline([("scaler", StandardScaler()), ("clf", SVC())])
    pipe.set_params(**space.to_params(configs[0]))
    assert pipe.get_params()["clf__C"] == configs[0]["clf__C"]


def test_names_that_are_not_identifiers():
    space = Space({"model.C": Float(0.1, 10.0, log=True), "a-b": Categorical(["x", "y"]).when(**{"model.C": at_least(1.0)})})
    for c in space.sample(100, seed=1):
        assert ("a-b" in c) == (c["model.C"] >= 1.0)
    # the repr is still Python that builds the same space
    namespace = {name: getattr(hpo, name) for name in hpo.__all__}
    assert eval(repr(space), namespace) == space


def test_duplicate_and_missing_names():
    with pytest.raises(ValueError, match="^parameter 'x' is given twice$"):
        Space({"x": Float(0, 1)}, x=Int(0, 3))
    with pytest.raises(ValueError, match="a Space needs at least one parameter"):
        Space()
    with pytest.raises(TypeError, match="parameter names must be non-empty strings, got 3"):
        Space({3: Float(0, 1)})
    with pytest.raises(TypeError, match="parameter names must be non-empty strings, got ''"):
        Space({"": Float(0, 1)})
    with pytest.raises(TypeError, match="Space\\(\\) takes a mapping of name to dimension, got list"):
        Space([Float(0, 1)])
    with pytest.raises(KeyError, match="unknown parameter 'nope'"):
        Space(x=Float(0, 1))["nope"]


def test_equality_and_hash():
    assert make_mlp_space() == make_mlp_space()
    assert hash(make_mlp_space()) == hash(make_mlp_space())
    assert Space(x=Float(0, 1)) != Space(x=Float(0, 2))
    assert Space(x=Float(0, 1), y=Int(0, 1)) != Space(y=Int(0, 1), x=Float(0, 1))  # order matters
    assert Space(x=Float(0, 1)) != Space(x=Float(0, 1), to_params=dict)


# ---------------------------------------------------------------- sampling
def test_sample_returns_plain_dicts(mlp_space):
    configs = mlp_space.sample(200, seed=0)
    assert isinstance(configs, list) and len(configs) == 200
    for c in configs:
        assert_config_plain(c)
        mlp_space.validate(c)
    assert mlp_space.sample(0, seed=0) == []
    assert mlp_space.sample(seed=0) == mlp_space.sample(1, seed=0)


def test_sample_types_per_dimension():
    space = Space(
        x=Float(0, 10),  # integer bounds, still floats
        k=Int(1, 5),
        lk=Int(1, 1000, log=True),
        c=Categorical([None, (1, "a"), 2.5, False, "s", 7]),
    )
    configs = space.sample(500, seed=1)
    assert {type(c["x"]) for c in configs} == {float}
    assert {type(c["k"]) for c in configs} == {int}
    assert {type(c["lk"]) for c in configs} == {int}
    assert {type(c["c"]) for c in configs} == {type(None), tuple, float, bool, str, int}
    for c in configs:
        assert_config_plain(c)


@pytest.mark.parametrize("n", [-1, 2.0, "3", True, None])
def test_sample_needs_a_count(n):
    with pytest.raises(ValueError, match="n must be a non-negative int"):
        Space(x=Float(0, 1)).sample(n, seed=0)


def test_sample_seeds(mlp_space):
    assert mlp_space.sample(20, seed=42) == mlp_space.sample(20, seed=42)
    assert mlp_space.sample(20, seed=42) != mlp_space.sample(20, seed=43)
    assert mlp_space.sample(20, seed=np.int64(42)) == mlp_space.sample(20, seed=42)
    rng = np.random.default_rng(7)
    a = mlp_space.sample(5, seed=rng)
    b = mlp_space.sample(5, seed=rng)  # the generator was advanced
    assert a != b
    assert a + b == mlp_space.sample(10, seed=np.random.default_rng(7))
    assert len(mlp_space.sample(3)) == 3  # no seed: fresh randomness


# -------------------------------------------------------- dependent ranges
def test_dependent_ranges_hold_in_every_sample(mlp_space):
    for c in mlp_space.sample(2000, seed=2):
        for i in range(1, c["n_layers"]):
            assert 8 <= c[f"units_{i}"] <= c[f"units_{i - 1}"]


def test_a_collapsed_range_yields_its_single_value():
    space = Space(
        a=Int(1, 3),
        b=Int(ref("a"), 3),  # [3, 3] when a == 3
        f=Float(ref("a"), 3.0),  # [3.0, 3.0] when a == 3
        g=Float(1.0, ref("a"), log=True),  # [1.0, 1.0] when a == 1
        h=Int(ref("a"), ref("a")),  # always the single value a
    )
    configs = space.sample(3000, seed=3)
    at_top = [c for c in configs if c["a"] == 3]
    at_bottom = [c for c in configs if c["a"] == 1]
    assert at_top and at_bottom
    assert {c["b"] for c in at_top} == {3}
    assert {c["f"] for c in at_top} == {3.0}
    assert {type(c["f"]) for c in at_top} == {float}
    assert {c["g"] for c in at_bottom} == {1.0}
    assert all(c["h"] == c["a"] for c in configs)
    # the collapsed value also comes out of decode anywhere in the unit box
    for u in (0.0, 0.3, 1.0):
        (c,) = space.decode([[1.0, u, u, u, u]])
        assert (c["a"], c["b"], c["f"], c["h"]) == (3, 3, 3.0, 3)
    # and the MLP space: units_1 is 8 when units_0 is 8
    mlp = make_mlp_space()
    assert mlp.decode([[1.0, 0.0, 0.9, 0.9, 0.9, 0.0, 0.5, 0.5, 0.5]])[0]["units_1"] == 8


def test_an_empty_range_at_sampling_time_names_both_parameters():
    space = Space(a=Int(1, 10), b=Int(5, ref("a")))
    with pytest.raises(ValueError, match=r"^b: the range \[5, [1-4]\] is empty when a=[1-4] \(declared Int\(5, ref\('a'\)\)\)$"):
        space.sample(200, seed=0)
    with pytest.raises(ValueError, match=re.escape("b: the range [5, 2] is empty when a=2")):
        space.decode([[0.15, 0.5]])  # a = 2
    assert space.decode([[0.95, 0.5]])[0]["a"] == 10  # fine where the range is not empty
    floats = Space(lo=Float(0.0, 1.0), x=Float(ref("lo"), 0.5))
    with pytest.raises(ValueError, match=r"^x: the range \[0\.\d+, 0\.5\] is empty when lo=0\.\d+"):
        floats.sample(100, seed=1)
    both = Space(lo=Int(0, 10), hi=Int(0, 10), x=Int(ref("lo"), ref("hi")))
    with pytest.raises(ValueError, match=r"^x: the range \[\d+, \d+\] is empty when lo=\d+, hi=\d+"):
        both.sample(100, seed=2)


def test_an_int_range_from_float_parents_rounds_inwards():
    space = Space(f=Float(1.0, 10.0), k=Int(1, ref("f")))
    for c in space.sample(500, seed=4):
        assert 1 <= c["k"] <= int(c["f"])


# -------------------------------------------------------------- validate
def test_validate_messages(mlp_space):
    good = {"n_layers": 2, "units_0": 45, "units_1": 8, "solver": "sgd", "momentum": 0.6, "alpha": 8e-05, "activation": "tanh"}
    mlp_space.validate(good)
    assert good in mlp_space
    cases = [
        ({**good, "units_1": 50}, r"^units_1: 50 is outside \[8, 45\]$"),  # the dependent range
        ({**good, "units_0": 600}, r"^units_0: 600 is outside \[8, 512\]$"),
        ({**good, "alpha": 1.0}, r"^alpha: 1.0 is outside \[1e-06, 0.1\]$"),
        ({**good, "units_1": 8.0}, r"^units_1: expected an int, got float 8.0$"),
        ({**good, "n_layers": True}, r"^n_layers: expected an int, got bool True$"),
        ({**good, "alpha": "0.1"}, r"^alpha: expected a number, got str '0.1'$"),
        ({**good, "alpha": float("nan")}, r"^alpha: expected a finite number, got nan$"),
        ({**good, "solver": "lbfgs"}, r"^solver: 'lbfgs' is not one of \['adam', 'sgd'\]$"),
        ({**good, "solver": ["sgd"]}, r"^solver: \['sgd'\] is not one of"),
        ({**good, "units_2": 8}, r"^units_2: present, but it is inactive \(needs n_layers=at_least\(3\), got 2\)$"),
        ({k: v for k, v in good.items() if k != "momentum"}, r"^momentum: missing, but it is active$"),
        ({k: v for k, v in good.items() if k != "units_1"}, r"^units_1: missing, but it is active$"),
        ({**good, "solver": "adam"}, r"^momentum: present, but it is inactive \(needs solver='sgd', got 'adam'\)$"),
        ({**good, "bogus": 1}, r"^unknown parameter 'bogus'; known: \['n_layers', "),
    ]
    for config, message in cases:
        with pytest.raises(ValueError, match=message):
            mlp_space.validate(config)
        assert config not in mlp_space
    with pytest.raises(TypeError, match="a configuration is a dict, got list"):
        mlp_space.validate([("n_layers", 1)])
    assert [("n_layers", 1)] not in mlp_space
    assert None not in mlp_space


def test_validate_accepts_ints_for_floats_and_numpy_scalars():
    space = Space(x=Float(0.0, 10.0), k=Int(0, 5))
    space.validate({"x": 3, "k": 2})
    space.validate({"x": np.float64(3.5), "k": np.int64(2)})


# ------------------------------------------------------------- to_params
def test_to_params_is_identity_without_a_mapping():
    space = Space(C=Float(1e-3, 1e3, log=True), kernel=Categorical(["rbf", "linear"]))
    config = space.sample(1, seed=0)[0]
    params = space.to_params(config)
    assert params == config and params is not config


def test_pack_maps_the_mlp_configuration_to_mlpclassifier_parameters(mlp_space):
    config = {"n_layers": 2, "units_0": 64, "units_1": 32, "solver": "sgd", "momentum": 0.9, "alpha": 1e-4, "activation": "relu"}
    params = mlp_space.to_params(config)
    assert params == {
        "hidden_layer_sizes": (64, 32),
        "solver": "sgd",
        "momentum": 0.9,
        "alpha": 1e-4,
        "activation": "relu",
    }
    assert config["n_layers"] == 2 and "units_0" in config  # the configuration is left alone


def test_every_mapped_mlp_sample_builds_an_mlpclassifier(mlp_space):
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    for config in mlp_space.sample(50, seed=5):
        params = mlp_space.to_params(config)
        assert len(params["hidden_layer_sizes"]) == config["n_layers"]
        assert all(type(u) is int for u in params["hidden_layer_sizes"])
        assert not {"n_layers", "units_0", "units_1", "units_2", "units_3"} & set(params)
        model = MLPClassifier(**params)
        assert model.get_params()["hidden_layer_sizes"] == params["hidden_layer_sizes"]
    # and one of them trains
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 4))
    y = (X[:, 0] > 0).astype(int)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        MLPClassifier(**mlp_space.to_params(config), max_iter=5, random_state=0).fit(X, y)


def test_to_params_with_a_function():
    space = Space(log_c=Float(-3.0, 3.0), to_params=lambda c: {"C": 10 ** c["log_c"]})
    assert space.to_params({"log_c": 2.0}) == {"C": 100.0}
    bad = Space(x=Float(0, 1), to_params=lambda c: [c])
    with pytest.raises(TypeError, match="must return a dict, got list"):
        bad.to_params({"x": 0.5})
    with pytest.raises(TypeError, match="to_params must be callable, got 3"):
        Space(x=Float(0, 1), to_params=3)


def test_pack_naming_an_unknown_parameter_is_a_definition_error():
    with pytest.raises(ValueError, match=re.escape(
        "to_params Pack('hidden_layer_sizes', ['units_0', 'unit_1']) names unknown parameter 'unit_1'"
    )):
        Space(units_0=Int(8, 64), units_1=Int(8, 64), to_params=Pack("hidden_layer_sizes", ["units_0", "unit_1"]))
    with pytest.raises(ValueError, match="names unknown parameter 'layers'"):
        Space(units_0=Int(8, 64), to_params=Pack("hidden_layer_sizes", ["units_0"], drop=["layers"]))


def test_pack_into_a_name_that_is_also_a_parameter_is_a_definition_error():
    with pytest.raises(ValueError, match=r"packs into 'hidden_layer_sizes', which is also a parameter of the space"):
        Space(hidden_layer_sizes=Int(10, 100), u0=Int(8, 64), to_params=Pack("hidden_layer_sizes", ["u0"]))
    packed_too = Space(hidden_layer_sizes=Int(10, 100), u0=Int(8, 64),
                       to_params=Pack("hidden_layer_sizes", ["hidden_layer_sizes", "u0"]))
    assert packed_too.to_params({"hidden_layer_sizes": 77, "u0": 16}) == {"hidden_layer_sizes": (77, 16)}


def test_pack_edges():
    pack = Pack("hidden_layer_sizes", ["u0", "u1"], drop=["n"])
    assert pack({"n": 1, "u0": 5, "lr": 0.1}) == {"lr": 0.1, "hidden_layer_sizes": (5,)}
    assert repr(pack) == "Pack('hidden_layer_sizes', ['u0', 'u1'], drop=['n'])"
    assert Pack.from_dict(pack.to_dict()) == pack
    with pytest.raises(ValueError, match="Pack names must be a non-empty list"):
        Pack("h", "u0")
    with pytest.raises(TypeError, match="Pack target must be a parameter name"):
        Pack("", ["u0"])


# ---------------------------------------------------------- serialization
def test_mlp_space_json_round_trip(mlp_space):
    text = json.dumps(mlp_space.to_dict(), allow_nan=False)
    again = Space.from_dict(json.loads(text))
    assert again == mlp_space
    assert again.to_params(again.sample(1, seed=0)[0]) == mlp_space.to_params(mlp_space.sample(1, seed=0)[0])
    assert again.sample(100, seed=9) == mlp_space.sample(100, seed=9)
    d = json.loads(text)
    assert d["parameters"][2] == {
        "name": "units_1", "type": "int", "low": 8, "high": {"ref": "units_0"}, "log": True,
        "when": {"n_layers": {"op": "at_least", "value": 2}},
    }
    assert d["to_params"] == {
        "pack": {"target": "hidden_layer_sizes", "names": ["units_0", "units_1", "units_2", "units_3"], "drop": ["n_layers"]}
    }


def test_json_round_trip_of_mixed_choices_and_conditions():
    space = Space(
        c=Categorical([1, True, None, (1, "x"), (True,), 2.5, "s", False, 0]),
        a=Int(0, 3).when(c=(1, "x")),
        b=Float(0.0, 1.0).when(c=one_of(True, None, (True,))),
        d=Categorical([(), ("n", (1, None))]).when(c=at_least(1)),
    )
    again = Space.from_dict(json.loads(json.dumps(space.to_dict(), allow_nan=False)))
    assert again == space
    assert [type(x) for x in again["c"].choices] == [type(x) for x in space["c"].choices]
    assert again["d"].choices == ((), ("n", (1, None)))
    assert again.sample(200, seed=3) == space.sample(200, seed=3)


def test_to_params_function_round_trip():
    # a stored function is kept by its name, never imported (a file is data): the caller gives the function
    space = Space(x=Float(0.0, 1.0), to_params=dict)
    d = json.loads(json.dumps(space.to_dict(), allow_nan=False))
    assert d["to_params"] == {"function": "builtins:dict"}
    again = Space.from_dict(d)
    assert again.to_dict() == space.to_dict() and again != space
    assert Space.from_dict(d, to_params=dict) == space
    local = Space(x=Float(0.0, 1.0), to_params=lambda c: dict(c))
    d = json.loads(json.dumps(local.to_dict(), allow_nan=False))
    with pytest.raises(ValueError, match=r"function tests\.spaces\.test_space:test_to_params_function_round_trip"
                                         r"\.<locals>\.<lambda>, stored by name only .* to_params=fn"):
        Space.from_dict(d).to_params({"x": 0.5})
    assert Space.from_dict(d, to_params=dict).to_params({"x": 0.5}) == {"x": 0.5}


def test_from_dict_never_imports_what_the_description_names(tmp_path, monkeypatch):
    marker = tmp_path / "imported"
    (tmp_path / "planted_space_module.py").write_text(
        f"open({str(marker)!r}, 'w').close()\ndef to_params(config):\n    return config\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    d = Space(x=Float(0.0, 1.0)).to_dict()
    d["to_params"] = {"function": "planted_space_module:to_params"}
    space = Space.from_dict(d)
    assert repr(space) == "Space(\n    x=Float(0.0, 1.0),\n    to_params=planted_space_module:to_params,\n)"
    with pytest.raises(ValueError, match="planted_space_module:to_params, stored by name only"):
        space.to_params({"x": 0.5})
    assert "planted_space_module" not in sys.modules and not marker.exists()
    for bad in ({"function": ""}, {"module": "os"}, "os:system", {"pack": "x"}):
        with pytest.raises(ValueError, match="to_params is stored as"):
            Space.from_dict({**d, "to_params": bad})


def test_from_dict_rejects_garbage():
    with pytest.raises(ValueError, match="needs a 'parameters' list"):
        Space.from_dict({"params": []})
    with pytest.raises(ValueError, match="unknown condition op 'almost'"):
        Space.from_dict({"parameters": [
            {"name": "a", "type": "int", "low": 0, "high": 3},
            {"name": "b", "type": "int", "low": 0, "high": 3, "when": {"a": {"op": "almost", "value": 1}}},
        ]})
    # a description with a bad dimension fails the same checks as a definition, naming it
    with pytest.raises(ValueError, match=r"^b = Int\(3, 0\): low \(3\) must be less than high \(0\)"):
        Space.from_dict({"parameters": [{"name": "b", "type": "int", "low": 3, "high": 0}]})


# ------------------------------------------------------------------ repr
def test_repr_of_the_mlp_space(mlp_space):
    assert repr(mlp_space) == MLP_REPR
    namespace = {name: getattr(hpo, name) for name in hpo.__all__}
    assert eval(repr(mlp_space), namespace) == mlp_space


def test_public_names():
    for name in ["Space", "Float", "Int", "Categorical", "Pack", "ref", "one_of", "at_least", "at_most",
                 "greater_than", "less_than"]:
        assert name in hpo.__all__ and hasattr(hpo, name)


def test_the_mlp_example_runs(capsys):
    import runpy
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "examples" / "mlp_space.py"
    namespace = runpy.run_path(str(path))
    assert namespace["space"] == make_mlp_space()
    namespace["main"]()
    out = capsys.readouterr().out
    assert "hidden_layer_sizes" in out and "len(space.grid(resolution=3)) = " in out


def test_is_active_and_bounds_for_partial_configurations(mlp_space):
    assert mlp_space.is_active("units_0", {})
    assert not mlp_space.is_active("units_1", {"n_layers": 1})
    assert mlp_space.is_active("units_1", {"n_layers": 2})
    assert not mlp_space.is_active("momentum", {})  # its parent is not there yet
    assert mlp_space.bounds("units_1", {"units_0": 64}) == (8, 64)
    assert mlp_space.bounds("alpha", {}) == (1e-6, 1e-1)
    space = Space(f=Float(1.5, 9.5), k=Int(1, ref("f")))
    assert space.bounds("k", {"f": 7.9}) == (1, 7)  # an Int bound from a Float rounds inwards
    with pytest.raises(TypeError, match="solver is Categorical, which has no range"):
        mlp_space.bounds("solver", {})
    with pytest.raises(KeyError, match="unknown parameter 'nope'"):
        mlp_space.is_active("nope", {})


def test_dependency_order_puts_parents_first_and_is_a_copy():
    space = Space(
        units_1=Int(8, ref("units_0")).when(n_layers=at_least(2)),
        units_0=Int(8, 512),
        n_layers=Int(1, 3),
        alpha=Float(0.1, 1.0),
    )
    order = space.dependency_order
    assert order == ["units_0", "n_layers", "alpha", "units_1"]  # ties in declaration order
    order.append("x")
    assert space.dependency_order == ["units_0", "n_layers", "alpha", "units_1"]


def test_mapping_is_the_to_params_given(mlp_space):
    assert Space(x=Float(0, 1)).mapping is None
    assert isinstance(mlp_space.mapping, Pack)
    fn = _double_x
    assert Space(x=Float(0, 1), to_params=fn).mapping is fn
    stored = Space.from_dict(Space(x=Float(0, 1), to_params=fn).to_dict())
    assert type(stored.mapping).__name__ == "FunctionByName"


def _double_x(config: dict) -> dict:
    return {"x": 2 * config["x"]}


def test_widest_range_over_every_value_of_the_parents():
    space = Space(a=Int(1, 10), b=Int(0, ref("a")), c=Float(0.5, 2.5), d=Categorical(["p", "q"]))
    assert space.widest_range("a") == (1, 10)
    assert space.widest_range("b") == (0, 10)
    assert space.widest_range("c") == (0.5, 2.5)
    with pytest.raises(TypeError, match="d is Categorical, which has no range"):
        space.widest_range("d")
    with pytest.raises(KeyError, match="unknown parameter 'e'"):
        space.widest_range("e")


@pytest.mark.parametrize("description, message", [
    ({"parameters": [{"name": "lr", "type": "float", "low": 1e-4, "high": 1.0, "log": "false"}]},
     "log must be True or False, got 'false'"),
    ({"parameters": [{"name": "c", "type": "categorical", "choices": "ab"}]},
     "parameter 'c': 'choices' must be a list, got 'ab'"),
    ({"parameters": [{"name": "lr", "type": "float", "low": 0}]},
     "parameter 'lr': a float dimension needs 'low' and 'high'; 'high' missing"),
    ({"parameters": {"lr": {"type": "float", "low": 0, "high": 1}}},
     "'parameters' must be a list of dicts .*, got a dict"),
    ({"parameters": [{"type": "float", "low": 0, "high": 1}]}, r"parameters\[0\] must be a dict with a 'name'"),
])
def test_from_dict_checks_what_it_reads_and_names_the_parameter(description, message):
    with pytest.raises(ValueError, match=message):
        Space.from_dict(json.loads(json.dumps(description)))
