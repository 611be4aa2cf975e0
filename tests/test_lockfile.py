"""The locks in requirements/ agree with pyproject.toml and with what is installed.

`make install` installs only what the locks pin (``pip install --require-hashes``), so a
dependency added to pyproject.toml without `make lock` would be missing on a fresh machine, and a
range tightened without `make lock` would leave production on a release the range excludes.
These tests name the package and the command that fixes it.
"""

import re
import tomllib
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import pytest
from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]
LOCK = ROOT / "requirements" / "lock.txt"
DEV_LOCK = ROOT / "requirements" / "dev-lock.txt"
NODE_IN = ROOT / "requirements" / "node.in"
NODE_LOCK = ROOT / "requirements" / "node-lock.txt"
SUPPORTED_PYTHONS = ("3.11", "3.12", "3.13")


@dataclass(frozen=True)
class Pin:
    name: NormalizedName
    version: Version
    marker: Marker | None
    hashes: tuple[str, ...]

    def applies(self, environment: dict[str, str] | None = None) -> bool:
        return self.marker is None or self.marker.evaluate(environment)


def read_lock(path: Path) -> dict[NormalizedName, list[Pin]]:
    """Pins of a requirements file as uv and pip-tools write it (one entry per line, joined)."""
    pins: dict[NormalizedName, list[Pin]] = {}
    for line in path.read_text(encoding="utf-8").replace("\\\n", " ").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        requirement = Requirement(line.split(" --hash=")[0])
        specifiers = list(requirement.specifier)
        assert len(specifiers) == 1, f"{path.name}: {line!r} is not one exact pin"
        assert specifiers[0].operator == "==", f"{path.name}: {requirement} is not pinned with =="
        name = canonicalize_name(requirement.name)
        pins.setdefault(name, []).append(
            Pin(
                name=name,
                version=Version(specifiers[0].version),
                marker=requirement.marker,
                hashes=tuple(re.findall(r"--hash=(sha256:[0-9a-f]{64})", line)),
            )
        )
    return pins


def project_requirements() -> tuple[list[Requirement], list[Requirement]]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    runtime = [Requirement(text) for text in project["dependencies"]]
    dev = [Requirement(text) for text in project["optional-dependencies"]["dev"]]
    return runtime, dev


def node_requirements() -> list[Requirement]:
    lines = NODE_IN.read_text(encoding="utf-8").splitlines()
    return [Requirement(line) for line in lines if line.strip() and not line.startswith("#")]


def _disagreements(requirements: list[Requirement], lock: Path) -> list[str]:
    pins = read_lock(lock)
    problems = []
    for requirement in requirements:
        entries = pins.get(canonicalize_name(requirement.name), [])
        if not entries:
            problems.append(f"{requirement} is not in {lock.name}")
        for pin in entries:
            if not pin.hashes:
                problems.append(f"{pin.name}=={pin.version} in {lock.name} has no hashes")
            if not requirement.specifier.contains(pin.version, prereleases=True):
                problems.append(f"{lock.name}: {pin.name}=={pin.version} is outside {requirement}")
    return problems


def test_every_runtime_dependency_is_pinned_with_hashes_inside_its_range() -> None:
    runtime, _dev = project_requirements()
    problems = _disagreements(runtime, LOCK) + _disagreements(runtime, DEV_LOCK)
    assert problems == [], "pyproject.toml and the lock disagree; run `make lock`"


def test_every_dev_dependency_is_pinned_with_hashes_inside_its_range() -> None:
    _runtime, dev = project_requirements()
    problems = _disagreements(dev, DEV_LOCK)
    assert problems == [], "pyproject.toml and the lock disagree; run `make lock`"


def test_node_for_machines_without_npm_is_pinned_with_hashes() -> None:
    assert _disagreements(node_requirements(), NODE_LOCK) == [], "run `make lock`"


@pytest.mark.parametrize("lock", [LOCK, DEV_LOCK, NODE_LOCK], ids=lambda path: path.name)
def test_every_locked_package_has_hashes(lock: Path) -> None:
    unhashed = [
        f"{pin.name}=={pin.version}"
        for pins in read_lock(lock).values()
        for pin in pins
        if not pin.hashes
    ]
    assert unhashed == []


def test_development_runs_the_runtime_pins_of_production() -> None:
    runtime, dev = read_lock(LOCK), read_lock(DEV_LOCK)
    differing = {
        name: ([p.version for p in pins], [p.version for p in dev.get(name, [])])
        for name, pins in runtime.items()
        if [p.version for p in pins] != [p.version for p in dev.get(name, [])]
    }
    assert differing == {}


@pytest.mark.parametrize("python", SUPPORTED_PYTHONS)
def test_the_lock_installs_on_every_supported_python(python: str) -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert SpecifierSet(project["requires-python"]).contains(f"{python}.0")
    runtime, dev = project_requirements()
    environment = {
        "python_version": python,
        "python_full_version": f"{python}.5",
        "sys_platform": "linux",
        "platform_system": "Linux",
        "implementation_name": "cpython",
        "platform_python_implementation": "CPython",
    }
    pins = read_lock(DEV_LOCK)
    ambiguous_or_missing = {
        str(requirement): [
            f"{pin.name}=={pin.version}"
            for pin in pins.get(canonicalize_name(requirement.name), [])
            if pin.applies(environment)
        ]
        for requirement in runtime + dev
    }
    problems = {r: p for r, p in ambiguous_or_missing.items() if len(p) != 1}
    assert problems == {}, f"not exactly one pin for Python {python}; run `make lock`"


def test_the_installed_environment_is_the_lock() -> None:
    """Everything the project needs, followed through the installed packages' own requirements,
    is pinned in the dev lock and installed at that pin (a stale venv: `make install`)."""
    runtime, dev = project_requirements()
    pins = read_lock(DEV_LOCK)
    todo = [(canonicalize_name(r.name), frozenset(r.extras)) for r in runtime + dev]
    seen: set[tuple[NormalizedName, frozenset[str]]] = set()
    problems = []
    while todo:
        name, extras = todo.pop()
        if (name, extras) in seen:
            continue
        seen.add((name, extras))
        pinned = [pin.version for pin in pins.get(name, []) if pin.applies()]
        if not pinned:
            problems.append(f"{name} is needed but not in {DEV_LOCK.name}: run `make lock`")
            continue
        try:
            installed = Version(metadata.version(name))
        except metadata.PackageNotFoundError:
            problems.append(f"{name}=={pinned[0]} is locked but not installed: run `make install`")
            continue
        if installed not in pinned:
            problems.append(f"{name} {installed} is installed, the lock pins {pinned[0]}")
        for text in metadata.requires(name) or []:
            requirement = Requirement(text)
            wanted = (
                requirement.marker is None
                or any(requirement.marker.evaluate({"extra": extra}) for extra in extras)
                or requirement.marker.evaluate({"extra": ""})
            )
            if wanted:
                todo.append((canonicalize_name(requirement.name), frozenset(requirement.extras)))
    assert problems == [], "; ".join(problems)
