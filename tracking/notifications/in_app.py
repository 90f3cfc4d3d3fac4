"""The portal's bell: a notification for each active person of the member (being built)."""


def enqueue(notifications) -> int:
    """Put each notification in the bell of the member's active people.

    Called inside the transaction that created the notifications.
    """
    return 0
