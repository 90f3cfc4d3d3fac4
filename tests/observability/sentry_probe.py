"""Run in a subprocess by test_error_reporting: Django with SENTRY_DSN set, one view that
raises and one task that fails, each inside a request id (kept out of the test process, so
the SDK's global state never touches other tests)."""

import sys

import django


def main() -> int:
    django.setup()
    from celery import shared_task
    from django.test import Client, override_settings

    from config.observability import context

    @shared_task(name="tests.probe.failing_task")
    def failing_task():
        raise RuntimeError("the probe task failed on purpose")

    with override_settings(ROOT_URLCONF="tests.observability.sentry_urls", ALLOWED_HOSTS=["*"]):
        client = Client(raise_request_exception=False)
        response = client.get("/boom/", HTTP_X_REQUEST_ID="req-view-0001")
        print("view answered", response.status_code, response["X-Request-ID"])

    token = context.bind(request_id="req-task-0002")
    try:
        failing_task.apply()  # tasks in-process propagate their error (test settings)
    except RuntimeError:
        print("task state FAILURE")
    finally:
        context.reset(token)

    import sentry_sdk

    sentry_sdk.flush(timeout=10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
