{#- A table: rec_course_recommendations and rec_evaluation both read it. -#}
{{ config(materialized='table') }}

-- Per scope (int_training_ratings) and user, the baseline method popularity: the courses
-- the user has not rated, most rated first (score: the course's number of ratings in the
-- scope), ties to the lower course_id, in any language,
-- var('course_recommendations_per_user') per user. A course without a rating in the scope
-- is never recommended.
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

course_rankings as (

    select
        scope,
        course_id,
        rating_count,
        row_number() over (
            partition by scope
            order by rating_count desc, course_id asc
        ) as popularity_rank
    from course_counts

),

user_counts as (

    select
        scope,
        user_id,
        count(*) as rated_course_count
    from training_ratings
    group by
        scope,
        user_id

),

-- How deep the most prolific user reads into the ranking (as in
-- int_course_recommendations_by_rating: a join on the scope alone would pair every user
-- with every course before the rank filter).
scope_depths as (

    select
        scope,
        max(rated_course_count) + {{ var('course_recommendations_per_user') }} as max_rank
    from user_counts
    group by scope

),

top_course_rankings as (

    select course_rankings.*
    from course_rankings
    inner join scope_depths
        on course_rankings.scope = scope_depths.scope
    where course_rankings.popularity_rank <= scope_depths.max_rank

),

-- Only the first (N + courses the user rated) courses can make a user's top N.
candidate_scores as (

    select
        user_counts.scope,
        user_counts.user_id,
        course_rankings.course_id,
        course_rankings.rating_count
    from user_counts
    inner join top_course_rankings as course_rankings
        on
            user_counts.scope = course_rankings.scope
            and course_rankings.popularity_rank
            <= user_counts.rated_course_count + {{ var('course_recommendations_per_user') }}
    left join training_ratings as rated
        on
            user_counts.scope = rated.scope
            and user_counts.user_id = rated.user_id
            and course_rankings.course_id = rated.course_id
    where rated.course_id is null

),

ranked as (

    select
        scope,
        user_id,
        course_id,
        rating_count,
        row_number() over (
            partition by scope, user_id
            order by rating_count desc, course_id asc
        ) as recommendation_rank
    from candidate_scores

),

final as (

    select
        scope,
        user_id,
        course_id,
        'popularity' as method,
        cast(recommendation_rank as {{ dbt.type_int() }}) as recommendation_rank,
        cast(rating_count as {{ type_double() }}) as score
    from ranked
    where recommendation_rank <= {{ var('course_recommendations_per_user') }}

)

select * from final
