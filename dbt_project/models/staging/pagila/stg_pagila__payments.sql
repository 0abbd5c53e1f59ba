with

source as (

    select * from {{ source('pagila', 'payment') }}

),

final as (

    select
        cast(payment_id as {{ dbt.type_int() }}) as payment_id,
        cast(rental_id as {{ dbt.type_int() }}) as rental_id,
        cast(customer_id as {{ dbt.type_int() }}) as customer_id,
        cast(staff_id as {{ dbt.type_int() }}) as staff_id,
        cast(amount as numeric(5, 2)) as amount,
        cast(payment_date as {{ type_timestamptz() }}) as paid_at,
        cast(_loaded_at as {{ type_timestamptz() }}) as _loaded_at,
        cast(_batch_id as {{ dbt.type_string() }}) as _batch_id
    from source
    -- rows deleted in the source (the loader's deletes: soft) are left out
    where _deleted_at is null

)

select * from final
