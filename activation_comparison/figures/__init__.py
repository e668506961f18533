"""Figures: matplotlib drawings of saved histories and verdict rows (Agg backend, atomic
PNG writes). Reads records only; imports `setup`. The figure registry is `plotting.py`."""
