"""Reading lmms-eval outputs of the safety tasks: comparison with the papers, reports and charts."""
