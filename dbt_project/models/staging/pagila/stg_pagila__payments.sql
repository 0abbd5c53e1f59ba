with

source as (

    select * from {{ source('pagila', 'payment') }}

),

final as (

    select
        cast(payment_id as integer) as payment_id,
        cast(rental_id as integer) as rental_id,
        cast(customer_id as integer) as customer_id,
        cast(staff_id as integer) as staff_id,
        cast(amount as numeric(5, 2)) as amount,
        cast(payment_date as timestamp with time zone) as paid_at,
        cast(_loaded_at as timestamp with time zone) as _loaded_at,
        cast(_batch_id as text) as _batch_id
    from source

)

select * from final
