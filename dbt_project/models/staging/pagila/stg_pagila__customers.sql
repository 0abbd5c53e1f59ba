with

source as (

    select * from {{ source('pagila', 'customer') }}

),

final as (

    select
        cast(customer_id as {{ dbt.type_int() }}) as customer_id,
        cast(store_id as {{ dbt.type_int() }}) as store_id,
        cast(address_id as {{ dbt.type_int() }}) as address_id,
        cast(first_name as {{ dbt.type_string() }}) as first_name,
        cast(last_name as {{ dbt.type_string() }}) as last_name,
        {{ email_user('email') }} as email_user,
        {{ email_domain('email') }} as email_domain,
        -- pagila's `active` integer (1 or 0) beside the boolean `activebool`
        cast(active as {{ dbt.type_int() }}) as active_status,
        cast(activebool as {{ dbt.type_boolean() }}) as is_active,
        cast(create_date as date) as created_date,
        cast(last_update as {{ type_timestamptz() }}) as updated_at,
        cast(_loaded_at as {{ type_timestamptz() }}) as _loaded_at,
        cast(_batch_id as {{ dbt.type_string() }}) as _batch_id
    from source

)

select * from final
