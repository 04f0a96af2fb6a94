"""`python -m lmms_eval` for `torchrun`, with lmms-eval's `dummy` model made usable on CPU ranks.

lmms-eval 0.7.3's evaluator gathers the per-rank request counts with
`torch.zeros(..., device=lm.device)`, and its `dummy` model has no `device` attribute, so
`torchrun --nproc_per_node 2 -m lmms_eval --model dummy` stops on every rank with
"'Dummy' object has no attribute 'device'". A real model sets `device`; this gives the dummy one
the CPU, and changes nothing else.
"""

import sys

from lmms_eval.__main__ import cli_evaluate
from lmms_eval.models.simple.dummy import Dummy

if not hasattr(Dummy, "device"):
    Dummy.device = "cpu"

if __name__ == "__main__":
    sys.exit(cli_evaluate())
