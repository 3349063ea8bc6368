"""Importing data from files: orders from CSV today (``perno import orders``)."""
