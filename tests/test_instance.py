"""A Dagster instance anywhere gets the settings that queue runs writing the warehouse, and
steps refuse to run on one without them."""

from __future__ import annotations

import dagster as dg
import pytest
import yaml

from commands import elt
from extract_load import ConfigError
from orchestration.instance import ensure_instance_settings, instance_problem

REQUIRED = {"granularity": "run", "default_limit": 1}


def _problem(home) -> str | None:
    with dg.DagsterInstance.from_config(str(home)) as instance:
        return instance_problem(instance)


def test_an_instance_of_its_own_lets_runs_overlap_until_given_the_settings(tmp_path):
    problem = _problem(tmp_path)
    assert problem is not None
    assert "elt dagster-home" in problem and "granularity is not 'run'" in problem

    said = ensure_instance_settings(tmp_path)
    assert said.startswith("wrote ")
    pools = yaml.safe_load((tmp_path / "dagster.yaml").read_text())["concurrency"]["pools"]
    assert pools == REQUIRED
    assert _problem(tmp_path) is None
    assert "already" in ensure_instance_settings(tmp_path)


def test_settings_are_added_to_an_instance_file_keeping_what_it_says(tmp_path):
    own = "# our telemetry choice\ntelemetry:\n  enabled: false"
    (tmp_path / "dagster.yaml").write_text(own)
    assert ensure_instance_settings(tmp_path).startswith("added ")
    text = (tmp_path / "dagster.yaml").read_text()
    assert text.startswith(own + "\n")
    settings = yaml.safe_load(text)
    assert settings["telemetry"] == {"enabled": False}
    assert settings["concurrency"]["pools"] == REQUIRED
    assert _problem(tmp_path) is None


def test_an_instance_file_that_says_otherwise_is_not_overwritten(tmp_path):
    theirs = "concurrency:\n  pools:\n    default_limit: 4\n"
    (tmp_path / "dagster.yaml").write_text(theirs)
    with pytest.raises(ConfigError, match=r"granularity: run, default_limit: 1"):
        ensure_instance_settings(tmp_path)
    assert (tmp_path / "dagster.yaml").read_text() == theirs
    assert "allows 4 runs at once" in (_problem(tmp_path) or "")


def test_a_limit_set_on_the_pool_itself_counts(tmp_path):
    (tmp_path / "dagster.yaml").write_text("concurrency:\n  pools:\n    granularity: run\n")
    with dg.DagsterInstance.from_config(str(tmp_path)) as instance:
        assert "allows any number of runs" in (instance_problem(instance) or "")
        # as `dagster instance concurrency set warehouse 1` or the UI sets it
        instance.event_log_storage.set_concurrency_slots("warehouse", 1)
        assert instance_problem(instance) is None


def test_a_step_on_such_an_instance_fails_before_writing(tmp_path, monkeypatch):
    from orchestration.instance import WAREHOUSE_POOL, require_queued_warehouse_runs

    wrote = []

    @dg.asset(pool=WAREHOUSE_POOL)
    def writes_the_warehouse(context) -> None:
        require_queued_warehouse_runs(context)
        wrote.append(True)

    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path))
    with dg.DagsterInstance.from_config(str(tmp_path)) as instance:
        result = dg.materialize([writes_the_warehouse], instance=instance, raise_on_error=False)
    assert not result.success and wrote == []
    (failure,) = result.get_step_failure_events()
    assert "elt dagster-home" in str(failure.step_failure_data.error)
    # one process with an ephemeral instance (elt run, the tests) has nothing to overlap with
    assert dg.materialize([writes_the_warehouse]).success and wrote == [True]


def test_elt_dagster_home_needs_a_folder():
    done = elt({"DAGSTER_HOME": ""}, "dagster-home")
    assert done.returncode != 0
    assert "DAGSTER_HOME is not set" in done.stderr
