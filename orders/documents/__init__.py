"""Printable documents for orders: the consignment note that travels with the goods."""
