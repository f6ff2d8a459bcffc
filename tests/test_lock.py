"""The locks (requirements/run.txt, requirements/dev.txt) that `make run`, `make test` and the
Dockerfile install from: the whole tree, pinned, with hashes, and in step with pyproject.toml
(a pin added there without `make lock` fails here, not on someone's fresh install)."""

import re
import tomllib

from django.conf import settings

ROOT = settings.BASE_DIR
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==([^\s;\\]+)")


def normalised(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pins(lines) -> dict[str, str]:
    found = {}
    for line in lines:
        match = PIN.match(line.strip())
        if match:
            found[normalised(match[1])] = match[2]
    return found


def lock(name: str) -> str:
    return (ROOT / "requirements" / name).read_text()


def pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def test_every_pin_of_pyproject_is_in_the_locks_at_its_version():
    project = pyproject()
    run_pins = pins(project["project"]["dependencies"] + project["dependency-groups"]["build"])
    dev_pins = pins(project["project"]["optional-dependencies"]["dev"])
    run_lock, dev_lock = pins(lock("run.txt").splitlines()), pins(lock("dev.txt").splitlines())
    for name, version in run_pins.items():
        assert run_lock.get(name) == version, f"{name}=={version}: run `make lock`"
    for name, version in (run_pins | dev_pins).items():
        assert dev_lock.get(name) == version, f"{name}=={version}: run `make lock`"


def test_the_dev_lock_holds_the_run_lock_unchanged():
    run_lock, dev_lock = pins(lock("run.txt").splitlines()), pins(lock("dev.txt").splitlines())
    assert {name: dev_lock.get(name) for name in run_lock} == run_lock


def test_every_locked_package_carries_its_hashes():
    for name in ("run.txt", "dev.txt"):
        entries = re.split(r"\n(?=[A-Za-z0-9])", lock(name).split("\n", 2)[2])
        assert entries
        for entry in entries:
            assert PIN.match(entry), entry
            assert "--hash=sha256:" in entry, entry.splitlines()[0]


def test_make_and_the_dockerfile_install_only_what_the_locks_say():
    makefile = (ROOT / "Makefile").read_text()
    assert "install --require-hashes -r $(LOCK_RUN)" in makefile
    assert "install --require-hashes -r $(LOCK_DEV)" in makefile
    assert makefile.count("install --no-deps --no-build-isolation -e .") == 2
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "pip install --no-cache-dir --require-hashes -r requirements/run.txt" in dockerfile
    assert "pip install --no-cache-dir --no-deps --no-build-isolation ." in dockerfile
