-- Grain: one row per story of the API (an item of type story that is not deleted), with its
-- score and comment counts; dead stories stay, flagged. comment_count is the API's own count
-- of the story's comments (descendants, at any depth); direct_comment_count the comments
-- loaded that answer the story itself, deleted ones left out.
with

items as (

    select * from {{ ref('stg_api__items') }}

),

stories as (

    select * from items
    where item_type = 'story' and not is_deleted

),

direct_comments as (

    select
        parent_item_id as story_id,
        count(*) as direct_comment_count
    from items
    where item_type = 'comment' and not is_deleted
    group by parent_item_id

),

final as (

    select
        stories.item_id as story_id,
        {{ spine_date_key(utc_date('stories.posted_at')) }} as posted_date_key,
        stories.author,
        stories.title,
        stories.url,
        coalesce(stories.score, 0) as score,
        coalesce(stories.descendant_count, 0) as comment_count,
        cast(coalesce(direct_comments.direct_comment_count, 0) as {{ dbt.type_int() }})
            as direct_comment_count,
        stories.is_dead,
        stories.posted_at,
        stories._loaded_at,
        stories._batch_id
    from stories
    left join direct_comments
        on stories.item_id = direct_comments.story_id

)

select * from final
