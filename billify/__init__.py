"""Billify: upload invoices, get told what you spent."""

__version__ = "0.1.0"
