"""Personal data: encrypted at rest, masked everywhere, found by blind index only."""

import logging

import pytest
from cryptography.fernet import Fernet
from django.db import connection

from shequ.core.pii import (
    PIIDecryptionError,
    PIIKind,
    PIIValue,
    blind_index,
    decrypt,
    encrypt,
    mask_id_number,
    mask_name,
    mask_numbers_in_text,
    mask_phone,
    rotate,
)
from shequ.people.models import Resident
from tests.factories import NIJIAQIAO, make_resident, valid_id_number


def test_masking_shapes() -> None:
    assert mask_id_number("51010719900307001X") == "5101**********001X"
    assert mask_phone("13812345678") == "138****5678"
    assert mask_name("张三") == "张*"
    assert mask_name("欧阳娜娜") == "欧**娜"


def test_pii_value_prints_masked_in_str_repr_format_and_logs(
    caplog: pytest.LogCaptureFixture,
) -> None:
    value = PIIValue(PIIKind.ID_NUMBER, plain="51010719900307001X")
    assert str(value) == "5101**********001X"
    assert "51010719900307001X" not in repr(value)
    assert f"{value}" == "5101**********001X"
    with caplog.at_level(logging.INFO):
        logging.getLogger("test").info("resident %s", value)
    assert "51010719900307001X" not in caplog.text
    assert "5101**********001X" in caplog.text
    assert value.reveal() == "51010719900307001X"


def test_ciphertext_round_trips_and_differs_each_time() -> None:
    first, second = encrypt("13812345678"), encrypt("13812345678")
    assert first != second
    assert decrypt(first) == decrypt(second) == "13812345678"


def test_decryption_with_unknown_key_is_loud() -> None:
    foreign = Fernet(Fernet.generate_key()).encrypt(b"13812345678").decode()
    with pytest.raises(PIIDecryptionError):
        decrypt(foreign)


def test_rotation_keeps_old_ciphertext_readable(settings: pytest.FixtureRequest) -> None:
    old_token = encrypt("13812345678")
    new_key = Fernet.generate_key().decode()
    settings.PII_ENCRYPTION_KEYS = [new_key, *settings.PII_ENCRYPTION_KEYS]  # type: ignore[attr-defined]
    assert decrypt(old_token) == "13812345678"
    rotated = rotate(old_token)
    settings.PII_ENCRYPTION_KEYS = [new_key]  # type: ignore[attr-defined]
    assert decrypt(rotated) == "13812345678"


def test_blind_index_is_deterministic_and_keyed(settings: pytest.FixtureRequest) -> None:
    index = blind_index(PIIKind.PHONE, "13812345678")
    assert index == blind_index(PIIKind.PHONE, "13812345678")
    assert index != blind_index(PIIKind.ID_NUMBER, "13812345678")
    settings.PII_BLIND_INDEX_KEY = "another-key"  # type: ignore[attr-defined]
    assert blind_index(PIIKind.PHONE, "13812345678") != index


@pytest.mark.django_db
def test_database_never_holds_plaintext_id_or_phone(chengdu: None) -> None:
    id_number = valid_id_number()
    resident = make_resident(NIJIAQIAO, id_number=id_number, phone="13912345678")
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM people_resident WHERE id = %s", [resident.pk])
        row = " ".join(str(v) for v in cursor.fetchone())
        cursor.execute("SELECT * FROM people_historicalresident")
        history = " ".join(str(v) for r in cursor.fetchall() for v in r)
        cursor.execute("SELECT * FROM people_user")
        users = " ".join(str(v) for r in cursor.fetchall() for v in r)
    for plaintext in (id_number, "13912345678", id_number[6:14] + id_number[14:]):
        assert plaintext not in row
        assert plaintext not in history
        assert plaintext not in users
    reloaded = Resident.objects.get(pk=resident.pk)
    assert reloaded.id_number is not None
    assert reloaded.id_number.reveal() == id_number
    assert str(reloaded.phone) == "139****5678"


def test_numbers_typed_into_text_are_masked_and_the_rest_kept() -> None:
    id_number = valid_id_number(region="510107", sequence=3)
    wrong_check = id_number[:17] + ("1" if id_number[17] != "1" else "2")
    text = (
        f"紧急联系人 李四 13912345678；母亲 139-1234-5678，+86 138 0000 1111；"
        f"身份证{id_number.lower()}；订单 2026010112345678901；编号{wrong_check}"
    )
    assert mask_numbers_in_text(text) == (
        f"紧急联系人 李四 139****5678；母亲 139****5678，+86 138****1111；"
        f"身份证{id_number[:4]}**********{id_number[-4:].lower()}；"
        f"订单 2026010112345678901；编号{wrong_check}"
    )
