"""MOSSBench (Li et al., ICLR 2025, arXiv 2406.17806) as lmms-eval tasks: see README.md here."""
