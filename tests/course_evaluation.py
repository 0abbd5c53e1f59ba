"""The evaluation protocol of rec_evaluation, written again in Python from a courses database
(exact fractions where the SQL's arithmetic is exact), to check the warehouse's numbers."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass
from fractions import Fraction

import psycopg

MISSING_LANGUAGE = "R"  # the project var missing_programming_language
K = 3  # var course_recommendations_per_user
NEIGHBOURS = 100  # var course_neighbours_per_course
DAMPING = 10  # var rating_damping


@dataclass(frozen=True)
class Split:
    languages: dict[int, str]
    held_out: dict[int, int]  # user -> course
    training: dict[int, dict[int, int]]  # user -> course -> rating


def split_ratings(courses_url: str) -> Split:
    """Every user with 2 or more ratings (of known courses) has the latest rated_at held out,
    ties to the highest course_id; every other rating is training."""
    with psycopg.connect(courses_url) as connection:
        languages = {
            course_id: language if language is not None else MISSING_LANGUAGE
            for course_id, language in connection.execute(
                "select course_id, programming_language from courses"
            )
        }
        rows = connection.execute(
            "select user_id, course_id, rating, rated_at from ratings"
        ).fetchall()
    by_user: dict[int, list[tuple[object, int, int]]] = defaultdict(list)
    for user_id, course_id, rating, rated_at in rows:
        if course_id in languages:
            by_user[user_id].append((rated_at, course_id, rating))
    held_out: dict[int, int] = {}
    training: dict[int, dict[int, int]] = {}
    for user_id, ratings in by_user.items():
        if len(ratings) >= 2:
            held_out[user_id] = max(ratings, key=lambda r: (r[0], r[1]))[1]
        training[user_id] = {c: r for _, c, r in ratings if c != held_out.get(user_id)}
    return Split(languages, held_out, training)


def _top(scores: dict[int, object], rated: dict[int, int]) -> list[int]:
    candidates = [course for course in scores if course not in rated]
    candidates.sort(key=lambda course: (-scores[course], course))  # type: ignore[operator]
    return candidates[:K]


def recommendations(split: Split) -> dict[str, dict[int, list[int]]]:
    """Per method, each user's top K learnt from the training ratings alone."""
    totals: Counter[int] = Counter()
    counts: Counter[int] = Counter()
    for rated in split.training.values():
        for course, rating in rated.items():
            totals[course] += rating
            counts[course] += 1
    average = {c: Fraction(totals[c], counts[c]) for c in counts}
    overall = Fraction(sum(totals.values()), sum(counts.values()))
    damped = {c: (totals[c] + DAMPING * overall) / (counts[c] + DAMPING) for c in counts}

    co_rated: dict[int, Counter[int]] = defaultdict(Counter)
    for rated in split.training.values():
        for course in rated:
            for other in rated:
                if other != course:
                    co_rated[course][other] += 1
    # similarities in billionths, as the SQL sums them (fixed_point_similarity)
    neighbours: dict[int, dict[int, int]] = {}
    for course, others in co_rated.items():
        similar = {
            other: round(both / math.sqrt(float(counts[course]) * counts[other]) * 1e9)
            for other, both in others.items()
        }
        nearest = sorted(similar, key=lambda other: (-similar[other], other))
        neighbours[course] = {other: similar[other] for other in nearest[:NEIGHBOURS]}

    result: dict[str, dict[int, list[int]]] = defaultdict(dict)
    for user_id, rated in split.training.items():
        languages = {split.languages[course] for course in rated}
        in_languages = {c: split.languages[c] in languages for c in counts}
        for method, scores in (
            ("avg_rating", {c: s for c, s in average.items() if in_languages[c]}),
            ("damped_avg", {c: s for c, s in damped.items() if in_languages[c]}),
            ("popularity", dict(counts)),
        ):
            result[method][user_id] = _top(scores, rated)
        cosine: Counter[int] = Counter()
        for course in rated:
            for other, similarity in neighbours.get(course, {}).items():
                cosine[other] += similarity
        result["item_cosine"][user_id] = _top(dict(cosine), rated)
    return result


def evaluation(courses_url: str) -> dict[str, tuple[int, int, float]]:
    """Per method: (users evaluated, hits, hit rate)."""
    split = split_ratings(courses_url)
    result = {}
    for method, lists in recommendations(split).items():
        hits = sum(course in lists.get(user, []) for user, course in split.held_out.items())
        result[method] = (len(split.held_out), hits, hits / len(split.held_out))
    return result
