"""The taxonomy module matches the shared contract."""

import re

from classifier.taxonomy import ALERT_TAGS, TAGS, TRACK_TAGS, stance
from tests.conftest import shared_path


def test_tags_match_the_shared_taxonomy():
    text = shared_path("taxonomy.md").read_text()
    alert_part, rest = text.split("## TRACK")[0], text.split("## TRACK")[1]
    track_part = rest.split("## No tag")[0]
    assert set(re.findall(r"^\| `(\w+)`", alert_part, re.M)) == ALERT_TAGS
    assert set(re.findall(r"^\| `(\w+)`", track_part, re.M)) == TRACK_TAGS
    assert len(TAGS) == 15


def test_stance():
    assert stance({"penalty_increase", "record_relief"}) == "mixed"
    assert stance({"prevention"}) == "TRACK"
    assert stance(["carceral_funding"]) == "ALERT"
    assert stance([]) == "none"
