"""A self-declared ID number is ID_CHECKED; agreeing with a staff-entered record is more."""

import pytest
from django.test import Client, override_settings

from shequ.people.checks import required_levels_are_sound
from shequ.people.models import User, VerificationLevel
from shequ.people.services.accounts import user_register
from shequ.people.services.residents import resident_check_id
from tests.factories import NIJIAQIAO, make_resident, valid_id_number

pytestmark = pytest.mark.usefixtures("chengdu")


def _register(username: str = "xiaoli", phone: str = "13800138000") -> User:
    return user_register(username=username, password="tianfu-2026!", phone=phone)


def test_only_a_registry_record_gives_the_registry_match() -> None:
    invented = resident_check_id(
        user=_register(), real_name="李晓雨", id_number=valid_id_number(), community_code=NIJIAQIAO
    )
    assert invented.verification_level == VerificationLevel.ID_CHECKED
    id_number = valid_id_number()
    make_resident(NIJIAQIAO, name="王芳", id_number=id_number)
    matched = resident_check_id(
        user=_register("wangfang", "13800138001"),
        real_name="王芳",
        id_number=id_number,
        community_code=NIJIAQIAO,
    )
    assert matched.verification_level == VerificationLevel.REGISTRY_MATCHED


def test_a_self_declared_record_left_without_account_is_no_registry_evidence() -> None:
    id_number = valid_id_number()
    first = resident_check_id(
        user=_register(), real_name="李晓雨", id_number=id_number, community_code=NIJIAQIAO
    )
    first.user = None
    first.save()
    again = resident_check_id(
        user=_register("again", "13800138002"),
        real_name="李晓雨",
        id_number=id_number,
        community_code=NIJIAQIAO,
    )
    assert again.verification_level == VerificationLevel.ID_CHECKED


def test_profile_lists_each_action_with_its_level(client: Client) -> None:
    user = _register()
    resident_check_id(
        user=user, real_name="李晓雨", id_number=valid_id_number(), community_code=NIJIAQIAO
    )
    client.force_login(user)
    page = client.get("/accounts/profile/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert 'data-testid="action-vote"' in page
    assert "参与式预算投票" in page
    assert "需要“与社区居民登记信息核对一致”" in page
    assert "社区服务中心" in page


@override_settings(SHEQU_REQUIRED_LEVELS={"vote": "registered", "support": "x", "sing": 2})
def test_the_system_check_refuses_bad_required_levels() -> None:
    problems = [str(message.msg) for message in required_levels_are_sound(None)]
    assert len(problems) == 3


def test_the_shipped_required_levels_are_sound() -> None:
    assert required_levels_are_sound(None) == []
