"""Which course recommendation method `elt recommend` serves: the one rec_evaluation measured
best, unless the user names one."""

from __future__ import annotations

from collections.abc import Sequence

from extract_load import EltError, Settings
from extract_load.identifiers import qualified
from extract_load.schemas import MARTS_SCHEMA
from extract_load.warehouse import open_warehouse

__all__ = ["DEFAULT_METHOD", "best_method", "choose_method"]

# The course notes' algorithm: served when no method has been evaluated yet.
DEFAULT_METHOD = "avg_rating"


def best_method(hit_rates: Sequence[tuple[str, float | None]]) -> str:
    """The method with the highest hit rate; a tie goes to DEFAULT_METHOD, then to the first
    name in alphabetical order. DEFAULT_METHOD when no method has a hit rate (nothing was
    evaluated: no user has two ratings, or rec_evaluation is not built)."""
    rated = [(method, rate) for method, rate in hit_rates if rate is not None]
    if not rated:
        return DEFAULT_METHOD
    return min(rated, key=lambda item: (-item[1], item[0] != DEFAULT_METHOD, item[0]))[0]


def choose_method(settings: Settings, method: str | None) -> str:
    """`method` if rec_course_recommendations serves it, else (None) the best evaluated one."""
    warehouse = open_warehouse(settings)
    try:
        tables = {
            name
            for (name,) in warehouse.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = %s",
                (MARTS_SCHEMA,),
            )
        }
        if "rec_course_recommendations" not in tables:
            raise EltError(
                f"{MARTS_SCHEMA}.rec_course_recommendations does not exist in "
                f"{settings.warehouse_label()}: build the marts first (elt run)"
            )
        if method is None:
            hit_rates: list[tuple[str, float | None]] = []
            if "rec_evaluation" in tables:
                hit_rates = [
                    (str(name), None if rate is None else float(rate))
                    for name, rate in warehouse.execute(
                        f"SELECT method, hit_rate FROM {qualified(MARTS_SCHEMA, 'rec_evaluation')}"
                    )
                ]
            return best_method(hit_rates)
        served = sorted(
            str(name)
            for (name,) in warehouse.execute(
                "SELECT DISTINCT method FROM "
                f"{qualified(MARTS_SCHEMA, 'rec_course_recommendations')}"
            )
        )
        if method not in served:
            raise EltError(
                f"--method {method}: {MARTS_SCHEMA}.rec_course_recommendations has no such "
                f"method (it has {', '.join(served) or 'none'})"
            )
        return method
    finally:
        warehouse.close()
