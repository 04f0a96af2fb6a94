"""SIUO, Safe Inputs but Unsafe Output (arXiv 2406.15279) as lmms-eval tasks: see README.md here."""
