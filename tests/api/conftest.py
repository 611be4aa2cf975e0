"""Reports how many operations and cases the schemathesis run sent, and how long it took."""

import pytest


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    from tests.api.test_schemathesis import TALLY

    if not TALLY:
        return
    lines = [
        f"{role}: {len(t.operations)} operations, {t.cases} cases, {t.seconds:.0f} s"
        for role, t in sorted(TALLY.items())
    ]
    terminalreporter.write_sep("-", "schemathesis")
    for line in lines:
        terminalreporter.write_line(line)
