"""Bulk import of orders from CSV or XLSX files."""
