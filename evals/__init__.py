"""Evaluation suites, data and the tools that author them."""
