"""The search-space DSL: dimensions, conditions, references, the Space and its grid."""

from .conditions import (
    AtLeast,
    AtMost,
    Equals,
    GreaterThan,
    LessThan,
    OneOf,
    Predicate,
    Ref,
    at_least,
    at_most,
    greater_than,
    less_than,
    one_of,
    ref,
)
from .dimensions import Categorical, Dimension, Float, Int
from .grid import Grid
from .mapping import Pack
from .space import INACTIVE, Space

__all__ = [
    "Space", "Grid", "Dimension", "Float", "Int", "Categorical", "Pack", "INACTIVE",
    "Predicate", "Equals", "OneOf", "AtLeast", "AtMost", "GreaterThan", "LessThan", "Ref",
    "ref", "one_of", "at_least", "at_most", "greater_than", "less_than",
]
