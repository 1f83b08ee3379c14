"""Readers of every input format, one module or subpackage per format."""
