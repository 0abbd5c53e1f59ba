-- The evaluation's split of the current ratings (fct_ratings) of known courses: every user
-- with at least 2 of them has one held out, the latest rated_at (ties: the highest
-- course_id); every other rating, of every user, is a training rating. One row per
-- (user, course), with the course's language as stg_courses__courses fills it.
with

current_ratings as (

    select * from {{ ref('fct_ratings') }}

),

courses as (

    select * from {{ ref('stg_courses__courses') }}

),

course_ratings as (

    select
        current_ratings.user_id,
        current_ratings.course_id,
        courses.programming_language,
        current_ratings.rating,
        current_ratings.rated_at
    from current_ratings
    inner join courses
        on current_ratings.course_id = courses.course_id

),

ordered as (

    select
        user_id,
        course_id,
        programming_language,
        rating,
        rated_at,
        count(*) over (partition by user_id) as user_rating_count,
        row_number() over (
            partition by user_id
            order by rated_at desc nulls last, course_id desc
        ) as recency_rank
    from course_ratings

),

final as (

    select
        user_id,
        course_id,
        programming_language,
        rating,
        user_rating_count >= 2 and recency_rank = 1 as is_held_out,
        rated_at
    from ordered

)

select * from final
