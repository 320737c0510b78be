"""convlab's autograder: grades numpy CNN exercises against PyTorch, in isolation."""

__version__ = "0.1.0"
