{#- A table: rec_course_recommendations and rec_evaluation both read it. -#}
{{ config(materialized='table') }}

-- Per scope (int_training_ratings) and user, the courses to recommend by rating, the course
-- notes' way: courses the user has not rated, in the programming languages of the courses
-- the user has rated (a missing language filled as in stg_courses__courses), best first,
-- var('course_recommendations_per_user') per method.
--   method avg_rating: the course notes' algorithm, ranked by the course's average rating;
--   method damped_avg: the same candidates ranked by the damped average (rec_course_ratings).
-- Ties go to the lower course_id. A course without a rating in the scope is never
-- recommended; a user with no candidate gets no row. score is the value ranked on.
with

training_ratings as (

    select * from {{ ref('int_training_ratings') }}

),

courses as (

    select * from {{ ref('stg_courses__courses') }}

),

course_statistics as (

    {{ course_rating_statistics('training_ratings', partition_by='scope') }}

),

course_scores as (

    select
        course_statistics.scope,
        course_statistics.course_id,
        courses.programming_language,
        'avg_rating' as method,
        course_statistics.avg_rating as score
    from course_statistics
    inner join courses
        on course_statistics.course_id = courses.course_id
    union all
    select
        course_statistics.scope,
        course_statistics.course_id,
        courses.programming_language,
        'damped_avg' as method,
        course_statistics.damped_avg_rating as score
    from course_statistics
    inner join courses
        on course_statistics.course_id = courses.course_id

),

-- Each language's courses in the order every user's list is ranked in.
language_rankings as (

    select
        scope,
        course_id,
        programming_language,
        method,
        score,
        row_number() over (
            partition by scope, programming_language, method
            order by score desc, course_id asc
        ) as language_rank
    from course_scores

),

user_languages as (

    select
        scope,
        user_id,
        programming_language,
        count(*) as rated_course_count
    from training_ratings
    group by
        scope,
        user_id,
        programming_language

),

-- How deep any user reads into each language (an equality join on the language alone would
-- pair every user with every course of the language before the rank filter).
language_depths as (

    select
        scope,
        programming_language,
        max(rated_course_count) + {{ var('course_recommendations_per_user') }} as max_language_rank
    from user_languages
    group by
        scope,
        programming_language

),

top_language_rankings as (

    select language_rankings.*
    from language_rankings
    inner join language_depths
        on
            language_rankings.scope = language_depths.scope
            and language_rankings.programming_language = language_depths.programming_language
    where language_rankings.language_rank <= language_depths.max_language_rank

),

-- Candidates: the user's unrated courses in the user's languages. Only the first
-- (N + courses the user rated in the language) of a language can make the user's top N: at
-- least N of them are unrated, and they come first in the same order. Reading no further
-- gives the same result as ranking all of them, at a fraction of the rows.
candidate_scores as (

    select
        user_languages.scope,
        user_languages.user_id,
        language_rankings.course_id,
        language_rankings.method,
        language_rankings.score
    from user_languages
    inner join top_language_rankings as language_rankings
        on
            user_languages.scope = language_rankings.scope
            and user_languages.programming_language = language_rankings.programming_language
            and language_rankings.language_rank
            <= user_languages.rated_course_count + {{ var('course_recommendations_per_user') }}
    left join training_ratings as rated
        on
            user_languages.scope = rated.scope
            and user_languages.user_id = rated.user_id
            and language_rankings.course_id = rated.course_id
    where rated.course_id is null

),

ranked as (

    select
        scope,
        user_id,
        course_id,
        method,
        score,
        row_number() over (
            partition by scope, user_id, method
            order by score desc, course_id asc
        ) as recommendation_rank
    from candidate_scores

),

final as (

    select
        scope,
        user_id,
        course_id,
        method,
        cast(recommendation_rank as {{ dbt.type_int() }}) as recommendation_rank,
        score
    from ranked
    where recommendation_rank <= {{ var('course_recommendations_per_user') }}

)

select * from final
