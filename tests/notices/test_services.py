import pytest
from django.core import mail

from shequ.core.errors import DomainError, NotFound, PermissionDenied
from shequ.core.models import AuditEvent
from shequ.core.scopes import Role
from shequ.notices import selectors, services
from shequ.notices.models import Category, CommunityNotice, Message
from tests.factories import NIJIAQIAO, SHUIJINGFANG, YULIN, make_resident, make_staff, make_user


@pytest.fixture
def resident_user(chengdu: None):
    user = make_user("resident1", email="r1@example.cn")
    make_resident(NIJIAQIAO, user=user)
    return user


def test_message_reaches_inbox_and_counts_as_unread(resident_user) -> None:
    services.message_send(user_id=resident_user.pk, category="application", title="已受理")
    assert selectors.unread_count_for(user=resident_user) == 1
    message = selectors.message_list_for(user=resident_user).get()
    services.message_mark_read(actor=resident_user, message_id=message.pk)
    assert selectors.unread_count_for(user=resident_user) == 0


def test_sms_and_email_follow_only_when_chosen(
    resident_user, sms_outbox, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        services.message_send(user_id=resident_user.pk, category="bill", title="账单一")
    assert sms_outbox == []
    services.preference_set(actor=resident_user, category="bill", sms=True, email=True)
    with django_capture_on_commit_callbacks(execute=True):
        services.message_send(user_id=resident_user.pk, category="bill", title="账单二")
    assert len(sms_outbox) == 1
    assert "账单二" in sms_outbox[0][1]
    assert mail.outbox[-1].subject == "账单二"
    with django_capture_on_commit_callbacks(execute=True):
        services.message_send(user_id=resident_user.pk, category="booking", title="预约")
    assert len(sms_outbox) == 1


def test_email_preference_needs_an_address(chengdu: None) -> None:
    user = make_user("noemail")
    with pytest.raises(DomainError) as caught:
        services.preference_set(actor=user, category="bill", sms=False, email=True)
    assert caught.value.code == "no_email"


def test_nobody_reads_anothers_message(resident_user) -> None:
    other = make_user("other")
    message = services.message_send(user_id=resident_user.pk, category="system", title="x")
    with pytest.raises(NotFound):
        services.message_mark_read(actor=other, message_id=message.pk)
    assert Message.objects.get(pk=message.pk).read_at is None


def test_worker_publishes_to_own_community_only(resident_user) -> None:
    worker = make_staff("w1", Role.COMMUNITY_WORKER, NIJIAQIAO)
    notice = services.community_notice_publish(
        actor=worker, community_code=NIJIAQIAO, title="停水通知", body="周六停水"
    )
    assert notice.recipients == 1
    assert Message.objects.filter(user=resident_user, category=Category.COMMUNITY).count() == 1
    assert AuditEvent.objects.filter(verb="community_notice.publish").count() == 1
    with pytest.raises(PermissionDenied):
        services.community_notice_publish(
            actor=worker, community_code=SHUIJINGFANG, title="t", body="b"
        )
    assert CommunityNotice.objects.count() == 1


def test_street_officer_may_publish_inside_street(resident_user) -> None:
    officer = make_staff("s1", Role.STREET_OFFICER, YULIN)
    notice = services.community_notice_publish(
        actor=officer, community_code=NIJIAQIAO, title="t", body="b"
    )
    assert notice.community_id == NIJIAQIAO


@pytest.mark.parametrize(
    ("title", "body", "code", "field"),
    [
        ("", "b", "required", "title"),
        ("t", "<script>alert(1)</script>", "markup_not_allowed", "body"),
        ("x" * 121, "b", "too_long", "title"),
    ],
)
def test_bad_notice_changes_nothing(resident_user, title, body, code, field) -> None:
    worker = make_staff("w2", Role.COMMUNITY_WORKER, NIJIAQIAO)
    with pytest.raises(DomainError) as caught:
        services.community_notice_publish(
            actor=worker, community_code=NIJIAQIAO, title=title, body=body
        )
    assert (caught.value.code, caught.value.field) == (code, field)
    assert CommunityNotice.objects.count() == 0
    assert Message.objects.count() == 0


def test_auditor_may_not_publish(resident_user) -> None:
    auditor = make_staff("a1", Role.AUDITOR, NIJIAQIAO)
    with pytest.raises(PermissionDenied):
        services.community_notice_publish(
            actor=auditor, community_code=NIJIAQIAO, title="t", body="b"
        )


def test_resident_sees_only_own_community_notices(resident_user) -> None:
    services.community_notice_publish(
        actor=make_staff("w3", Role.COMMUNITY_WORKER, NIJIAQIAO),
        community_code=NIJIAQIAO,
        title="ours",
        body="b",
    )
    services.community_notice_publish(
        actor=make_staff("w4", Role.COMMUNITY_WORKER, SHUIJINGFANG),
        community_code=SHUIJINGFANG,
        title="theirs",
        body="b",
    )
    titles = [n.title for n in selectors.community_notice_list_for(user=resident_user)]
    assert titles == ["ours"]
