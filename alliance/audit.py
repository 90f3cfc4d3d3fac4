"""What every audited write of the alliance app does last: record the event, queue the email.

Shared by the services and the two-factor writes, so that one rule decides how an event is
recorded and how work is handed to the workers once the decision is committed.
"""

from functools import partial

from django.db import transaction

from alliance.models import MembershipEvent


def membership_event_record(*, action: str, **fields) -> MembershipEvent:
    return MembershipEvent.objects.create(action=action, **fields)


def after_commit(task, **kwargs) -> None:
    # robust: a broker or mail server that is down must not turn a decision that
    # is already committed into an error page; the failure is logged instead.
    transaction.on_commit(partial(task.delay, **kwargs), robust=True)
