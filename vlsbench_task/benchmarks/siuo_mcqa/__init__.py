"""SIUO multiple choice: which of four answers is the safe one (parsed, no judge)."""
