{#
    Per course of a relation (or CTE) of current ratings (course_id, rating): the number of
    ratings, their average, and the damped (Bayesian) average
        (sum of ratings + m * global average) / (number of ratings + m)
    with m = var('rating_damping') and the global average over all the given ratings. A
    course with no rating has no row. Shared by rec_course_ratings and
    rec_course_recommendations, so that both rank by the same numbers.
#}
{% macro course_rating_statistics(ratings) -%}
    select
        per_course.course_id,
        per_course.rating_sum / per_course.rating_count as avg_rating,
        per_course.rating_count,
        (
            per_course.rating_sum
            + {{ var('rating_damping') }} * all_courses.global_avg_rating
        )
        / (per_course.rating_count + {{ var('rating_damping') }}) as damped_avg_rating
    from (
        select
            course_id,
            cast(sum(rating) as double precision) as rating_sum,
            count(*) as rating_count
        from {{ ratings }}
        group by course_id
    ) as per_course
    cross join (
        select avg(cast(rating as double precision)) as global_avg_rating
        from {{ ratings }}
    ) as all_courses
{%- endmacro %}
