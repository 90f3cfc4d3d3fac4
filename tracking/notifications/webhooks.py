"""Webhooks: signed deliveries with retries (being built)."""


def enqueue(notifications) -> int:
    """Create a delivery per active endpoint wanting each notification's topic; send after commit.

    Called inside the transaction that created the notifications.
    """
    return 0
