{#- A table: rec_course_recommendations and rec_evaluation both read it. -#}
{{ config(materialized='table') }}

-- Per scope (int_training_ratings) and user, the collaborative method item_cosine ("users
-- who rated this also rated"): the courses the user has not rated, scored by the sum, over
-- the courses the user rated, of their cosine similarity to the candidate (a candidate
-- counts for a rated course only when it is among its var('course_neighbours_per_course')
-- nearest, int_course_pairs_co_rated), to 9 decimal places (fixed_point_similarity). Best
-- first, ties to the lower course_id, var('course_recommendations_per_user') per user, in
-- any language. A course nobody rated together with one of the user's is never recommended.
with

training_ratings as (

    select * from {{ ref('int_training_ratings') }}

),

course_pairs as (

    select * from {{ ref('int_course_pairs_co_rated') }}

),

candidate_scores as (

    select
        training_ratings.scope,
        training_ratings.user_id,
        course_pairs.co_course_id as course_id,
        -- in fixed point, so that the sum is exact: the same on every run and engine
        sum({{ fixed_point_similarity('course_pairs.similarity') }}) as score_billionths
    from training_ratings
    inner join course_pairs
        on
            training_ratings.scope = course_pairs.scope
            and training_ratings.course_id = course_pairs.course_id
    group by
        training_ratings.scope,
        training_ratings.user_id,
        course_pairs.co_course_id

),

not_yet_rated as (

    select candidate_scores.*
    from candidate_scores
    left join training_ratings as rated
        on
            candidate_scores.scope = rated.scope
            and candidate_scores.user_id = rated.user_id
            and candidate_scores.course_id = rated.course_id
    where rated.course_id is null

),

ranked as (

    select
        scope,
        user_id,
        course_id,
        score_billionths,
        row_number() over (
            partition by scope, user_id
            order by score_billionths desc, course_id asc
        ) as recommendation_rank
    from not_yet_rated

),

final as (

    select
        scope,
        user_id,
        course_id,
        'item_cosine' as method,
        cast(recommendation_rank as {{ dbt.type_int() }}) as recommendation_rank,
        cast(score_billionths as {{ type_double() }}) / 1000000000 as score
    from ranked
    where recommendation_rank <= {{ var('course_recommendations_per_user') }}

)

select * from final
