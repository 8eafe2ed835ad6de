"""The set-up scripts a fresh machine runs first: a clear message for a Python that is too old, and a
`.venv` whose creation or install did not finish is rebuilt or retried by the next run."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of scripts/_venv.sh beside tiny requirements files (nothing to download)."""
    (tmp_path / "scripts").mkdir()
    shutil.copy(ROOT / "scripts" / "_venv.sh", tmp_path / "scripts" / "_venv.sh")
    (tmp_path / "requirements.txt").write_text("# nothing\n")
    (tmp_path / "requirements-test.txt").write_text("-r requirements.txt\n")
    return tmp_path


def ensure(project: Path, python: str = sys.executable) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHON": python, "PIP_NO_INDEX": "1"}
    return subprocess.run(["bash", "-c", f"source '{project}/scripts/_venv.sh' && ensure_venv requirements-test.txt"],
                          capture_output=True, text=True, env=env, timeout=300)


def fake_python(folder: Path, version: str) -> str:
    path = folder / "python-old"
    path.write_text(f"#!/bin/sh\ncase \"$2\" in *platform*) echo {version}; exit 0;; esac\nexit 1\n")
    path.chmod(path.stat().st_mode | stat.S_IEXEC)
    return str(path)


def test_a_python_that_is_too_old_is_named_with_what_to_do(project):
    done = ensure(project, fake_python(project, "3.9.18"))
    assert done.returncode == 2
    assert "Leverage needs Python 3.11 or newer" in done.stderr and "3.9.18" in done.stderr
    assert "PYTHON=/path/to/python3.11" in done.stderr
    assert not (project / ".venv").exists()


def test_a_missing_python_is_named(project):
    done = ensure(project, "python-that-does-not-exist")
    assert done.returncode == 2 and "python-that-does-not-exist not found" in done.stderr


def test_a_fresh_venv_is_created_and_marked_complete(project):
    done = ensure(project)
    assert done.returncode == 0, done.stderr
    assert (project / ".venv" / ".created").exists()
    assert (project / ".venv" / ".installed-requirements-test.txt").exists()
    again = ensure(project)  # nothing to do the second time
    assert again.returncode == 0 and "creating" not in again.stdout and "installing" not in again.stdout


def test_a_half_created_venv_is_rebuilt(project):
    half = project / ".venv" / "bin"
    half.mkdir(parents=True)
    (half / "python").symlink_to("/nonexistent/python3")  # what an interrupted `python -m venv` can leave
    done = ensure(project)
    assert done.returncode == 0, done.stderr
    assert "rebuilding it" in done.stdout
    assert (project / ".venv" / ".created").exists()
    assert subprocess.run([str(project / ".venv" / "bin" / "python"), "-c", "import pip"]).returncode == 0


def test_a_failed_install_is_retried_on_the_next_run(project):
    assert ensure(project).returncode == 0
    (project / "requirements-test.txt").write_text("-r requirements.txt\nno-such-package-anywhere==1.0\n")
    failed = ensure(project)
    assert failed.returncode == 1 and "installing requirements-test.txt failed" in failed.stderr
    assert not (project / ".venv" / ".installed-requirements-test.txt").exists()  # so the next run tries again
    (project / "requirements-test.txt").write_text("-r requirements.txt\n")
    assert ensure(project).returncode == 0
