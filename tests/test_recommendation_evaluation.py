"""rec_evaluation end to end on both warehouses: a hand-made ratings set, loaded and built as
the pipeline does, against numbers worked out by hand (and by tests/course_evaluation.py)."""

from __future__ import annotations

import psycopg
import pytest

from commands import dbt_build
from course_evaluation import evaluation
from extract_load import Settings, load_sources, plan_tables
from table_contents import warehouse_query

# The case of the dbt unit tests in models/intermediate/courses/_courses__unit_tests.yml, as
# source rows: 10 courses (9 and 10 never rated; 6 has no language, so R), 6 users.
HAND_MADE = """
create table courses (course_id integer primary key, title text not null, description text,
                      programming_language text);
create table users (user_id integer primary key, email text, created_at timestamptz);
create table ratings (user_id integer, course_id integer, rating smallint, rated_at timestamptz,
                      updated_at timestamptz, primary key (user_id, course_id));
insert into courses values
  (1, 'Py 1', '', 'Python'), (2, 'Py 2', '', 'Python'), (3, 'Py 3', '', 'Python'),
  (4, 'R 4', '', 'R'), (5, 'R 5', '', 'R'), (6, 'No language 6', '', null),
  (7, 'SQL 7', '', 'SQL'), (8, 'SQL 8', '', 'SQL'), (9, 'Py 9', '', 'Python'),
  (10, 'Py 10', '', 'Python');
insert into users
select user_id, 'u' || user_id || '@example.org', '2023-12-01'
from generate_series(1, 6) as user_id;
insert into ratings values
  -- user 1: the latest, SQL course 7, is held out; user 1 rated no SQL course in training
  (1, 1, 5, '2024-01-01', '2024-01-01'), (1, 2, 4, '2024-01-02', '2024-01-02'),
  (1, 3, 3, '2024-01-03', '2024-01-03'), (1, 7, 4, '2024-01-05', '2024-01-05'),
  -- user 2: courses 4 and 5 rated at the same instant: 5, the higher course_id, is held out
  (2, 1, 4, '2024-01-01', '2024-01-01'), (2, 4, 5, '2024-01-03', '2024-01-03'),
  (2, 5, 2, '2024-01-03', '2024-01-03'),
  -- user 3: exactly 2 ratings; course 2 was re-rated last, but 3 was rated last: 3 held out
  (3, 2, 5, '2024-01-01', '2024-01-09'), (3, 3, 4, '2024-01-02', '2024-01-02'),
  -- user 4: 1 rating of a known course (course 99 is in no catalogue): not evaluated
  (4, 4, 3, '2024-01-01', '2024-01-01'), (4, 99, 1, '2024-01-09', '2024-01-09'),
  -- user 5: held-out course 8 has no other rating; so have 5 (user 2) and 6 (user 6)
  (5, 7, 5, '2024-01-01', '2024-01-01'), (5, 8, 3, '2024-01-04', '2024-01-04'),
  (6, 1, 3, '2024-01-01', '2024-01-01'), (6, 7, 2, '2024-01-02', '2024-01-02'),
  (6, 6, 4, '2024-01-03', '2024-01-03');
"""

HELD_OUT = {(1, 7), (2, 5), (3, 3), (5, 8), (6, 6)}

# Training: 1 rated 3 times (5, 4, 3: avg 4), 2 twice (4.5), 3 once (3), 4 twice (4), 7 twice
# (3.5); 5, 6, 8 only in held-out ratings, so no method can recommend them.
#   avg_rating: 1 -, 2 [2, 3], 3 [1, 3] hit, 5 -, 6 [2, 3]          -> 1 of 5; courses {1, 2, 3}
#   damped_avg (global 3.9): the same lists                           -> 1 of 5
#   popularity (1; 2, 4, 7; 3): 1 [4, 7] hit, 2 [2, 7, 3], 3 [1, 4, 7], 5 [1, 2, 4], 6 [2, 4, 3]
#                                                                     -> 1 of 5; {1, 2, 3, 4, 7}
#   item_cosine (cos 1-2 = 1-4 = 1-7 = 1/sqrt 6, 1-3 = 1/sqrt 3, 2-3 = 1/sqrt 2): 1 [4, 7] hit,
#     2 [3, 2, 7], 3 [3, 1] hit, 5 [1], 6 [3, 2, 4]                   -> 2 of 5; {1, 2, 3, 4, 7}
EXPECTED = [
    # method, k, users_evaluated, hits, hit_rate, coverage (of 10 courses)
    ("avg_rating", 3, 5, 1, 0.2, 0.3),
    ("damped_avg", 3, 5, 1, 0.2, 0.3),
    ("item_cosine", 3, 5, 2, 0.4, 0.5),
    ("popularity", 3, 5, 1, 0.2, 0.5),
]

COURSE_MARTS = "+rec_evaluation +rec_course_recommendations +dim_users +dim_courses"


@pytest.fixture(scope="module")
def hand_made_courses(new_database) -> str:
    courses_url = new_database("hand_made")
    with psycopg.connect(courses_url, autocommit=True) as connection:
        connection.execute(HAND_MADE)
    return courses_url


@pytest.fixture(scope="module", params=["duckdb", "postgres"])
def evaluated(request, tmp_path_factory, new_database, hand_made_courses) -> dict[str, str]:
    from conftest import warehouse_env

    work = tmp_path_factory.mktemp(f"evaluation-{request.param}")
    env = warehouse_env(request.param, work, new_database)
    settings = Settings.from_env({**env, "COURSES_URL": hand_made_courses})
    load_sources(settings, plan_tables(settings, ["courses"]))
    # Only the course marts and the tests whose models are all built (no pagila here).
    build = dbt_build(env, work, "--select", COURSE_MARTS, "--indirect-selection", "cautious")
    assert build.returncode == 0, build.stdout[-4000:]
    return env


def test_rec_evaluation_equals_the_numbers_worked_out_by_hand(evaluated):
    rows = warehouse_query(
        evaluated,
        "select method, k, users_evaluated, hits, hit_rate, coverage "
        "from marts.rec_evaluation order by method",
    )
    assert rows == EXPECTED


def test_latest_rating_of_every_user_with_two_is_held_out(evaluated):
    held_out = warehouse_query(
        evaluated,
        "select user_id, course_id from intermediate.int_ratings_split where is_held_out",
    )
    assert set(held_out) == HELD_OUT
    [(training, evaluation_training)] = warehouse_query(
        evaluated,
        "select count(*) filter (where scope = 'serving'), "
        "count(*) filter (where scope = 'evaluation') from intermediate.int_training_ratings",
    )
    assert (training, evaluation_training) == (15, 10)  # course 99's rating counts nowhere


def test_served_lists_learn_from_every_rating(evaluated):
    # Served, user 3 has rated course 3 (held out in the evaluation): never recommended to 3.
    served = warehouse_query(
        evaluated,
        "select method, course_id from marts.rec_course_recommendations where user_id = 3",
    )
    assert served and all(course != 3 for _, course in served)
    assert {method for method, _ in served} == {
        "avg_rating",
        "damped_avg",
        "popularity",
        "item_cosine",
    }


def test_python_protocol_agrees_with_the_hand_worked_numbers(hand_made_courses):
    assert evaluation(hand_made_courses) == {
        method: (users, hits, rate) for method, _, users, hits, rate, _ in EXPECTED
    }


def test_elt_run_summary_lists_the_methods_best_first(evaluated):
    from orchestration.run import _marts_summary

    summary = _marts_summary(Settings.from_env(evaluated))
    table = summary.split("Recommendation methods on held-out latest ratings")[1]
    rows = [line.split() for line in table.splitlines()[3:]]
    assert rows == [
        ["item_cosine", "3", "5", "2", "40.0", "50.0"],
        ["avg_rating", "3", "5", "1", "20.0", "30.0"],
        ["damped_avg", "3", "5", "1", "20.0", "30.0"],
        ["popularity", "3", "5", "1", "20.0", "50.0"],
    ]
