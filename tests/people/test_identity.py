"""ID number (GB 11643-1999), mobile number and name validation vectors."""

from datetime import date

import pytest
from django.utils import translation

from shequ.core.errors import DomainError
from shequ.people.identity import (
    clean_plain_text,
    clean_real_name,
    id_check_character,
    normalise_mobile,
    parse_id_number,
)
from tests.factories import valid_id_number

# A textbook-valid number (check digit computed by hand: sum 189, 189 mod 11 = 2 -> "X").
KNOWN_VALID = "11010519491231002X"


def test_known_vector_check_character() -> None:
    assert id_check_character("11010519491231002") == "X"
    assert id_check_character("51010719900307001") == KNOWN_CHECK_51


KNOWN_CHECK_51 = "10X98765432"[
    sum(
        int(d) * w
        for d, w in zip(
            "51010719900307001", (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2), strict=True
        )
    )
    % 11
]


def test_valid_number_is_parsed_into_birth_date_and_sex() -> None:
    parsed = parse_id_number(KNOWN_VALID)
    assert parsed.value == KNOWN_VALID
    assert parsed.birth_date == date(1949, 12, 31)
    assert parsed.sex == "F"  # 17th digit 2 is even
    assert parsed.region_code == "110105"


def test_lowercase_x_and_spaces_are_normalised() -> None:
    assert parse_id_number(" 11010519491231002x ").value == KNOWN_VALID


@pytest.mark.parametrize(
    ("raw", "code", "zh_fragment"),
    [
        ("", "id_required", "请输入"),
        ("51010719900307", "id_length", "18"),
        ("5101071990030700123", "id_length", "19"),
        ("51010719900307A01X", "id_characters", "数字"),
        ("99010719900307001X", "id_region", "990107"),
        ("51000019900307001X", "id_region", "510000"),
        ("510107199002300011", "id_birth_date", "19900230"),
        ("510107189912310011", "id_birth_date", "18991231"),
        ("510107209912310011", "id_birth_date", "20991231"),
    ],
)
def test_invalid_numbers_name_the_wrong_part(raw: str, code: str, zh_fragment: str) -> None:
    with translation.override("zh-hans"), pytest.raises(DomainError) as caught:
        parse_id_number(raw, today=date(2026, 11, 26))
    assert caught.value.code == code
    assert caught.value.field == "id_number"
    assert zh_fragment in str(caught.value)


def test_wrong_check_digit_is_rejected_with_its_own_message() -> None:
    good = valid_id_number()
    wrong = good[:17] + ("0" if good[17] != "0" else "1")
    with translation.override("zh-hans"), pytest.raises(DomainError) as caught:
        parse_id_number(wrong)
    assert caught.value.code == "id_check_digit"
    assert "校验码" in str(caught.value)
    with translation.override("en"):
        assert "check digit" in str(caught.value)


@pytest.mark.parametrize("raw", ["13812345678", "+86 138 1234 5678", "0086-13812345678"])
def test_mobile_numbers_are_normalised(raw: str) -> None:
    assert normalise_mobile(raw) == "13812345678"


@pytest.mark.parametrize(
    "raw", ["", "1381234567", "23812345678", "12812345678", "138123456789", "138-abcd-5678"]
)
def test_bad_mobile_numbers_are_refused(raw: str) -> None:
    with translation.override("zh-hans"), pytest.raises(DomainError) as caught:
        normalise_mobile(raw)
    assert caught.value.code == "phone_format"
    assert "手机号" in str(caught.value)


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("", "name_required"),
        ("张" * 31, "name_too_long"),
        ("张", "name_characters"),
        ("<script>", "name_characters"),
        ("张三1", "name_characters"),
    ],
)
def test_bad_names_are_refused(raw: str, code: str) -> None:
    with pytest.raises(DomainError) as caught:
        clean_real_name(raw)
    assert caught.value.code == code


def test_names_with_middle_dot_are_accepted() -> None:
    assert clean_real_name("  买买提·艾力  ") == "买买提·艾力"


def test_markup_in_free_text_is_refused() -> None:
    with pytest.raises(DomainError) as caught:
        clean_plain_text("hi <script>alert(1)</script>", field="note", max_length=100)
    assert caught.value.code == "markup_not_allowed"
    assert clean_plain_text("a < b", field="note", max_length=100) == "a < b"


# Arabic-Indic (U+0660…) spelling of KNOWN_VALID: int() reads these digits, isdigit() is true.
ARABIC_INDIC = KNOWN_VALID[:17].translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")) + "X"


@pytest.mark.parametrize(
    "raw",
    [
        "１１０１０５１９４９１２３１００２Ｘ",  # full-width, as a Chinese input method types it
        "1101051949123100²X",  # a superscript 2: NFKC reads it as 2
        "110105 19491231 002ｘ",
    ],
)
def test_compatibility_digits_are_read_as_their_ascii_digits(raw: str) -> None:
    assert parse_id_number(raw).value == KNOWN_VALID


@pytest.mark.parametrize("raw", [ARABIC_INDIC, KNOWN_VALID[:16] + "٢X", KNOWN_VALID[:17] + "٢"])
def test_digits_of_other_scripts_are_refused_in_the_users_language(raw: str) -> None:
    with translation.override("zh-hans"), pytest.raises(DomainError) as caught:
        parse_id_number(raw)
    assert caught.value.code == "id_characters"
    assert "数字" in str(caught.value)
    with translation.override("en"):
        assert "digits" in str(caught.value)


def test_a_hainan_number_of_the_1988_to_2002_county_codes_is_accepted() -> None:
    # 460025 定安县 was a county directly under the province from 1988 to 2002.
    number = valid_id_number(region="460025", born=date(1995, 6, 15))
    parsed = parse_id_number(number, today=date(2026, 11, 26))
    assert parsed.region_code == "460025"
    assert parsed.birth_date == date(1995, 6, 15)
    assert parse_id_number(valid_id_number(region="460001", born=date(1995, 1, 2))).value


def test_a_code_may_be_newer_than_the_person_but_not_retired_before_their_birth() -> None:
    # 武侯区 got 510107 in 1990: people born earlier were given it when they were registered.
    assert parse_id_number(valid_id_number(region="510107", born=date(1962, 5, 1))).value
    # 双流县 (510122) became 双流区 in 2015: nobody born after that can have the county code.
    retired = valid_id_number(region="510122", born=date(2016, 5, 1))
    with translation.override("zh-hans"), pytest.raises(DomainError) as caught:
        parse_id_number(retired)
    assert caught.value.code == "id_region"
    assert "510122" in str(caught.value)
    assert "2016" in str(caught.value)


@pytest.mark.parametrize("region", ["510140", "469999", "110199", "460000"])
def test_a_checksum_valid_number_with_a_county_that_does_not_exist_is_refused(
    region: str,
) -> None:
    number = valid_id_number(region=region, born=date(1995, 6, 15))
    assert id_check_character(number[:17]) == number[17]
    with translation.override("zh-hans"), pytest.raises(DomainError) as caught:
        parse_id_number(number)
    assert caught.value.code == "id_region"
    assert str(caught.value) == f"地区码 {region} 不是有效的行政区划代码。"


@pytest.mark.parametrize(
    "raw", ["１３８ １２３４ ５６７８", "＋８６１３８１２３４５６７８", "13812345678\u3000"]
)
def test_full_width_mobile_numbers_are_read_as_ascii(raw: str) -> None:
    assert normalise_mobile(raw) == "13812345678"


@pytest.mark.parametrize("raw", ["١٣٨١٢٣٤٥٦٧٨", "1381234567٨", "138०१२३४५६७८"])
def test_mobile_numbers_in_other_scripts_digits_are_refused(raw: str) -> None:
    with translation.override("zh-hans"), pytest.raises(DomainError) as caught:
        normalise_mobile(raw)
    assert caught.value.code == "phone_format"
    assert "手机号" in str(caught.value)
