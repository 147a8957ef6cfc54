"""Generic action classification and the stage a bill's actions reach."""

import pytest

from billwatch.actions import classify_action, derive_stage


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Introduced. Read first time.", ["introduction"]),
        ("Referred to Com. on PUB. S.", ["referral-committee"]),
        ("Criminal Justice: Second Hearing (proponent testimony)", ["hearing"]),
        (
            "From committee: Do pass and re-refer to Com. on APPR. (Ayes 5. Noes 2.)",
            ["committee-passage"],
        ),
        ("Read third time. Passed. Ordered to the Senate.", ["passage"]),
        ("Enrolled and presented to the Governor at 3 p.m.", ["executive-receipt"]),
        ("Approved by the Governor.", ["executive-signature", "became-law"]),
        ("Vetoed by Governor.", ["executive-veto"]),
        ("Held in committee.", ["failure"]),
        ("Printed.", []),
    ],
)
def test_classify_action(text, expected):
    assert classify_action(text) == expected


def test_stage_follows_the_furthest_step():
    actions = [
        ("lower", ["introduction"]),
        ("lower", ["referral-committee"]),
        ("lower", ["committee-passage"]),
        ("lower", ["passage"]),
        ("upper", ["passage"]),
    ]
    assert derive_stage(actions) == "passed both chambers"
    assert derive_stage(actions[:4]) == "passed one chamber"
    assert derive_stage([*actions, ("executive", ["executive-veto"])]) == "vetoed"
    assert (
        derive_stage([*actions, ("executive", ["executive-signature", "became-law"])]) == "enacted"
    )
    assert derive_stage([]) is None
