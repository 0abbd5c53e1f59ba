with

source as (

    select * from {{ source('api', 'items') }}

),

final as (

    select
        cast(id as {{ dbt.type_bigint() }}) as item_id,
        cast(parent as {{ dbt.type_bigint() }}) as parent_item_id,
        cast(type as {{ dbt.type_string() }}) as item_type,
        cast({{ adapter.quote('by') }} as {{ dbt.type_string() }}) as author,
        cast(title as {{ dbt.type_string() }}) as title,
        cast(url as {{ dbt.type_string() }}) as url,
        cast(text as {{ dbt.type_string() }}) as body_html,
        cast(score as {{ dbt.type_int() }}) as score,
        cast(descendants as {{ dbt.type_int() }}) as descendant_count,
        coalesce(deleted, false) as is_deleted,
        coalesce(dead, false) as is_dead,
        {{ epoch_instant('time') }} as posted_at,
        cast(_loaded_at as {{ type_timestamptz() }}) as _loaded_at,
        cast(_batch_id as {{ dbt.type_string() }}) as _batch_id
    from source

)

select * from final
