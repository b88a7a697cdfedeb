"""Measurement programs: the benchmark, Human3.6M evaluation, side-by-side comparison, sample footage.

The runtime never imports this room; the app's Compare page and the commands do.
"""
