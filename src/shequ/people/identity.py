"""Identity documents and contact details: parsing with precise, translated errors.

The resident identity card number (居民身份证号码) follows GB 11643-1999: six digits of
region code, eight of birth date, three of sequence (odd for men, even for women) and an
ISO 7064 MOD 11-2 check character.
"""

import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from stdnum import numdb

from shequ.core.digits import canonical, is_ascii_digits
from shequ.core.errors import DomainError
from shequ.core.pii import id_check_character as id_check_character
from shequ.core.pii import mask_numbers_in_text

EARLIEST_BIRTH = date(1900, 1, 1)


@dataclass(frozen=True)
class IdNumber:
    value: str
    region_code: str
    birth_date: date
    sex: str  # "M" or "F"


@lru_cache(maxsize=8192)
def region_periods(region: str) -> tuple[tuple[int | None, int | None], ...]:
    """The (first, last) years in which a GB/T 2260 county code was in use; empty if never.

    From the full table bundled with python-stdnum (``stdnum/cn/loc.dat``), which keeps the
    historical codes: Hainan's ``4600xx`` counties of 1988–2002, Chengdu's districts before the
    1990 reorganisation. ``None`` stands for an open end; a code without a period is current.
    """
    parts = numdb.get("cn/loc").info(region)
    county = next((props["county"] for _part, props in parts if "county" in props), "")
    periods: list[tuple[int | None, int | None]] = []
    for entry in filter(None, county.split(",")):
        if not entry.startswith("["):
            periods.append((None, None))
            continue
        first, _dash, last = entry[1 : entry.index("]")].partition("-")
        periods.append((int(first) if first else None, int(last) if last else None))
    return tuple(periods)


def age_on(birth: date, day: date) -> int:
    """Full years of age on ``day`` (someone born on 29 February turns a year older on
    1 March in other years)."""
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def _id_error(code: str, message: object) -> DomainError:
    return DomainError(code, message, field="id_number")  # type: ignore[arg-type]


def parse_id_number(raw: str, *, today: date | None = None) -> IdNumber:
    """Validate and normalise an ID number. Raises: DomainError naming the part that is wrong.

    The number is brought to NFKC first (full-width digits from an input method count), and
    then only the ASCII digits and X are accepted, so one card has exactly one spelling and
    one blind index.
    """
    value = "".join(canonical(raw).split())
    if not value:
        raise _id_error("id_required", _("Please enter your ID number."))
    if len(value) != 18:
        raise DomainError(
            "id_length",
            _("An ID number has 18 characters; this one has %(n)d."),
            field="id_number",
            n=len(value),
        )
    if not is_ascii_digits(value[:17]) or not (is_ascii_digits(value[17]) or value[17] in "xX"):
        raise _id_error(
            "id_characters",
            _("The first 17 characters of an ID number are digits; the last is a digit or X."),
        )
    value = value.upper()
    region = value[:6]
    periods = region_periods(region)
    # A province's own code (xx0000) names no registry office, so no card carries it.
    if not periods or region.endswith("0000"):
        raise DomainError(
            "id_region",
            _("The region code %(region)s is not a known region."),
            field="id_number",
            region=region,
        )
    try:
        born = date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        raise DomainError(
            "id_birth_date",
            _("%(date)s is not a real date of birth."),
            field="id_number",
            date=value[6:14],
        ) from None
    today = today or timezone.localdate()
    if born < EARLIEST_BIRTH or born > today:
        raise DomainError(
            "id_birth_date",
            _("%(date)s is not a possible date of birth."),
            field="id_number",
            date=value[6:14],
        )
    # A number gets the code of the registry office at the time it is given: at birth, or
    # for older people when cards began (1984). So the code may be newer than the birth (not
    # python-stdnum's rule, which would refuse every Hainan number of someone born before
    # 1988), but it cannot have been retired before the person was born.
    if not any(last is None or last >= born.year for _first, last in periods):
        raise DomainError(
            "id_region",
            _("The region code %(region)s was retired before %(year)s, the year of birth."),
            field="id_number",
            region=region,
            year=str(born.year),
        )
    if id_check_character(value[:17]) != value[17]:
        raise _id_error(
            "id_check_digit",
            _("The last character (check digit) does not match: please check each digit."),
        )
    return IdNumber(
        value=value, region_code=region, birth_date=born, sex="M" if int(value[16]) % 2 else "F"
    )


# ASCII only: in Python's re, \d would also match other scripts' digits.
MOBILE_PATTERN = re.compile(r"^1[3-9][0-9]{9}$")


def normalise_mobile(raw: str) -> str:
    """A mainland mobile number: 11 digits starting 13–19; +86 and spaces are allowed.

    Full-width digits count (NFKC); other scripts' digits do not, so one phone has one
    spelling and one blind index. Raises: DomainError("phone_format").
    """
    value = re.sub(r"[\s-]", "", canonical(raw))
    if value.startswith("+86"):
        value = value[3:]
    elif value.startswith("0086"):
        value = value[4:]
    if not MOBILE_PATTERN.fullmatch(value):
        raise DomainError(
            "phone_format",
            _("Please enter a mainland mobile number: 11 digits starting with 13 to 19."),
            field="phone",
        )
    return value


NAME_PATTERN = re.compile(r"^[\u3400-\u9fff\u00b7·A-Za-z][\u3400-\u9fff\u00b7·A-Za-z .]*$")


def clean_real_name(raw: str) -> str:
    """A real name as on the ID card: 2–30 characters, Chinese or Latin letters, ·.

    Raises: DomainError naming the problem.
    """
    value = " ".join(raw.split())
    if not value:
        raise DomainError("name_required", _("Please enter your real name."), field="real_name")
    if len(value) > 30:
        raise DomainError(
            "name_too_long", _("A name may have at most 30 characters."), field="real_name"
        )
    if len(value) < 2 or not NAME_PATTERN.match(value):
        raise DomainError(
            "name_characters",
            _("Please enter your name as on your ID card (Chinese characters, letters or ·)."),
            field="real_name",
        )
    return value


def clean_plain_text(raw: str, *, field: str, max_length: int, required: bool = False) -> str:
    """Free text that must not carry markup (we escape on output too; this keeps data clean).

    Raises: DomainError.
    """
    value = raw.strip()
    if required and not value:
        raise DomainError("required", _("This field is required."), field=field)
    if len(value) > max_length:
        raise DomainError("too_long", _("At most %(max)d characters."), field=field, max=max_length)
    if re.search(r"</?[a-zA-Z!?]", value):
        raise DomainError(
            "markup_not_allowed", _("HTML or script is not allowed here."), field=field
        )
    return mask_numbers_in_text(value)
