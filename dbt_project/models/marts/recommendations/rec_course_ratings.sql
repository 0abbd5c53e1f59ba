-- Per course with at least one rating: the average of its current ratings, their number, and
-- a damped (Bayesian) average that starts every course at var('rating_damping') ratings of
-- the global average, so that one 5-star rating does not beat a thousand 4.8s. Current
-- ratings are fct_ratings' (a re-rating counts once, as its latest value).
with

current_ratings as (

    select * from {{ ref('fct_ratings') }}

),

courses as (

    select * from {{ ref('stg_courses__courses') }}

),

course_ratings as (

    select
        current_ratings.course_id,
        current_ratings.rating
    from current_ratings
    inner join courses
        on current_ratings.course_id = courses.course_id

),

course_statistics as (

    {{ course_rating_statistics('course_ratings') }}

),

final as (

    select
        course_id,
        avg_rating,
        rating_count,
        damped_avg_rating
    from course_statistics

)

select * from final
