{#
    Per course of a relation (or CTE) of current ratings (course_id, rating): the number of
    ratings, their average, and the damped (Bayesian) average
        (sum of ratings + m * global average) / (number of ratings + m)
    with m = var('rating_damping') and the global average over all the given ratings. A
    course with no rating has no row. Shared by rec_course_ratings and
    int_course_recommendations_by_rating, so that both rank by the same numbers.
    With partition_by (a column of the relation, e.g. 'scope'), one set of statistics per
    value of it, each with its own global average.
#}
{% macro course_rating_statistics(ratings, partition_by=none) -%}
    select
        {% if partition_by -%}
            per_course.{{ partition_by }},
        {% endif -%}
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
            {% if partition_by -%}
                {{ partition_by }},
            {% endif -%}
            course_id,
            cast(sum(rating) as {{ type_double() }}) as rating_sum,
            count(*) as rating_count
        from {{ ratings }}
        group by
            {% if partition_by -%}
                {{ partition_by }},
            {% endif -%}
            course_id
    ) as per_course
    {% if partition_by -%}
        inner join (
            select
                {{ partition_by }},
                avg(cast(rating as {{ type_double() }})) as global_avg_rating
            from {{ ratings }}
            group by {{ partition_by }}
        ) as all_courses
            on per_course.{{ partition_by }} = all_courses.{{ partition_by }}
    {%- else -%}
        cross join (
            select avg(cast(rating as {{ type_double() }})) as global_avg_rating
            from {{ ratings }}
        ) as all_courses
    {%- endif %}
{%- endmacro %}
