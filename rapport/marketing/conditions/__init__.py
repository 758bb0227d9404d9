"""Segment condition types. Importing this package registers the marketing app's own types;
other apps register theirs from their `AppConfig.ready` (campaign engagement will add
"opened / clicked a campaign" this way)."""

from rapport.marketing.conditions import (  # noqa: F401
    activity,
    contact,
    custom_fields,
    lists,
    sales,
)
