"""Test doubles for the pluggable backends (never referenced by production settings)."""

from typing import ClassVar

from shequ.people.verifiers import VerifierResult


class MemorySmsBackend:
    """Keeps sent messages so tests can read the code a resident would receive."""

    outbox: ClassVar[list[tuple[str, str]]] = []

    def send(self, *, phone: str, text: str) -> None:
        MemorySmsBackend.outbox.append((phone, text))


class AuthorityVerifierDouble:
    """Answers like the public-security gateway for a fixed set of (name, ID) pairs."""

    known: ClassVar[set[tuple[str, str]]] = set()

    def verify(self, *, real_name: str, id_number: str) -> VerifierResult:
        if (real_name, id_number) in AuthorityVerifierDouble.known:
            return VerifierResult(matched=True, reference="GA-TEST-0001")
        return VerifierResult(matched=False, reference="GA-TEST-0002", message="no match")
