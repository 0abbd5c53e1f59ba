-- Films with their language and, in recommended_film_ids, the films most often rented by the
-- customers who rented this one ("customers who rented this also rented"; best first, ties by
-- film_id; var('recommended_films_per_film') of them; empty when nobody rented the film).
-- Categories hang off bridge_film_categories (a film may have several). One row per version
-- of the film's price and rating (SCD type 2, from snap_films), each valid over
-- [valid_from, valid_to) (macros/history.sql); inferred members and the unknown member -1 are
-- one version valid for all time.
with

films as (

    {{ versions_of(ref('snap_films'), 'film_id', 'film_sk') }}

),

languages as (

    select * from {{ ref('stg_pagila__languages') }}

),

film_pairs as (

    select * from {{ ref('int_film_pairs_co_rented') }}

),

inventory_items as (

    select * from {{ ref('stg_pagila__inventory_items') }}

),

film_categories as (

    select * from {{ ref('stg_pagila__film_categories') }}

),

recommended_films as (

    select
        film_id,
        {{ ordered_array_agg('co_film_id', 'co_rental_rank') }} as recommended_film_ids
    from film_pairs
    where co_rental_rank <= {{ var('recommended_films_per_film') }}
    group by film_id

),

known_films as (

    select
        films.film_sk,
        films.film_id,
        films.title,
        films.description,
        films.mpaa_rating,
        languages.language_name,
        original_languages.language_name as original_language_name,
        films.special_features,
        coalesce(
            recommended_films.recommended_film_ids,
            {{ empty_array(dbt.type_int()) }}
        ) as recommended_film_ids,
        films.release_year,
        films.rental_duration_days,
        films.length_minutes,
        films.rental_rate,
        films.replacement_cost,
        false as is_inferred_member,
        films.is_current,
        films.valid_from,
        films.valid_to,
        films.updated_at
    from films
    left join languages
        on films.language_id = languages.language_id
    left join languages as original_languages
        on films.original_language_id = original_languages.language_id
    left join recommended_films
        on films.film_id = recommended_films.film_id

),

referenced_films as (

    select film_id from inventory_items
    union
    select film_id from film_categories

),

final as (

    {{ dimension_with_members(
        'known_films',
        'film_id',
        'referenced_films',
        [
            'title', 'description', 'mpaa_rating', 'language_name', 'original_language_name',
            'special_features', 'recommended_film_ids', 'release_year', 'rental_duration_days',
            'length_minutes', 'rental_rate', 'replacement_cost', 'is_inferred_member',
            'is_current', 'valid_from', 'valid_to', 'updated_at',
        ],
        overrides={'recommended_film_ids': empty_array(dbt.type_int())},
        surrogate_key='film_sk',
    ) }}

)

select * from final
