"""lmms-eval task YAMLs of this package (advertised in the `lmms_eval.tasks` entry-point group)."""
