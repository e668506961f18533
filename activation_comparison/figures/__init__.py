"""Figures: matplotlib drawings of saved histories and verdict rows (Agg backend, atomic
PNG writes). Reads records only; imports `results` (atomic files) and `setup`. The figure
registry is `plotting.py`."""
