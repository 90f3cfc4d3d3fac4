"""Onboarding emails go through a real Celery worker, after the approval commits."""

import pytest

from alliance import services
from tests.conftest import wait_for
from tests.factories import StaffFactory, submit_application

pytestmark = pytest.mark.services


def test_approval_invitation_is_sent_by_a_real_worker_after_commit(celery_worker):
    mail_dir = celery_worker
    staff = StaffFactory()
    application = submit_application()

    services.application_approve(application=application, actor=staff)

    def invitation():
        for path in mail_dir.glob("*.log"):
            text = path.read_text()
            if "/accounts/invitation/" in text:
                return text
        return None

    text = wait_for(invitation, timeout=60)
    assert text is not None, "the worker sent no invitation within a minute"
    assert "To: li.wei@yuxin.example" in text
    assert "Chongqing Yuxin" in text
