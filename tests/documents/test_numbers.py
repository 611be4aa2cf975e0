"""Document numbers: readable, checked, forgiving of how people type them."""

from shequ.documents.numbers import ALPHABET, format_number, new_number, normalise


def test_a_new_number_reads_back_as_itself() -> None:
    number = new_number(2026)
    assert number.startswith("CD-2026-")
    assert len(number) == len("CD-2026-XXXX-XXXX-X")
    assert normalise(number) == number


def test_typing_without_dashes_in_small_letters_or_with_o_for_zero_is_understood() -> None:
    number = format_number(2026, "0K3M19XA")
    assert normalise(number.lower().replace("-", " ")) == number
    assert normalise(number.replace("0K3M", "OK3M")) == number


def test_one_mistyped_character_is_caught() -> None:
    number = format_number(2026, "7K3MQ9XA")
    for position in (8, 9, 13, 15):
        for char in ALPHABET:
            if char == number[position]:
                continue
            typo = number[:position] + char + number[position + 1 :]
            assert normalise(typo) is None, typo


def test_two_swapped_neighbours_are_caught() -> None:
    number = format_number(2026, "7K3MQ9XA")
    swapped = number[:8] + number[9] + number[8] + number[10:]
    assert normalise(swapped) is None


def test_malformed_input_is_refused() -> None:
    for text in (
        "",
        "CD-2026",
        "XX-2026-7K3M-Q9XA-R",
        "CD-2026-7K3M-Q9X!-R",
        "CD-20A6-7K3M-Q9XA-R",
    ):
        assert normalise(text) is None
