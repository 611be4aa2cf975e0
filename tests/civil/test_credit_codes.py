import pytest

from shequ.civil.credit_codes import check_character, credit_code_clean, is_valid
from shequ.core.errors import DomainError


@pytest.mark.parametrize(
    "code",
    [
        "91350100M000100Y43",  # an enterprise (工商), the standard's own example
        "91110000600037341L",
        # Built here on the real layout, check characters computed by hand from the weights:
        # a village collective economic organisation (农业农村部门, N), a military-registered
        # body (A), an "other authority" code (Y), a civil-affairs social organisation (5).
        "N2510107MF" + "0000012" + check_character("N2510107MF0000012"),
        "A1510100MB" + "1234567" + check_character("A1510100MB1234567"),
        "Y1510104MC" + "7654321" + check_character("Y1510104MC7654321"),
        "52510107MJ" + "0012345" + check_character("52510107MJ0012345"),
    ],
)
def test_valid_codes_pass_including_n_a_and_y(code: str) -> None:
    assert credit_code_clean(code) == code
    assert is_valid(code)


def test_the_n_code_check_character_is_the_mod_31_one() -> None:
    # Σ value×weight for N2510107MF0000012 (N = 21, M = 21, F = 15): 1186;
    # 1186 mod 31 = 8; 31 − 8 = 23 → the 24th character, "P".
    assert check_character("N2510107MF0000012") == "P"


def test_full_width_and_lower_case_read_as_the_code() -> None:
    assert credit_code_clean("９１３５０１００ｍ０００１００ｙ４３") == "91350100M000100Y43"


@pytest.mark.parametrize(
    ("code", "error"),
    [
        ("91350100M000100Y44", "credit_code_check"),
        ("91350100M000100Y4", "credit_code_length"),
        ("91350100M00010OY43", "credit_code_characters"),
        ("0135010000000100Y4", "credit_code_characters"),
        ("9135A100M000100Y43", "credit_code_division"),
    ],
)
def test_bad_codes_are_refused_in_words(code: str, error: str) -> None:
    with pytest.raises(DomainError) as caught:
        credit_code_clean(code)
    assert caught.value.code == error
