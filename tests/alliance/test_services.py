import pytest
from django.core import mail
from django.db import IntegrityError

from alliance import services
from alliance.constants import ApiScope, UserRole
from alliance.exceptions import (
    DuplicateApplication,
    EmailTaken,
    InvalidTransition,
    LastAdministrator,
)
from alliance.models import Member, MembershipApplication, MembershipEvent, User
from config.exceptions import ApplicationError
from tests.factories import MemberFactory, UserFactory, application_data, submit_application

pytestmark = pytest.mark.django_db


def test_application_submit_records_and_acknowledges(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        application = submit_application()

    assert application.status == MembershipApplication.Status.PENDING
    assert application.events.get().action == MembershipEvent.Action.APPLICATION_SUBMITTED
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["li.wei@yuxin.example"]
    assert "Chongqing Yuxin" in mail.outbox[0].subject


def test_application_submit_refuses_second_pending_application_for_same_company():
    submit_application()

    with pytest.raises(DuplicateApplication, match="already under review"):
        submit_application(email="someone.else@yuxin.example")

    assert MembershipApplication.objects.count() == 1


def test_application_submit_refuses_company_that_is_already_a_member():
    MemberFactory(country="CN", registration_number="91500000MA5U7K3L28")

    with pytest.raises(DuplicateApplication, match="already a member"):
        submit_application()

    assert not MembershipApplication.objects.exists()


def test_application_submit_accepts_new_application_after_rejection(staff):
    rejected = submit_application()
    services.application_reject(application=rejected, actor=staff, reason="Licence unreadable")

    again = submit_application()

    assert again.status == MembershipApplication.Status.PENDING


def test_application_one_pending_per_company_is_enforced_by_the_database():
    submit_application()
    duplicate = MembershipApplication(
        **{
            **application_data(),
            "terms_accepted_at": MembershipApplication.objects.get().terms_accepted_at,
        }
    )

    with pytest.raises(IntegrityError):
        duplicate.save()


def test_application_approve_creates_member_and_first_admin_and_invites(
    staff, django_capture_on_commit_callbacks
):
    application = submit_application()
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        member = services.application_approve(application=application, actor=staff)

    application.refresh_from_db()
    admin = member.users.get()
    assert application.status == MembershipApplication.Status.APPROVED
    assert application.decided_by == staff and application.member == member
    assert member.legal_name == application.legal_name and member.is_active
    assert admin.email == "li.wei@yuxin.example" and admin.role == UserRole.ADMIN
    assert not admin.has_usable_password()
    assert [message.to for message in mail.outbox] == [["li.wei@yuxin.example"]]
    assert "/accounts/invitation/" in mail.outbox[0].body
    event = application.events.get(action=MembershipEvent.Action.APPLICATION_APPROVED)
    assert event.actor == staff and event.member == member


def test_application_approve_sends_nothing_when_the_transaction_fails(
    staff, django_capture_on_commit_callbacks
):
    application = submit_application()
    mail.outbox.clear()
    UserFactory(email="li.wei@yuxin.example")

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(EmailTaken):
        services.application_approve(application=application, actor=staff)

    application.refresh_from_db()
    assert application.status == MembershipApplication.Status.PENDING
    assert not Member.objects.filter(registration_number="91500000MA5U7K3L28").exists()
    assert mail.outbox == []


def test_application_approve_twice_is_refused(staff):
    application = submit_application()
    services.application_approve(application=application, actor=staff)

    with pytest.raises(InvalidTransition, match="already approved"):
        services.application_approve(application=application, actor=staff)

    assert Member.objects.filter(registration_number="91500000MA5U7K3L28").count() == 1


def test_application_reject_needs_a_reason(staff):
    application = submit_application()

    with pytest.raises(ApplicationError, match="reason"):
        services.application_reject(application=application, actor=staff, reason="   ")

    application.refresh_from_db()
    assert application.status == MembershipApplication.Status.PENDING


def test_application_reject_records_and_emails_the_reason(
    staff, django_capture_on_commit_callbacks
):
    application = submit_application(language="vi")
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        services.application_reject(
            application=application, actor=staff, reason="Licence expired in 2024"
        )

    application.refresh_from_db()
    assert application.status == MembershipApplication.Status.REJECTED
    assert application.rejection_reason == "Licence expired in 2024"
    event = application.events.get(action=MembershipEvent.Action.APPLICATION_REJECTED)
    assert (event.actor, event.reason) == (staff, "Licence expired in 2024")
    assert "Licence expired in 2024" in mail.outbox[0].body
    # The applicant chose Vietnamese, so the email is in Vietnamese.
    assert "Kính gửi" in mail.outbox[0].body


def test_member_suspend_needs_reason_and_is_audited(staff, member):
    with pytest.raises(ApplicationError):
        services.member_suspend(member=member, actor=staff, reason="")

    services.member_suspend(member=member, actor=staff, reason="Unpaid fees")

    member.refresh_from_db()
    assert member.status == Member.Status.SUSPENDED
    assert member.events.get().reason == "Unpaid fees"
    with pytest.raises(InvalidTransition):
        services.member_suspend(member=member, actor=staff, reason="Again")


def test_member_reactivate_restores_access(staff, member):
    services.member_suspend(member=member, actor=staff, reason="Unpaid fees")

    services.member_reactivate(member=member, actor=staff)

    member.refresh_from_db()
    assert member.is_active and member.suspension_reason == ""


def test_user_invite_creates_colleague_and_emails_link(
    member_admin, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        user = services.user_invite(
            member=member_admin.member,
            actor=member_admin,
            email="Dispatcher@Member.example",
            full_name="Chen Jing",
            role=UserRole.DISPATCHER,
        )

    assert user.email == "dispatcher@member.example"
    assert user.member == member_admin.member and user.role == UserRole.DISPATCHER
    assert mail.outbox[0].to == ["dispatcher@member.example"]


def test_user_invite_refuses_email_in_use_whatever_its_case(member_admin):
    with pytest.raises(EmailTaken):
        services.user_invite(
            member=member_admin.member,
            actor=member_admin,
            email=member_admin.email.upper(),
            full_name="Copy",
            role=UserRole.VIEWER,
        )


def test_user_change_role_keeps_at_least_one_admin(member_admin):
    with pytest.raises(LastAdministrator):
        services.user_change_role(user=member_admin, actor=member_admin, role=UserRole.VIEWER)

    second = UserFactory(member=member_admin.member, role=UserRole.ADMIN)
    services.user_change_role(user=member_admin, actor=second, role=UserRole.VIEWER)

    member_admin.refresh_from_db()
    assert member_admin.role == UserRole.VIEWER
    event = MembershipEvent.objects.get(action=MembershipEvent.Action.USER_ROLE_CHANGED)
    assert event.details == {"from": "admin", "to": "viewer"}


def test_user_deactivate_refuses_self_and_last_admin(member_admin):
    viewer = UserFactory(member=member_admin.member, role=UserRole.VIEWER)

    with pytest.raises(ApplicationError, match="your own"):
        services.user_deactivate(user=member_admin, actor=member_admin)
    with pytest.raises(LastAdministrator):
        services.user_deactivate(user=member_admin, actor=viewer)

    services.user_deactivate(user=viewer, actor=member_admin)
    viewer.refresh_from_db()
    assert not viewer.is_active


def test_api_key_create_stores_only_a_hash(member_admin):
    api_key, raw_key = services.api_key_create(
        member=member_admin.member,
        actor=member_admin,
        name="Telematics",
        scopes=[ApiScope.EVENTS_WRITE, ApiScope.TRIPS_READ],
    )

    assert raw_key.startswith(f"lak_{api_key.prefix}")
    assert raw_key not in api_key.hashed_secret
    assert services.api_key_matches(api_key, raw_key)
    assert not services.api_key_matches(api_key, raw_key + "x")
    assert api_key.scopes == ["events:write", "trips:read"]


def test_api_key_create_refuses_unknown_or_no_scopes(member_admin):
    for scopes in ([], ["everything"]):
        with pytest.raises(ApplicationError, match="scope"):
            services.api_key_create(
                member=member_admin.member, actor=member_admin, name="Bad", scopes=scopes
            )
    assert not member_admin.member.api_keys.exists()


def test_api_key_revoke_once(member_admin):
    api_key, _raw = services.api_key_create(
        member=member_admin.member, actor=member_admin, name="Old", scopes=[ApiScope.MEMBERS_READ]
    )

    services.api_key_revoke(api_key=api_key, actor=member_admin)

    api_key.refresh_from_db()
    assert api_key.is_revoked and api_key.revoked_by == member_admin
    with pytest.raises(InvalidTransition):
        services.api_key_revoke(api_key=api_key, actor=member_admin)


def test_user_model_email_is_unique_regardless_of_case():
    User.objects.create_user(email="Ops@Example.com", full_name="Ops")

    with pytest.raises(IntegrityError):
        User.objects.create(email="OPS@example.com", full_name="Copy")
