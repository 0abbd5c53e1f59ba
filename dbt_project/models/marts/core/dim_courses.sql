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

final as (

    {{ dimension_with_members(
        'known_courses',
        'course_id',
        'ratings',
        [
            'title',
            'description',
            'programming_language',
            'is_programming_language_filled',
            'is_inferred_member',
        ]
    ) }}

)

select * from final
