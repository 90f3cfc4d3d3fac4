"""Rebuild every week's operations figures and the operation index from the recorded data."""

import time

from django.core.management.base import BaseCommand

from tracking.operations.refresh import refresh


class Command(BaseCommand):
    help = "Rebuild the weekly operations figures and the operation index from scratch."

    def handle(self, *args, **options):
        started = time.perf_counter()
        rows = refresh(full=True)
        elapsed = time.perf_counter() - started
        self.stdout.write(f"Rebuilt {rows} weekly figure rows in {elapsed:.1f} s.")
