"""Multimodal safety benchmarks as lmms-eval tasks, one folder each under `benchmarks/`, with an LLM judge."""

import os

__version__ = "0.1.0"

# The wheel ships judge/ and task_configs/ inside this package. A source checkout (and an editable
# install, which imports from it) keeps them at the repository top level, as the design card fixes;
# adding the checkout to this package's search path makes `vlsbench_task.judge` resolve in both.
# (os.path, not pathlib: this runs at every interpreter start, through the lmms-eval start-up hook.)
_here = os.path.dirname(os.path.realpath(__file__))
_checkout = os.path.dirname(_here)
if not os.path.isdir(os.path.join(_here, "judge")) and os.path.isfile(
    os.path.join(_checkout, "judge", "__init__.py")
):
    __path__.append(_checkout)
