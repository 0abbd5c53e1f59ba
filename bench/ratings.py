"""The ratings table: 6 columns covering the loader's common typed paths (integer, integer,
smallint, numeric(3,1), timestamptz, text), keyed by (user_id, course_id)."""

from __future__ import annotations

from datasets import Column, Dataset

# Deterministic rows: 40 ratings per user, unique (user_id, course_id); NULLs, empty strings,
# quotes and commas in the text; timestamps with and without fractions of a second.
RATINGS = Dataset(
    name="ratings",
    marker="elt-bench ratings v1",
    columns=(
        Column("user_id", "integer not null", "i / 40 + 1"),
        Column("course_id", "integer not null", "(i % 40) * 37 + (i / 40) % 37 + 1"),
        Column("rating", "smallint not null", "1 + (i * 7919) % 5"),
        Column(
            "score",
            "numeric(3,1)",
            "case when i % 17 = 0 then null else ((i * 31) % 51) / 10.0 end",
        ),
        Column(
            "rated_at",
            "timestamptz not null",
            """timestamptz '2019-01-01 00:00:00+00'
           + ((i * 7919) % 157680000) * interval '1 second'
           + case when i % 3 = 0 then (i % 1000000) * interval '1 microsecond'
                  else interval '0' end""",
        ),
        Column(
            "comment",
            "text",
            """case i % 5
           when 0 then null
           when 1 then ''
           when 2 then 'Great course, "clear" and fun #' || (i % 997)
           else 'lesson ' || (i % 100000) || ' was useful'
       end""",
        ),
    ),
    key=("user_id", "course_id"),
)
