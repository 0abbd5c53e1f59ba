-- The cast of each film: one row per (film, actor). A film with no actor has one row to the
-- unknown actor -1, so that an inner join from dim_films through the bridge keeps every film.
with

films as (

    select * from {{ ref('dim_films') }}
    where is_current

),

film_actors as (

    select * from {{ ref('stg_pagila__film_actors') }}

),

cast_members as (

    select distinct
        film_id,
        actor_id
    from film_actors
    where actor_id is not null

),

final as (

    select
        films.film_id,
        coalesce(cast_members.actor_id, -1) as actor_id
    from films
    left join cast_members
        on films.film_id = cast_members.film_id
    where films.film_id != -1

)

select * from final
