"""JailBreakV-28K (Luo et al., COLM 2024, arXiv 2404.03027) as lmms-eval tasks: see README.md here."""
