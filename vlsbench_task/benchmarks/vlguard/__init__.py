"""VLGuard test set (Zong et al., ICML 2024, arXiv 2402.02207) as lmms-eval tasks: see README.md here."""
