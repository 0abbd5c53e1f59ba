{#
    A dimension's rows: those of its own table (the relation or CTE `known`, keyed by `key`)
    and the members every dimension adds, so that facts never lose rows in inner joins:
    - inferred members: each key that `referenced` (a relation or CTE with a column `key`)
      names and `known` lacks, is_inferred_member true;
    - the unknown member -1, is_inferred_member false.
    attributes: the columns of `known` after the key, in order. In these members each is NULL,
    is_inferred_member as above, unless `overrides` (column -> SQL expression) gives it a value
    (a reference to another dimension's unknown member, for example). The NULLs take the types
    of the known rows, as branches of the same union.
    A versioned dimension (macros/history.sql) names its `surrogate_key`, the first column of
    `known`, before the key: each member is then one version valid for all time (its key's
    first version key, is_current, valid_from and valid_to from history_start to history_end).
#}
{% macro dimension_with_members(known, key, referenced, attributes, overrides={}, surrogate_key=none) -%}
    {%- set member_overrides = {} -%}
    {%- if surrogate_key -%}
        {%- do member_overrides.update({
            'is_current': 'true',
            'valid_from': history_start(),
            'valid_to': history_end(),
        }) -%}
    {%- endif -%}
    {%- do member_overrides.update(overrides) -%}
    select * from {{ known }}
    union all
    select
        {% if surrogate_key -%}
            {{ version_key(referenced ~ '.' ~ key, history_start()) }} as {{ surrogate_key }},
        {% endif -%}
        {{ referenced }}.{{ key }},
        {{ _member_attributes(attributes, member_overrides, 'true') }}
    from {{ referenced }}
    left join {{ known }}
        on {{ referenced }}.{{ key }} = {{ known }}.{{ key }}
    where
        {{ referenced }}.{{ key }} is not null
        and {{ known }}.{{ key }} is null
    group by {{ referenced }}.{{ key }}
    union all
    select
        {% if surrogate_key -%}
            {{ version_key('-1', history_start()) }} as {{ surrogate_key }},
        {% endif -%}
        -1 as {{ key }},
        {{ _member_attributes(attributes, member_overrides, 'false') }}
{%- endmacro %}

{% macro _member_attributes(attributes, overrides, is_inferred_member) -%}
    {%- for attribute in attributes -%}
        {%- if attribute == 'is_inferred_member' -%}
            {{ is_inferred_member }}
        {%- else -%}
            {{ overrides.get(attribute, 'null') }}
        {%- endif %} as {{ attribute }}{{ ",\n        " if not loop.last }}
    {%- endfor -%}
{%- endmacro %}
