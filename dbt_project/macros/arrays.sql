{#
    ordered_array_agg: the values of a group as an array in order_by order (an aggregate).
    Spark's collect_list keeps no order: it sorts (order_by, value) pairs, then keeps values.
#}
{% macro ordered_array_agg(value, order_by) -%}
    {{ return(adapter.dispatch('ordered_array_agg')(value, order_by)) }}
{%- endmacro %}

{% macro default__ordered_array_agg(value, order_by) -%}
    array_agg({{ value }} order by {{ order_by }})
{%- endmacro %}

{% macro spark__ordered_array_agg(value, order_by) -%}
    transform(
        array_sort(collect_list(struct({{ order_by }} as sort_key, {{ value }} as item))),
        entry -> entry.item
    )
{%- endmacro %}

{# empty_array: an empty array of element_type (a type name, e.g. dbt.type_int()). #}
{% macro empty_array(element_type) -%}
    {{ return(adapter.dispatch('empty_array')(element_type)) }}
{%- endmacro %}

{% macro default__empty_array(element_type) -%}
    cast(array[] as {{ type_array(element_type) }})
{%- endmacro %}

{% macro spark__empty_array(element_type) -%}
    cast(array() as {{ type_array(element_type) }})
{%- endmacro %}
