-- For each user, the courses to recommend, var('course_recommendations_per_user') per
-- method, best first (recommendation_rank 1), learnt from every current rating (scope
-- 'serving' of the intermediate method models; rec_evaluation measures the same models on
-- held-out ratings):
--   avg_rating: the course notes' algorithm (courses in the user's languages, by average
--     rating), and damped_avg (the same, by the damped average):
--     int_course_recommendations_by_rating;
--   popularity: the most rated courses, any language: int_course_recommendations_by_popularity;
--   item_cosine: "users who rated this also rated": int_course_recommendations_by_similarity.
-- Ties go to the lower course_id; score is the value ranked on.
with

recommendations as (

    select * from {{ ref('int_course_recommendations') }}

),

final as (

    select
        user_id,
        course_id,
        recommendation_rank,
        score,
        method
    from recommendations
    where scope = 'serving'

)

select * from final
