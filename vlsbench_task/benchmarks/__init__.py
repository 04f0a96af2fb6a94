"""The benchmarks, one folder each (`<name>/benchmark.py` declares it); the registry looks only here."""
