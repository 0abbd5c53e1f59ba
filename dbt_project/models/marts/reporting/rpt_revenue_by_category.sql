-- Revenue per film category, with the meaning of pagila's view sales_by_film_category: the
-- sum of the payments for rentals of the category's films, a film in several categories
-- counting in each; payments whose rental, copy, film or category is unknown are left out.
with

payments as (

    select * from {{ ref('fct_payments') }}

),

films as (

    -- the film's current version: categories do not change with its price
    select * from {{ ref('dim_films') }}
    where is_current

),

film_categories as (

    select * from {{ ref('bridge_film_categories') }}

),

categories as (

    select * from {{ ref('dim_categories') }}

),

category_payments as (

    select
        categories.category_name,
        payments.amount
    from payments
    inner join films
        on payments.film_id = films.film_id
    inner join film_categories
        on films.film_id = film_categories.film_id
    inner join categories
        on film_categories.category_id = categories.category_id
    where
        films.film_id != -1
        and not films.is_inferred_member
        and categories.category_id != -1
        and not categories.is_inferred_member

),

final as (

    select
        category_name as category,
        cast(sum(amount) as numeric(14, 2)) as total_sales
    from category_payments
    group by category_name

)

select * from final
