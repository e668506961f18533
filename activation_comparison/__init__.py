"""The library behind compare_activations.py: data, storage, training, experiment and reports."""
