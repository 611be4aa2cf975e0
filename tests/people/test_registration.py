"""Registration by SMS code and the real-name check, as the pages answer them.

Neither page may tell whether a mobile number or an ID number already has an account: the
answers are the same, and the account's owner is told by text message instead.
"""

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.http import HttpResponse
from django.test import Client

from shequ.core.models import AuditEvent
from shequ.core.pii import PIIKind, blind_index
from shequ.people.models import Resident, User, VerificationLevel
from tests.factories import NIJIAQIAO, WUHOU, make_resident, make_user, valid_id_number

pytestmark = pytest.mark.usefixtures("chengdu")

PASSWORD = "Furong-huoguo-2024"
CODE = re.compile(r"\d{6}")
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"|"X-CSRFToken": "[^"]+"')


def _page(response: HttpResponse) -> str:
    """The page without its per-request CSRF tokens."""
    return CSRF.sub("", response.content.decode())


def _register(client: Client, phone: str, username: str = "wang_xiaoming") -> HttpResponse:
    return client.post(
        "/accounts/register/",
        {
            "username": username,
            "phone": phone,
            "password": PASSWORD,
            "password_again": PASSWORD,
        },
    )


def _code_in(text: str) -> str:
    found = CODE.search(text)
    assert found is not None, text
    return found.group(0)


def test_registration_finishes_with_the_code_sent_to_the_phone(
    client: Client,
    sms_outbox: list[tuple[str, str]],
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = _register(client, "+86 138 0013 8000")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/register/confirm/"
    assert not User.objects.exists()  # nothing until the phone is proven
    [(phone, text)] = sms_outbox
    assert phone == "13800138000"
    assert "注册验证码" in text
    page = client.get("/accounts/register/confirm/").content.decode()
    assert "138****8000" in page
    assert "13800138000" not in page

    code = _code_in(text)
    wrong = "000000" if code != "000000" else "111111"
    refused = client.post("/accounts/register/confirm/", {"code": wrong})
    assert refused.status_code == 400
    assert "验证码错误或已过期。" in refused.content.decode()
    # Full-width digits, as a Chinese input method may type them, are the same code.
    full_width = code.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    response = client.post("/accounts/register/confirm/", {"code": full_width})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/id-check/"
    user = User.objects.get(username="wang_xiaoming")
    assert user.phone_index == blind_index(PIIKind.PHONE, "13800138000")
    assert user.check_password(PASSWORD)
    assert client.get("/accounts/profile/").status_code == 200  # signed in
    assert AuditEvent.objects.filter(verb="user.register", object_id=str(user.pk)).exists()


def test_five_wrong_codes_use_up_the_registration(
    client: Client,
    sms_outbox: list[tuple[str, str]],
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        _register(client, "13800138000")
    code = _code_in(sms_outbox[0][1])
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        client.post("/accounts/register/confirm/", {"code": wrong})
    response = client.post("/accounts/register/confirm/", {"code": code})
    assert response.status_code == 400
    assert not User.objects.exists()


def test_registration_answers_alike_whether_the_phone_has_an_account_and_tells_the_owner(
    sms_outbox: list[tuple[str, str]],
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    owner = make_user("laoli", phone="13800138000")
    # Both numbers are shown masked as 138****8000, so the pages can be compared whole.
    taken, free = Client(), Client()
    with django_capture_on_commit_callbacks(execute=True):
        taken_answer = _register(taken, "13800138000")
    notices = list(sms_outbox)
    sms_outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        free_answer = _register(free, "13811118000")

    assert taken_answer.status_code == free_answer.status_code == 302
    assert taken_answer["Location"] == free_answer["Location"]
    taken_page = taken.get(taken_answer["Location"])
    free_page = free.get(free_answer["Location"])
    assert taken_page.status_code == free_page.status_code == 200
    assert _page(taken_page) == _page(free_page)
    wrong_taken = taken.post("/accounts/register/confirm/", {"code": "123456"})
    wrong_free = free.post("/accounts/register/confirm/", {"code": "123456"})
    assert wrong_taken.status_code == wrong_free.status_code
    assert _page(wrong_taken) == _page(wrong_free)

    # The owner of the taken number gets a note, in Chinese, with no code in it.
    [(phone, text)] = notices
    assert phone == "13800138000"
    assert "已有账号" in text
    assert CODE.search(text) is None
    assert [phone for phone, _text in sms_outbox] == ["13811118000"]
    assert list(User.objects.values_list("username", flat=True)) == [owner.username]
    event = AuditEvent.objects.get(verb="user.owner_notified")
    assert event.object_id == str(owner.pk)


def test_a_taken_username_is_still_said_and_bad_input_is_refused(client: Client) -> None:
    make_user("wang_xiaoming")
    response = _register(client, "13800138000")
    assert response.status_code == 400
    assert "该用户名已被使用。" in response.content.decode()
    response = _register(client, "١٣٨٠٠١٣٨٠٠٠", username="xiaohong")
    assert response.status_code == 400
    assert "请输入中国大陆手机号" in response.content.decode()
    assert client.get("/accounts/register/confirm/")["Location"] == "/accounts/register/"


def test_owner_notices_are_limited_so_the_page_cannot_flood_a_phone(
    sms_outbox: list[tuple[str, str]],
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    make_user("laoli", phone="13800138000")
    for attempt in range(5):
        with django_capture_on_commit_callbacks(execute=True):
            _register(Client(), "13800138000", username=f"someone{attempt}")
    assert len(sms_outbox) == 3


def _check_id(client: Client, name: str, id_number: str) -> HttpResponse:
    return client.post(
        "/accounts/id-check/",
        {
            "real_name": name,
            "id_number": id_number,
            "district": WUHOU,
            "street": "510107005000",
            "community": NIJIAQIAO,
        },
    )


def _errors(response: HttpResponse) -> list[str]:
    return re.findall(r'data-testid="(?:error-\w+|form-error)">([^<]*)<', _page(response))


def test_id_check_answers_alike_whether_the_id_number_has_an_account_and_tells_the_owner(
    client: Client,
    sms_outbox: list[tuple[str, str]],
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    owner = make_user("laoli", phone="13800138000")
    taken = valid_id_number()
    make_resident(name="李老", id_number=taken, user=owner)
    in_registry = valid_id_number()
    make_resident(name="王芳", id_number=in_registry, level=VerificationLevel.REGISTERED)
    client.force_login(make_user("stranger", phone="13900139000"))

    answers = []
    for name, number in [("李老", taken), ("张三", taken), ("张三", in_registry)]:
        with django_capture_on_commit_callbacks(execute=True):
            response = _check_id(client, name, number)
        answers.append((response.status_code, _errors(response)))
    # Right name or wrong, account or only a registry record: one answer.
    assert answers[0] == answers[1] == answers[2]
    status, errors = answers[0]
    assert status == 200
    assert errors == [
        "无法核验该姓名与身份证号。如果该身份证号是您本人的，请携带身份证前往社区服务中心办理。"
    ]

    # Only the owner of the account is told, once per attempt on their number.
    assert [phone for phone, _text in sms_outbox] == ["13800138000", "13800138000"]
    assert "实名认证" in sms_outbox[0][1]
    assert Resident.objects.get(id_number_index=blind_index(PIIKind.ID_NUMBER, taken)).user == owner
    assert not Resident.objects.filter(user__username="stranger").exists()


def test_an_id_number_in_another_scripts_digits_cannot_bind_a_second_account(
    client: Client,
) -> None:
    number = valid_id_number()
    owner = make_user("laoli")
    client.force_login(owner)
    assert _check_id(client, "李老", number).status_code == 302
    client.force_login(make_user("impostor"))
    arabic_indic = number[:17].translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")) + number[17]
    response = _check_id(client, "李老", arabic_indic)
    assert response.status_code == 200
    assert _errors(response) == ["身份证号前17位必须是数字，最后一位是数字或X。"]
    # Full-width is read as the same number, so it meets the same index: refused as taken.
    full_width = number.translate(str.maketrans("0123456789X", "０１２３４５６７８９Ｘ"))
    response = _check_id(client, "李老", full_width)
    assert response.status_code == 200
    assert _errors(response)[0].startswith("无法核验该姓名与身份证号")
    assert Resident.objects.filter(user__isnull=False).count() == 1


def test_a_superscript_digit_on_the_id_check_page_is_read_not_a_server_error(
    client: Client,
) -> None:
    number = "11010519491231002X"
    client.force_login(make_user("laoli"))
    response = _check_id(client, "李老", number[:15] + "⁰" + number[16:])
    assert response.status_code == 302
    resident = Resident.objects.get(user__username="laoli")
    assert resident.id_number_index == blind_index(PIIKind.ID_NUMBER, number)


def test_login_reads_the_mobile_number_as_registration_does(client: Client) -> None:
    make_user("xiaoli", password=PASSWORD, phone="13800138000")
    for typed in ["１３８００１３８０００", "+86 138 0013 8000"]:
        response = client.post("/accounts/login/", {"username": typed, "password": PASSWORD})
        assert response.status_code == 302, typed
        client.post("/accounts/logout/")
    response = client.post("/accounts/login/", {"username": "١٣٨٠٠١٣٨٠٠٠", "password": PASSWORD})
    assert response.status_code == 200
