{{
    config(
        materialized='incremental',
        unique_key='payment_id',
        incremental_strategy=incremental_strategy(),
        on_schema_change='fail',
        post_hook="{{ delete_rows_gone_from(ref('stg_pagila__payments'), ['payment_id']) }}",
    )
}}

-- Grain: one row per payment by a customer (pagila's payment table: usually one per rental,
-- sometimes several). film_id and store_id are those of the rented copy.
with

payments as (

    select * from {{ ref('stg_pagila__payments') }}
    {% if reads_new_rows_only() %}
        where
            {{ loaded_since_last_build() }}
            -- a payment whose rental or copy was not loaded yet is looked up again
            or payment_id in (select payment_id from {{ this }} where film_id = -1)
            -- a payment whose customer or film changed before it, as found since it was built
            or payment_id in ({{ rows_with_stale_version(
                'payment_id', 'customer_id', 'paid_at', 'customer_sk', ref('dim_customers')
            ) }})
            or payment_id in ({{ rows_with_stale_version(
                'payment_id', 'film_id', 'paid_at', 'film_sk', ref('dim_films')
            ) }})
    {% endif %}

),

rentals as (

    select * from {{ ref('int_rentals_resolved') }}

),

customers as (

    select * from {{ ref('dim_customers') }}

),

films as (

    select * from {{ ref('dim_films') }}

),

final as (

    select
        payments.payment_id,
        payments.rental_id,
        coalesce(payments.customer_id, -1) as customer_id,
        coalesce(
            customers.customer_sk, {{ version_key('-1', history_start()) }}
        ) as customer_sk,
        coalesce(rentals.film_id, -1) as film_id,
        coalesce(films.film_sk, {{ version_key('-1', history_start()) }}) as film_sk,
        coalesce(rentals.store_id, -1) as store_id,
        coalesce(payments.staff_id, -1) as staff_id,
        {{ spine_date_key(utc_date('payments.paid_at')) }} as payment_date_key,
        payments.amount,
        payments.paid_at,
        payments._loaded_at,
        payments._batch_id
    from payments
    left join rentals
        on payments.rental_id = rentals.rental_id
    -- the version of the customer valid when the payment was made
    left join customers
        on {{ version_at('payments.customer_id', 'payments.paid_at', 'customers', 'customer_id') }}
    -- and of the film paid for
    left join films
        on {{ version_at('rentals.film_id', 'payments.paid_at', 'films', 'film_id') }}

)

select * from final
