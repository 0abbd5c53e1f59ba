"""courses: the e-learning app's PostgreSQL database (COURSES_URL)."""

from __future__ import annotations

from ..tables import SourceSpec, TableSpec

__all__ = ["COURSES"]

COURSES = SourceSpec(
    name="courses",
    url_env="COURSES_URL",
    demo_database="courses",
    description="course-ratings app",
    tables=(
        TableSpec("courses", primary_key=("course_id",)),
        TableSpec("users", primary_key=("user_id",)),
        # A user may re-rate a course: the row is updated, and so is updated_at.
        TableSpec(
            "ratings",
            mode="incremental",
            primary_key=("user_id", "course_id"),
            cursor_column="updated_at",
        ),
    ),
)
