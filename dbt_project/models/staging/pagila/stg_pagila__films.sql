with

source as (

    select * from {{ source('pagila', 'film') }}

),

final as (

    select
        cast(film_id as {{ dbt.type_int() }}) as film_id,
        cast(language_id as {{ dbt.type_int() }}) as language_id,
        cast(original_language_id as {{ dbt.type_int() }}) as original_language_id,
        cast(title as {{ dbt.type_string() }}) as title,
        cast(description as {{ dbt.type_string() }}) as description,
        cast(rating as {{ dbt.type_string() }}) as mpaa_rating,
        cast(special_features as {{ type_array(dbt.type_string()) }}) as special_features,
        cast(release_year as {{ dbt.type_int() }}) as release_year,
        cast(rental_duration as {{ dbt.type_int() }}) as rental_duration_days,
        cast(length as {{ dbt.type_int() }}) as length_minutes,
        cast(rental_rate as numeric(4, 2)) as rental_rate,
        cast(replacement_cost as numeric(5, 2)) as replacement_cost,
        cast(last_update as {{ type_timestamptz() }}) as updated_at,
        cast(_loaded_at as {{ type_timestamptz() }}) as _loaded_at,
        cast(_batch_id as {{ dbt.type_string() }}) as _batch_id
    from source

)

select * from final
