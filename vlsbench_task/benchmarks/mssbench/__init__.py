"""MSSBench (arXiv 2410.06172): multimodal situational safety, each query with a safe and an unsafe image."""
