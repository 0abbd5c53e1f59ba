-- One row per ordered pair of distinct films rented by at least one same customer, with the
-- number of customers who rented both (the co-occurrence count).
with

customer_films as (

    select * from {{ ref('int_customer_films_rented') }}

),

final as (

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

)

select * from final
