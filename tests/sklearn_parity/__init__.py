"""scikit-learn's own search tests (test_search.py, test_successive_halving.py), adapted to hpo.Tuner.

PARITY.md in this folder maps every original test function to its adaptation or says why it does not apply.
"""
