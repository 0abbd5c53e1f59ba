-- What an analyst asks, in the course notes' words: the titles of the courses recommended to
-- a user (method avg_rating, the notes' algorithm) whose average rating is above a threshold,
-- best first. Run it with the user and the threshold as vars, e.g. from the repository root:
--   dbt show --project-dir dbt_project --profiles-dir profiles \
--       --select recommendations_for_user --vars '{user_id: 42, threshold: 4.0}'
-- (or `dbt compile` the same way and run target/compiled/.../recommendations_for_user.sql).
-- The defaults (user 1, threshold 0) only keep `dbt compile` of the whole project working.
with

recommendations as (

    select * from {{ ref('rec_course_recommendations') }}

),

courses as (

    select * from {{ ref('dim_courses') }}

),

final as (

    select
        courses.title,
        recommendations.score as rating,
        recommendations.recommendation_rank
    from recommendations
    inner join courses
        on recommendations.course_id = courses.course_id
    where
        recommendations.method = 'avg_rating'
        and recommendations.user_id = {{ var('user_id', 1) | int }}
        and recommendations.score > {{ var('threshold', 0) | float }}

)

select
    title,
    rating
from final
order by rating desc, recommendation_rank asc
