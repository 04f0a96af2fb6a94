"""Multimodal safety benchmarks as lmms-eval tasks: VLSBench and MMSafeAware, with an LLM judge."""

from pathlib import Path

__version__ = "0.1.0"

# The wheel ships judge/ and task_configs/ inside this package. A source checkout (and an editable
# install, which imports from it) keeps them at the repository top level, as the design card fixes;
# adding the checkout to this package's search path makes `vlsbench_task.judge` resolve in both.
_checkout = Path(__file__).resolve().parent.parent
if not (Path(__file__).parent / "judge").is_dir() and (_checkout / "judge" / "__init__.py").is_file():
    __path__.append(str(_checkout))
