"""FigStep / SafeBench (Gong et al., AAAI 2025, arXiv 2311.05608) as lmms-eval tasks: see README.md here."""
