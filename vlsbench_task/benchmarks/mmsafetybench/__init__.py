"""MM-SafetyBench (arXiv 2311.17600, ECCV 2024) as lmms-eval tasks: see README.md here."""
