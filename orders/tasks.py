"""Celery adapters of orders: each loads what it needs and calls one service."""

from celery import shared_task


@shared_task
def close_settled_orders() -> int:
    from orders.services import orders_close_settled

    return orders_close_settled()


@shared_task
def forget_idempotency_keys() -> int:
    from orders.idempotency import forget_expired

    return forget_expired()
