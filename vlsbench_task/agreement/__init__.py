"""`vlsbench-task agreement`: how far two judges, or two runs of one judge, agree on the same items.

The core is importable (the verdict browser's disagreement view uses it): `compare` on two judges'
verdict records, `judged_units` to read them from samples, `agreement_of` for two sides' parsed
samples and `agreement_report` for two files.
"""

from .compare import UNMATCHED, Agreement, Pair, compare
from .kappa import Kappa, binary_kappa, cohen_kappa, paired_difference
from .samples import agreement_of, agreement_report, judged_units

__all__ = [
    "UNMATCHED",
    "Agreement",
    "Kappa",
    "Pair",
    "agreement_of",
    "agreement_report",
    "binary_kappa",
    "cohen_kappa",
    "compare",
    "judged_units",
    "paired_difference",
]
