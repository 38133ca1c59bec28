"""ITC-2007 Track 3 benchmark: ``python -m benchmarks.itc2007 --time-limit 60``."""
