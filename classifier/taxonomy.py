"""The tag vocabulary, re-exported from the core (billwatch.taxonomy), where alerts reads it."""

from billwatch.taxonomy import ALERT_TAGS, BY_NAME, TAG_INFO, TAGS, TRACK_TAGS, TagInfo, stance

__all__ = ["ALERT_TAGS", "BY_NAME", "TAGS", "TAG_INFO", "TRACK_TAGS", "TagInfo", "stance"]
