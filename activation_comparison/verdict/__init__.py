"""Verdict: numbers from run records, no words. Statistics (pure functions of arrays), the
best set per activation, training failures, the test images' own noise. Imports `setup`
only."""
