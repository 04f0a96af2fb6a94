"""`vlsbench-task view`: every logged item with its image, answer and verdict, in one static HTML page."""
