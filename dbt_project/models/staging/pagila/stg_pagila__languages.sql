with

source as (

    select * from {{ source('pagila', 'language') }}

),

final as (

    select
        cast(language_id as {{ dbt.type_int() }}) as language_id,
        -- char(20) in pagila: the loader trims it, trimmed here again for other loaders
        trim(name) as language_name,
        cast(last_update as {{ type_timestamptz() }}) as updated_at,
        cast(_loaded_at as {{ type_timestamptz() }}) as _loaded_at,
        cast(_batch_id as {{ dbt.type_string() }}) as _batch_id
    from source

)

select * from final
