"""`elt recommend` serves the best-evaluated method: the choice, with no warehouse."""

from __future__ import annotations

from orchestration.recommendations import DEFAULT_METHOD, best_method


def test_the_highest_hit_rate_wins():
    rates = [("avg_rating", 0.02), ("item_cosine", 0.24), ("popularity", 0.11)]
    assert best_method(rates) == "item_cosine"


def test_a_tie_goes_to_the_course_notes_method_then_to_the_first_name():
    assert best_method([("popularity", 0.2), ("avg_rating", 0.2)]) == DEFAULT_METHOD
    assert best_method([("popularity", 0.2), ("item_cosine", 0.2)]) == "item_cosine"


def test_nothing_evaluated_serves_the_course_notes_method():
    assert best_method([]) == DEFAULT_METHOD == "avg_rating"
    assert best_method([("item_cosine", None), ("popularity", None)]) == DEFAULT_METHOD
