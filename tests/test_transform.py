"""dbt on loaded demo data, on both warehouses: green builds, reports that equal pagila's own
views, and course recommendations that equal an independent implementation of the notes'
algorithm."""

from __future__ import annotations

from collections import defaultdict
from fractions import Fraction

import psycopg
import pytest

from commands import dbt_build
from course_evaluation import evaluation
from extract_load import Settings, load_sources
from extract_load.warehouse import open_warehouse
from orchestration.cli import main
from table_contents import warehouse_query

MISSING_LANGUAGE = "R"  # the project var missing_programming_language


def build_warehouse(kind, tmp_path_factory, new_database, demo_urls) -> dict[str, str]:
    from conftest import source_urls, warehouse_env

    work = tmp_path_factory.mktemp(f"transform-{kind}")
    env = warehouse_env(kind, work, new_database)
    pagila_url, courses_url = demo_urls
    load_sources(Settings.from_env({**env, **source_urls(pagila_url, courses_url)}))
    build = dbt_build(env, work)
    assert build.returncode == 0, build.stdout[-4000:]
    return {**env, "_dbt_output": build.stdout}


@pytest.fixture(scope="module")
def demo_urls(demo_sources_factory) -> tuple[str, str]:
    return demo_sources_factory()


@pytest.fixture(scope="module", params=["duckdb", "postgres"])
def built(request, tmp_path_factory, new_database, demo_urls) -> dict[str, str]:
    return build_warehouse(request.param, tmp_path_factory, new_database, demo_urls)


def test_dbt_build_passes_every_test(built):
    summary = [line for line in built["_dbt_output"].splitlines() if "Done. PASS=" in line]
    assert summary, built["_dbt_output"][-2000:]
    counts = dict(item.split("=") for item in summary[-1].split("Done. ")[1].split())
    assert counts["ERROR"] == "0" and counts["SKIP"] == "0", summary[-1]
    assert int(counts["PASS"]) > 100, summary[-1]
    marts = {
        name
        for (name,) in warehouse_query(
            built,
            "select table_name from information_schema.tables where table_schema = 'marts'",
        )
    }
    assert {
        "dim_dates",
        "dim_customers",
        "dim_films",
        "dim_categories",
        "bridge_film_categories",
        "dim_actors",
        "bridge_film_actors",
        "dim_stores",
        "dim_staff",
        "dim_courses",
        "dim_users",
        "fct_rentals",
        "fct_payments",
        "fct_ratings",
        "rpt_revenue_by_category",
        "rpt_revenue_by_store",
        "rec_course_ratings",
        "rec_course_recommendations",
        "rec_film_recommendations",
        "rec_evaluation",
    } <= marts


@pytest.mark.parametrize(
    ("report", "view"),
    [
        ("rpt_revenue_by_category", "sales_by_film_category"),
        ("rpt_revenue_by_store", "sales_by_store"),
    ],
)
def test_revenue_reports_equal_pagila_views_row_for_row(built, demo_urls, report, view):
    with psycopg.connect(demo_urls[0]) as connection:
        expected = sorted(connection.execute(f"select * from {view}").fetchall())
    columns = (
        "category, total_sales"
        if view == "sales_by_film_category"
        else ("store, manager, total_sales")
    )
    actual = sorted(warehouse_query(built, f"select {columns} from marts.{report}"))
    assert expected and actual == expected


def notes_recommendations(courses_url: str, per_user: int = 3) -> dict[int, list[int]]:
    """The course notes' algorithm, written again from the source tables (exact arithmetic):
    for each user, the unrated courses in languages the user rated, by average rating, ties to
    the lower course_id, top 3; courses nobody rated never appear."""
    with psycopg.connect(courses_url) as connection:
        languages = {
            course_id: language if language is not None else MISSING_LANGUAGE
            for course_id, language in connection.execute(
                "select course_id, programming_language from courses"
            )
        }
        ratings = connection.execute("select user_id, course_id, rating from ratings").fetchall()
    totals: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    rated_by: dict[int, set[int]] = defaultdict(set)
    for user_id, course_id, rating in ratings:
        totals[course_id][0] += rating
        totals[course_id][1] += 1
        rated_by[user_id].add(course_id)
    average = {course: Fraction(total, count) for course, (total, count) in totals.items()}
    result = {}
    for user_id, rated in rated_by.items():
        user_languages = {languages[course] for course in rated}
        candidates = [
            course
            for course in average
            if languages[course] in user_languages and course not in rated
        ]
        candidates.sort(key=lambda course: (-average[course], course))
        if candidates:
            result[user_id] = candidates[:per_user]
    return result


def warehouse_recommendations(env: dict[str, str], method: str) -> dict[int, list[int]]:
    rows = warehouse_query(
        env,
        "select user_id, course_id from marts.rec_course_recommendations "
        f"where method = '{method}' order by user_id, recommendation_rank",
    )
    result: dict[int, list[int]] = defaultdict(list)
    for user_id, course_id in rows:
        result[user_id].append(course_id)
    return dict(result)


def test_avg_rating_method_equals_the_notes_algorithm(built, demo_urls):
    expected = notes_recommendations(demo_urls[1])
    assert len(expected) > 100
    assert warehouse_recommendations(built, "avg_rating") == expected


def test_rec_evaluation_equals_the_protocol_written_again(built, demo_urls):
    rows = warehouse_query(
        built, "select method, users_evaluated, hits, hit_rate from marts.rec_evaluation"
    )
    assert {method: (users, hits, rate) for method, users, hits, rate in rows} == evaluation(
        demo_urls[1]
    )


def test_collaborative_method_beats_both_baselines_on_the_demo(built):
    hit_rate = dict(warehouse_query(built, "select method, hit_rate from marts.rec_evaluation"))
    assert hit_rate["item_cosine"] > max(hit_rate["avg_rating"], hit_rate["popularity"])


TIES = """
create table courses (course_id integer primary key, title text not null, description text,
                      programming_language text);
create table users (user_id integer primary key, email text, created_at timestamptz);
create table ratings (user_id integer, course_id integer, rating smallint, rated_at timestamptz,
                      updated_at timestamptz, primary key (user_id, course_id));
insert into courses values
  (1, 'Py A', '', 'Python'), (2, 'Py B', '', 'Python'), (3, 'Py C', '', 'Python'),
  (4, 'Py D', '', 'Python'), (5, 'Py never rated', '', 'Python'),
  (6, 'No language A', '', null), (7, 'No language B', '', null), (8, 'R course', '', 'R'),
  (9, 'SQL only', '', 'SQL');
insert into users values (1, 'a@x.org', now()), (2, 'b@x.org', now()), (3, null, now()),
  (4, 'd@x.org', now()), (5, 'e@x.org', now()), (6, 'f@x.org', now());
insert into ratings values
  -- courses 2, 3 and 4 tie at 4.0; course 1 averages 3.5
  (1, 1, 3, now(), now()), (2, 1, 4, now(), now()),
  (2, 2, 4, now(), now()), (3, 3, 5, now(), now()), (4, 3, 3, now(), now()),
  (4, 4, 4, now(), now()),
  -- user 5 rates a course without a language, filled with 'R': gets R-language courses
  (5, 6, 2, now(), now()), (1, 7, 5, now(), now()), (2, 8, 1, now(), now()),
  -- user 3 re-rated course 9: only the current rating (5) counts
  (3, 9, 5, now() - interval '1 day', now()),
  -- user 6 has rated every course of their language (SQL): no candidates, no rows
  (6, 9, 4, now(), now());
"""


def test_avg_rating_method_on_ties_null_languages_and_full_coverage(tmp_path_factory, new_database):
    courses_url = new_database("ties")
    with psycopg.connect(courses_url, autocommit=True) as connection:
        connection.execute(TIES)
    pagila_url, _ = _pagila_only(new_database)
    env = build_warehouse("duckdb", tmp_path_factory, new_database, (pagila_url, courses_url))
    expected = notes_recommendations(courses_url)
    # Hand-checked: user 1 (rated 1, 7): Python 2, 3, 4 tie at 4.0 -> by course_id; and 'R'.
    assert expected[1] == [2, 3, 4]
    assert expected[5] == [7, 8]  # course 6's language is NULL -> 'R': courses 7 and 8
    assert all(5 not in courses for courses in expected.values())  # nobody rated course 5
    assert 6 not in expected
    assert warehouse_recommendations(env, "avg_rating") == expected


def _pagila_only(new_database) -> tuple[str, str]:
    """A small pagila (dbt builds every model), next to the hand-made courses database."""
    import demo_sources

    pagila_url, courses_url = new_database("pagila"), new_database("unused")
    demo_sources.create_demo(pagila_url, courses_url, scale=0.05, seed=3)
    return pagila_url, courses_url


def test_elt_recommend_prints_the_notes_query(built, demo_urls, monkeypatch, capsys):
    for name in ("ELT_WAREHOUSE", "ELT_DUCKDB_PATH", "ELT_POSTGRES_URL"):
        if name in built:
            monkeypatch.setenv(name, built[name])
    expected = notes_recommendations(demo_urls[1])
    user_id = min(expected)
    threshold = 3.0
    with psycopg.connect(demo_urls[1]) as connection:
        titles = dict(connection.execute("select course_id, title from courses").fetchall())
        averages = dict(
            connection.execute(
                "select course_id, avg(rating) from ratings group by course_id"
            ).fetchall()
        )
    wanted = [
        titles[c]
        for c in sorted(expected[user_id], key=lambda c: (-averages[c], c))
        if averages[c] > threshold
    ]

    assert (
        main(
            [
                "recommend",
                "--user-id",
                str(user_id),
                "--threshold",
                str(threshold),
                "--method",
                "avg_rating",
            ]
        )
        == 0
    )
    printed = capsys.readouterr().out
    positions = [printed.index(title) for title in wanted]
    assert wanted and positions == sorted(positions)


def test_elt_recommend_serves_the_best_evaluated_method_by_default(built, monkeypatch, capsys):
    for name in ("ELT_WAREHOUSE", "ELT_DUCKDB_PATH", "ELT_POSTGRES_URL"):
        if name in built:
            monkeypatch.setenv(name, built[name])
    # As `elt recommend` opens it: dbt (run by an earlier test's `elt recommend` in this
    # process) keeps its DuckDB connection, which a read-only one could not join.
    warehouse = open_warehouse(Settings.from_env(built))
    try:
        [(best,)] = warehouse.execute(
            "select method from marts.rec_evaluation order by hit_rate desc limit 1"
        )
        [(user_id,)] = warehouse.execute(
            "select min(user_id) from marts.rec_course_recommendations where method = %s",
            (best,),
        )
        titles = [
            title
            for (title,) in warehouse.execute(
                "select c.title from marts.rec_course_recommendations as r "
                "inner join marts.dim_courses as c on r.course_id = c.course_id "
                "where r.method = %s and r.user_id = %s order by r.recommendation_rank",
                (best, user_id),
            )
        ]
    finally:
        warehouse.close()
    assert best == "item_cosine"

    assert main(["recommend", "--user-id", str(user_id)]) == 0
    printed = capsys.readouterr().out
    assert f"method: {best}" in printed
    positions = [printed.index(title) for title in titles]
    assert titles and positions == sorted(positions)
    assert main(["recommend", "--user-id", str(user_id), "--method", "no_such_method"]) == 2
    assert "has no such method (it has avg_rating, damped_avg" in capsys.readouterr().err
