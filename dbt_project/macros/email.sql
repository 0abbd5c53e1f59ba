{#
    Split an e-mail address into its user part and its domain, lower-cased and trimmed.
    The split is at the last '@' (a quoted local part may hold one). A NULL or blank address
    gives NULL for both; an address with no '@' gives the whole text as the user and a NULL
    domain. Portable SQL (dbt.position, and reverse, left, right, which DuckDB, PostgreSQL and
    Spark all have); an engine that needs its own version gets a <adapter>__email_user /
    __email_domain macro.
#}

{% macro email_user(email) -%}
    {{ return(adapter.dispatch('email_user')(email)) }}
{%- endmacro %}

{% macro default__email_user(email) -%}
    case
        when {{ dbt.position("'@'", "nullif(lower(trim(" ~ email ~ ")), '')") }} > 0
            then nullif(left(
                lower(trim({{ email }})),
                length(trim({{ email }})) - {{ dbt.position("'@'", 'reverse(trim(' ~ email ~ '))') }}
            ), '')
        else nullif(lower(trim({{ email }})), '')
    end
{%- endmacro %}

{% macro email_domain(email) -%}
    {{ return(adapter.dispatch('email_domain')(email)) }}
{%- endmacro %}

{% macro default__email_domain(email) -%}
    case
        when {{ dbt.position("'@'", "nullif(lower(trim(" ~ email ~ ")), '')") }} > 0
            then nullif(right(
                lower(trim({{ email }})),
                {{ dbt.position("'@'", 'reverse(trim(' ~ email ~ '))') }} - 1
            ), '')
    end
{%- endmacro %}
