"""MMSafeAware (Wang et al., ACL 2025, arXiv 2502.11184) as lmms-eval tasks: see README.md here."""
