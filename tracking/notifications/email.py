"""Email: one digest per member and shipment per short window (being built)."""


def enqueue(notifications) -> int:
    """Add notifications to their member's open digest for the shipment; send when due.

    Called inside the transaction that created the notifications.
    """
    return 0
