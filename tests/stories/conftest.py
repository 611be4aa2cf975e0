from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from shequ.core.scopes import Role
from shequ.people.models import User
from shequ.stories import services
from shequ.stories.models import Item
from tests.factories import NIJIAQIAO, make_resident, make_staff, make_user
from tests.images import jpeg


@pytest.fixture
def donor(chengdu: None) -> User:
    user = make_user("donor")
    make_resident(NIJIAQIAO, name="王秀英", user=user)
    return user


@pytest.fixture
def worker(chengdu: None) -> User:
    return make_staff("story-worker", Role.COMMUNITY_WORKER, NIJIAQIAO)


def photo(name: str = "old.jpg", width: int = 1600, height: int = 1200) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, jpeg(width, height, gps=True), content_type="image/jpeg")


def donation(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "kind": "photo",
        "title": "1985年的玉林菜市场",
        "description": "这是我父亲在菜市场门口拍的，那时候还是露天的。",
        "era": "1980年代",
        "place": "玉林北路",
        "licence": "cc_by_nc",
        "audience": "public",
        "show_donor_name": True,
    }
    data.update(overrides)
    return data


def donate(user: User, **overrides: Any) -> Item:
    return services.item_submit(actor=user, data=donation(**overrides), photo=photo())
