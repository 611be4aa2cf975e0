"""iCalendar (RFC 5545) export of bookings, written by hand: a handful of fields."""

from collections.abc import Iterable
from datetime import UTC, datetime

from django.utils import timezone

from shequ.bookings.models import Booking


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _fold(line: str) -> str:
    """Lines longer than 75 octets continue on the next line after a space."""
    raw = line.encode("utf-8")
    if len(raw) <= 75:
        return line
    parts, current = [], b""
    for char in line:
        encoded = char.encode("utf-8")
        if len(current) + len(encoded) > 74:
            parts.append(current.decode("utf-8"))
            current = b""
        current += encoded
    parts.append(current.decode("utf-8"))
    return "\r\n ".join(parts)


def bookings_to_ical(bookings: Iterable[Booking], *, host: str = "shequ.invalid") -> str:
    """A VCALENDAR with one VEVENT per confirmed booking (cancelled ones as CANCELLED)."""
    now = _stamp(timezone.now())
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//shequ//bookings//ZH",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
    ]
    for booking in bookings:
        if booking.status == Booking.Status.WAITING:
            continue
        slot, venue = booking.slot, booking.slot.venue
        lines += [
            "BEGIN:VEVENT",
            f"UID:booking-{booking.pk}@{host}",
            f"DTSTAMP:{now}",
            f"DTSTART:{_stamp(slot.starts_at)}",
            f"DTEND:{_stamp(slot.ends_at)}",
            f"SUMMARY:{_escape(venue.name)}",
            f"LOCATION:{_escape(venue.address or venue.name)}",
            "STATUS:"
            + ("CONFIRMED" if booking.status == Booking.Status.CONFIRMED else "CANCELLED"),
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return "\r\n".join(_fold(line) for line in lines) + "\r\n"
