{#- A table: the self-join behind it is the costliest step of the course recommendations. -#}
{{ config(materialized='table') }}

-- Per scope (int_training_ratings), for each course its most similar courses (its
-- item-to-item neighbours): one row per ordered pair of distinct courses that at least one
-- user rated both of, with user_count, the number of users who rated both, and similarity,
-- their cosine over who rated them: user_count / sqrt(ratings of the course * ratings of
-- the co-course), 1 when the same users rated both. neighbour_rank is the pair's rank among
-- the course's pairs (most similar first, to 9 decimal places: fixed_point_similarity; ties
-- to the lower co_course_id); only ranks up to var('course_neighbours_per_course') are kept.
with

training_ratings as (

    select * from {{ ref('int_training_ratings') }}

),

course_counts as (

    select
        scope,
        course_id,
        count(*) as rating_count
    from training_ratings
    group by
        scope,
        course_id

),

course_pairs as (

    select
        rated.scope,
        rated.course_id,
        co_rated.course_id as co_course_id,
        count(*) as user_count
    from training_ratings as rated
    inner join training_ratings as co_rated
        on
            rated.scope = co_rated.scope
            and rated.user_id = co_rated.user_id
            and rated.course_id != co_rated.course_id
    group by
        rated.scope,
        rated.course_id,
        co_rated.course_id

),

similarities as (

    select
        course_pairs.scope,
        course_pairs.course_id,
        course_pairs.co_course_id,
        course_pairs.user_count,
        course_pairs.user_count / sqrt(
            cast(course_counts.rating_count as {{ type_double() }}) * co_course_counts.rating_count
        ) as similarity
    from course_pairs
    inner join course_counts
        on
            course_pairs.scope = course_counts.scope
            and course_pairs.course_id = course_counts.course_id
    inner join course_counts as co_course_counts
        on
            course_pairs.scope = co_course_counts.scope
            and course_pairs.co_course_id = co_course_counts.course_id

),

ranked as (

    select
        scope,
        course_id,
        co_course_id,
        user_count,
        similarity,
        row_number() over (
            partition by scope, course_id
            order by {{ fixed_point_similarity('similarity') }} desc, co_course_id asc
        ) as neighbour_rank
    from similarities

),

final as (

    select
        scope,
        course_id,
        co_course_id,
        cast(user_count as {{ dbt.type_int() }}) as user_count,
        similarity,
        cast(neighbour_rank as {{ dbt.type_int() }}) as neighbour_rank
    from ranked
    where neighbour_rank <= {{ var('course_neighbours_per_course') }}

)

select * from final
