"""The environment `make install` built is exactly the lock: no dependency drifts between CI and a user.

`make install` installs with `-c constraints.txt`; these tests fail when the lock and pyproject.toml
disagree (run `make lock`) or when something was installed by hand beside them.
"""

from __future__ import annotations

import re
import sysconfig
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]
LOCK = ROOT / "constraints.txt"
# The installer's own tools and the project itself are not pinned by the lock.
UNPINNED = {"pip", "setuptools", "wheel", "wildchat"}


def _locked() -> dict[str, str]:
    pins = {}
    for line in LOCK.read_text(encoding="utf-8").splitlines():
        line = line.split("#")[0].strip()
        if line:
            name, _, version = line.partition("==")
            assert version, f"constraints.txt: {line!r} is not pinned with =="
            pins[canonicalize_name(name)] = version
    return pins


def _public(version: str) -> Version:
    return Version(Version(version).public)  # torch's local "+cpu" tag is not part of the pin


def test_every_installed_distribution_is_the_locked_version() -> None:
    pins = _locked()
    unlocked, different = [], []
    # Only what is installed in the environment: Ray, once imported, puts its vendored packages
    # (ray/thirdparty_files) on sys.path, and they are Ray's, not ours to lock.
    site = sorted({sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]})
    for dist in metadata.distributions(path=site):
        name = canonicalize_name(dist.metadata["Name"])
        if name in UNPINNED:
            continue
        if name not in pins:
            unlocked.append(name)
        elif _public(dist.version) != _public(pins[name]):
            different.append(f"{name} {dist.version} (locked {pins[name]})")
    assert unlocked == [] and different == [], "run `make lock`, then `make install`"


def test_every_dependency_of_pyproject_is_locked() -> None:
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    block = re.search(r"^dependencies = \[(.*?)^\]", text, re.S | re.M)
    assert block is not None
    pins = _locked()
    for spec in re.findall(r'"([^"]+)"', block.group(1)):
        requirement = Requirement(spec)
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{name} is a dependency but not in constraints.txt"
        assert requirement.specifier.contains(_public(pins[name]), prereleases=True), (
            f"constraints.txt pins {name}=={pins[name]}, outside pyproject's {requirement.specifier}"
        )
