{{
    config(
        materialized='incremental',
        unique_key='rental_id',
        incremental_strategy=incremental_strategy(),
        on_schema_change='fail',
        post_hook="{{ delete_rows_gone_from(ref('int_rentals_resolved'), ['rental_id']) }}",
    )
}}

-- Grain: one row per rental (a copy of a film taken out by a customer).
with

rentals as (

    select * from {{ ref('int_rentals_resolved') }}
    {% if reads_new_rows_only() %}
        where
            {{ loaded_since_last_build() }}
            -- a rental whose copy was not in the inventory yet is looked up again
            or rental_id in (select rental_id from {{ this }} where film_id = -1)
            -- a rental whose customer or film changed before it, as found since it was built
            or rental_id in ({{ rows_with_stale_version(
                'rental_id', 'customer_id', 'rented_at', 'customer_sk', ref('dim_customers')
            ) }})
            or rental_id in ({{ rows_with_stale_version(
                'rental_id', 'film_id', 'rented_at', 'film_sk', ref('dim_films')
            ) }})
    {% endif %}

),

customers as (

    select * from {{ ref('dim_customers') }}

),

film_versions as (

    select * from {{ ref('dim_films') }}

),

rental_days as (

    select
        rentals.*,
        customers.customer_sk,
        film_versions.film_sk,
        -- infinite instants (which PostgreSQL refuses to subtract) have no duration
        case
            when
                {{ is_finite_instant('rentals.rented_at') }}
                and {{ is_finite_instant('rentals.returned_at') }}
                then cast({{ dbt.datediff(
                    utc_date('rentals.rented_at'),
                    utc_date('rentals.returned_at'),
                    'day'
                ) }} as {{ dbt.type_int() }})
        end as days_rented
    from rentals
    -- the version of the customer valid when the copy was rented
    left join customers
        on {{ version_at('rentals.customer_id', 'rentals.rented_at', 'customers', 'customer_id') }}
    -- and of the film (its price then)
    left join film_versions
        on {{ version_at('rentals.film_id', 'rentals.rented_at', 'film_versions', 'film_id') }}

),

final as (

    select
        rental_id,
        coalesce(customer_id, -1) as customer_id,
        coalesce(customer_sk, {{ version_key('-1', history_start()) }}) as customer_sk,
        coalesce(film_id, -1) as film_id,
        coalesce(film_sk, {{ version_key('-1', history_start()) }}) as film_sk,
        coalesce(store_id, -1) as store_id,
        coalesce(staff_id, -1) as staff_id,
        inventory_id,
        {{ spine_date_key(utc_date('rented_at')) }} as rental_date_key,
        {{ spine_date_key(utc_date('returned_at')) }} as return_date_key,
        days_rented,
        returned_at is not null as is_returned,
        coalesce(days_rented > rental_duration_days, false) as is_returned_late,
        rented_at,
        returned_at,
        _loaded_at,
        _batch_id
    from rental_days

)

select * from final
