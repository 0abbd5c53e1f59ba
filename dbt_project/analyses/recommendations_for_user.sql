-- What an analyst asks, in the course notes' words: the titles of the courses recommended to
-- a user whose average rating is above a threshold, best first, by one method of
-- rec_course_recommendations (avg_rating, the notes' algorithm, by default; `elt recommend`
-- passes the best-evaluated one of rec_evaluation). Run it with the vars, e.g. from the
-- repository root:
--   dbt show --project-dir dbt_project --profiles-dir profiles \
--       --select recommendations_for_user --vars '{user_id: 42, threshold: 4.0}'
-- (or `dbt compile` the same way and run target/compiled/.../recommendations_for_user.sql).
-- The defaults (user 1, threshold 0) only keep `dbt compile` of the whole project working.
with

recommendations as (

    select * from {{ ref('rec_course_recommendations') }}

),

course_ratings as (

    select * from {{ ref('rec_course_ratings') }}

),

courses as (

    select * from {{ ref('dim_courses') }}

),

final as (

    select
        courses.title,
        course_ratings.avg_rating as rating,
        recommendations.recommendation_rank
    from recommendations
    inner join courses
        on recommendations.course_id = courses.course_id
    inner join course_ratings
        on recommendations.course_id = course_ratings.course_id
    where
        recommendations.method = {{ dbt.string_literal(var('method', 'avg_rating')) }}
        and recommendations.user_id = {{ var('user_id', 1) | int }}
        and course_ratings.avg_rating > {{ var('threshold', 0) | float }}

)

select
    title,
    rating
from final
order by recommendation_rank asc
