{#- A table, not the folder's view: dim_films, rec_film_recommendations and the tests all
    read it, and the self-join behind it is the costliest step of the film marts. -#}
{{ config(materialized='table') }}

-- For each film, the films rented by the most customers who rented it (its item-to-item
-- neighbours): one row per ordered pair of distinct films with customer_count, the number of
-- customers who rented both, and co_rental_rank, the pair's rank among the film's pairs
-- (most customers first, ties to the lower co_film_id). Only the first ranks are kept:
-- as many as dim_films and rec_film_recommendations read.
with

customer_films as (

    select * from {{ ref('int_customer_films_rented') }}

),

film_pairs as (

    select
        films_rented.film_id,
        co_films_rented.film_id as co_film_id,
        count(*) as customer_count
    from customer_films as films_rented
    inner join customer_films as co_films_rented
        on
            films_rented.customer_id = co_films_rented.customer_id
            and films_rented.film_id != co_films_rented.film_id
    group by
        films_rented.film_id,
        co_films_rented.film_id

),

ranked_film_pairs as (

    select
        film_id,
        co_film_id,
        customer_count,
        row_number() over (
            partition by film_id
            order by customer_count desc, co_film_id asc
        ) as co_rental_rank
    from film_pairs

),

final as (

    select
        film_id,
        co_film_id,
        cast(customer_count as {{ dbt.type_int() }}) as customer_count,
        cast(co_rental_rank as {{ dbt.type_int() }}) as co_rental_rank
    from ranked_film_pairs
    where
        co_rental_rank <= {{ [
            var('film_neighbours_per_film') | int,
            var('recommended_films_per_film') | int,
        ] | max }}

)

select * from final
