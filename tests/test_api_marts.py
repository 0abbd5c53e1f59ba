"""The API's items in the marts, on both warehouses: stg_api__items and fct_stories built from
a load of the demo API, its tests and unit test passing, its counts equal to the API's."""

from __future__ import annotations

import yaml

from commands import REPOSITORY, dbt
from demo_sources.hn_api import HackerNewsApi
from extract_load import Settings, load_sources
from table_contents import warehouse_query


def test_fct_stories_has_every_live_story_with_its_score_and_comment_counts(
    fresh_warehouse_env, tmp_path
):
    entry = yaml.safe_load((REPOSITORY / "sources.yml").read_text(encoding="utf-8"))
    (tmp_path / "sources.yml").write_text(
        yaml.safe_dump({"sources": {"api": entry["sources"]["api"]}}), encoding="utf-8"
    )
    with HackerNewsApi(seed=3, items=300) as api:
        env = {
            **fresh_warehouse_env,
            "ELT_SOURCES_FILE": str(tmp_path / "sources.yml"),
            "API_URL": api.url,
        }
        (loaded,) = load_sources(Settings.from_env(env))
        items = dict(api.items)
    assert loaded.rows_loaded == 300

    ran = dbt(env, tmp_path, "run", "--select", "+fct_stories")
    assert ran.returncode == 0, ran.stdout[-5000:]
    tested = dbt(
        env,
        tmp_path,
        "test",
        "--select",
        "stg_api__items fct_stories",
        # Not the tests that need the other sources' marts too (relationships to dim_dates).
        "--indirect-selection",
        "cautious",
    )
    assert tested.returncode == 0, tested.stdout[-5000:]
    assert "fct_stories_counts_comments_of_live_stories" in tested.stdout

    stories = {
        item_id: item
        for item_id, item in items.items()
        if item["type"] == "story" and not item.get("deleted")
    }
    direct = {
        story: sum(
            1
            for item in items.values()
            if item.get("parent") == story and item["type"] == "comment" and not item.get("deleted")
        )
        for story in stories
    }
    expected = sorted(
        (item_id, item["score"], item["descendants"], direct[item_id], bool(item.get("dead")))
        for item_id, item in stories.items()
    )
    assert len(expected) > 50
    assert (
        warehouse_query(
            env,
            "select story_id, score, comment_count, direct_comment_count, is_dead "
            "from marts.fct_stories order by story_id",
        )
        == expected
    )
