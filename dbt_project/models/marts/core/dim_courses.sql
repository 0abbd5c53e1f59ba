-- Courses, with the programming language filled as the course notes do (see
-- stg_courses__courses). Beside the courses of raw: inferred members for ids that ratings
-- name, and the unknown member -1.
with

courses as (

    select * from {{ ref('stg_courses__courses') }}

),

ratings as (

    select * from {{ ref('stg_courses__ratings') }}

),

known_courses as (

    select
        course_id,
        title,
        description,
        programming_language,
        is_programming_language_filled,
        false as is_inferred_member
    from courses

),

inferred_courses as (

    select distinct
        ratings.course_id,
        cast(null as text) as title,
        cast(null as text) as description,
        cast(null as text) as programming_language,
        cast(null as boolean) as is_programming_language_filled,
        true as is_inferred_member
    from ratings
    left join courses
        on ratings.course_id = courses.course_id
    where
        ratings.course_id is not null
        and courses.course_id is null

),

unknown_course as (

    select
        -1 as course_id,
        cast(null as text) as title,
        cast(null as text) as description,
        cast(null as text) as programming_language,
        cast(null as boolean) as is_programming_language_filled,
        false as is_inferred_member

),

final as (

    select * from known_courses
    union all
    select * from inferred_courses
    union all
    select * from unknown_course

)

select * from final
