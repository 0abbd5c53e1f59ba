with

source as (

    select * from {{ source('pagila', 'film') }}

),

final as (

    select
        cast(film_id as integer) as film_id,
        cast(language_id as integer) as language_id,
        cast(original_language_id as integer) as original_language_id,
        cast(title as text) as title,
        cast(description as text) as description,
        cast(rating as text) as mpaa_rating,
        cast(special_features as text[]) as special_features,
        cast(release_year as integer) as release_year,
        cast(rental_duration as integer) as rental_duration_days,
        cast(length as integer) as length_minutes,
        cast(rental_rate as numeric(4, 2)) as rental_rate,
        cast(replacement_cost as numeric(5, 2)) as replacement_cost,
        cast(last_update as timestamp with time zone) as updated_at,
        cast(_loaded_at as timestamp with time zone) as _loaded_at,
        cast(_batch_id as text) as _batch_id
    from source

)

select * from final
