"""Benchmarks: each is ``python -m benchmarks.<name> [--smoke]`` and prints one JSON line on stdout.

Each measures its own floor in the same run, so the figures are read as ratios, not absolute numbers.
"""
