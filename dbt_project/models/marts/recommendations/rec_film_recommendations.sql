-- For each customer, the films to recommend: films the customer has not rented, scored by
-- how often they were rented by the customers who rented the same films ("customers who
-- rented this also rented", item-to-item): score = the sum, over the films the customer
-- rented, of the number of customers who rented both that film and the candidate, where the
-- candidate is among that film's var('film_neighbours_per_film') most co-rented films. Best
-- first, ties to the lower film_id, var('film_recommendations_per_customer') per customer.
with

customer_films as (

    select * from {{ ref('int_customer_films_rented') }}

),

film_pairs as (

    select * from {{ ref('int_film_pairs_co_rented') }}

),

candidate_scores as (

    select
        customer_films.customer_id,
        film_pairs.co_film_id as film_id,
        sum(film_pairs.customer_count) as score
    from customer_films
    inner join film_pairs
        on customer_films.film_id = film_pairs.film_id
    where film_pairs.co_rental_rank <= {{ var('film_neighbours_per_film') }}
    group by
        customer_films.customer_id,
        film_pairs.co_film_id

),

not_yet_rented as (

    select candidate_scores.*
    from candidate_scores
    left join customer_films as rented
        on
            candidate_scores.customer_id = rented.customer_id
            and candidate_scores.film_id = rented.film_id
    where rented.film_id is null

),

ranked as (

    select
        customer_id,
        film_id,
        score,
        row_number() over (
            partition by customer_id
            order by score desc, film_id asc
        ) as recommendation_rank
    from not_yet_rented

),

final as (

    select
        customer_id,
        film_id,
        cast(recommendation_rank as {{ dbt.type_int() }}) as recommendation_rank,
        cast(score as {{ dbt.type_int() }}) as score
    from ranked
    where recommendation_rank <= {{ var('film_recommendations_per_customer') }}

)

select * from final
