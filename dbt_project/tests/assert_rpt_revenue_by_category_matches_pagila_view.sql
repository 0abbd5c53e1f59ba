-- rpt_revenue_by_category says what pagila's own view sales_by_film_category says: the
-- view's SQL, run on raw, gives the same categories with the same totals. Returns the
-- categories that differ.
with

payments as (

    select * from {{ source('pagila', 'payment') }}

),

rentals as (

    select * from {{ source('pagila', 'rental') }}

),

inventory as (

    select * from {{ source('pagila', 'inventory') }}

),

films as (

    select * from {{ source('pagila', 'film') }}

),

film_categories as (

    select * from {{ source('pagila', 'film_category') }}

),

categories as (

    select * from {{ source('pagila', 'category') }}

),

report as (

    select * from {{ ref('rpt_revenue_by_category') }}

),

pagila_view as (

    select
        categories.name as category,
        sum(payments.amount) as total_sales
    from payments
    inner join rentals on payments.rental_id = rentals.rental_id
    inner join inventory on rentals.inventory_id = inventory.inventory_id
    inner join films on inventory.film_id = films.film_id
    inner join film_categories on films.film_id = film_categories.film_id
    inner join categories on film_categories.category_id = categories.category_id
    group by categories.name

),

final as (

    select
        coalesce(pagila_view.category, report.category) as category,
        pagila_view.total_sales as pagila_total_sales,
        report.total_sales as report_total_sales
    from pagila_view
    full outer join report
        on pagila_view.category = report.category
    where
        pagila_view.category is null
        or report.category is null
        or pagila_view.total_sales != report.total_sales

)

select * from final
