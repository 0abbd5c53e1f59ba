-- The categories of each film: one row per (film, category). A film in several categories
-- has several rows, each with category_weight 1/n, so that a sum weighted by it allocates a
-- film's revenue once; an unweighted sum counts it in every category (as pagila's
-- sales_by_film_category does). A film with no category has one row to the unknown category.
with

films as (

    -- the film's current version: categories do not change with its price
    select * from {{ ref('dim_films') }}
    where is_current

),

film_categories as (

    select * from {{ ref('stg_pagila__film_categories') }}

),

categorised_films as (

    select distinct
        film_id,
        category_id
    from film_categories

),

all_film_categories as (

    select
        films.film_id,
        coalesce(categorised_films.category_id, -1) as category_id
    from films
    left join categorised_films
        on films.film_id = categorised_films.film_id
    where films.film_id != -1

),

final as (

    select
        film_id,
        category_id,
        cast(1.0 as {{ type_double() }})
        / count(*) over (partition by film_id) as category_weight
    from all_film_categories

)

select * from final
