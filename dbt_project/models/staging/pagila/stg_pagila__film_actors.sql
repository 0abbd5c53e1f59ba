with

source as (

    select * from {{ source('pagila', 'film_actor') }}

),

final as (

    select
        cast(film_id as {{ dbt.type_int() }}) as film_id,
        cast(actor_id as {{ dbt.type_int() }}) as actor_id,
        cast(last_update as {{ type_timestamptz() }}) as updated_at,
        cast(_loaded_at as {{ type_timestamptz() }}) as _loaded_at,
        cast(_batch_id as {{ dbt.type_string() }}) as _batch_id
    from source

)

select * from final
