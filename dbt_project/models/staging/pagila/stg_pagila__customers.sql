with

source as (

    select * from {{ source('pagila', 'customer') }}

),

final as (

    select
        cast(customer_id as integer) as customer_id,
        cast(store_id as integer) as store_id,
        cast(address_id as integer) as address_id,
        cast(first_name as text) as first_name,
        cast(last_name as text) as last_name,
        {{ email_user('email') }} as email_user,
        {{ email_domain('email') }} as email_domain,
        -- pagila's `active` integer (1 or 0) beside the boolean `activebool`
        cast(active as integer) as active_status,
        cast(activebool as boolean) as is_active,
        cast(create_date as date) as created_date,
        cast(last_update as timestamp with time zone) as updated_at,
        cast(_loaded_at as timestamp with time zone) as _loaded_at,
        cast(_batch_id as text) as _batch_id
    from source

)

select * from final
