"""Error reports to a Sentry-compatible service, only when SENTRY_DSN is set.

No personal data is sent (send_default_pii off: no cookies, no user emails, no addresses);
each report is tagged with the request id (and task id) so it can be found in the logs.
"""

from config.observability import context


def _tag_with_context(event, _hint):
    values = context.current()
    tags = event.setdefault("tags", {})
    for name in ("request_id", "task_id", "task_name"):
        if values.get(name):
            tags.setdefault(name, values[name])
    return event


def init_error_reporting(*, dsn: str, environment: str, release: str, traces_sample_rate: float):
    if not dsn:
        return False
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        release=release or None,
        traces_sample_rate=traces_sample_rate,
        send_default_pii=False,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        before_send=_tag_with_context,
    )
    return True
