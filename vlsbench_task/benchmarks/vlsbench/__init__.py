"""VLSBench (arXiv 2411.19939): image-text queries whose risk is visible only in the image."""
