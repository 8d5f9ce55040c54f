"""Benchmarks: our ops and models side by side with PyTorch CPU in one process, reported as ratios.

Never run as tests; `python -m resnet_np bench` and the scripts in benchmarks/ call these.
"""
