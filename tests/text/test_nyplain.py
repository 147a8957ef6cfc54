"""New York plain text: capitalised words hyphenated at line ends, and the hanging header."""

from __future__ import annotations

import json

from billwatch.text import plain_text_to_text
from tests.conftest import shared_path
from tests.text.spans import check_spans, words

HEADER = """                    S T A T E   O F   N E W   Y O R K
________________________________________________________________________

                                   812

                            I N  S E N A T E

AN ACT to amend the penal law, in relation to the crime of  labor  traf-
  ficking in the first degree

  THE  PEOPLE OF THE STATE OF NEW  YORK, REPRESENTED IN SENATE AND ASSEM-
BLY, DO ENACT AS FOLLOWS:

  Section 1. Section 135.35 of the penal law is amended to read as  fol-
lows:
  S 135.35. A person is guilty of labor trafficking if he or she  com-
pels  a person to work for a period of [one] TWO OR MORE YEARS, OR GREAT-
ER, AS THE COURT MAY DETERMINE ON A FIELD-BASED REVIEW OF THE  FIELD-
BASED EVIDENCE.
  S 2. This act shall take effect immediately.

 EXPLANATION--Matter in ITALICS (underscored) is new; matter in brackets
                      [ ] is old law to be omitted.
                                                           LBD01234-01-7
"""


def test_capitalised_words_hyphenated_at_a_line_end_are_joined() -> None:
    result = plain_text_to_text(HEADER)
    check_spans(result)
    assert "IN SENATE AND ASSEMBLY, DO ENACT AS FOLLOWS:" in result.text
    inserted = " ".join(words(result, result.inserted))
    assert "OR GREATER, AS THE COURT" in inserted
    # A word the text also hyphenates mid-line keeps its hyphen at a line end.
    assert "OF THE FIELD-BASED EVIDENCE" in inserted
    assert words(result, result.struck) == ["one"]
    assert "compels a person" in result.text


def test_title_lines_before_the_enacting_clause_are_joined() -> None:
    lines = plain_text_to_text(HEADER).text.splitlines()
    assert (
        "AN ACT to amend the penal law, in relation to the crime of labor trafficking in the "
        "first degree" in lines
    )
    assert any(line.startswith("§ 135.35. A person is guilty") for line in lines)
    assert "§ 2. This act shall take effect immediately." in lines


def test_open_legislation_full_text_header() -> None:
    data = json.loads(
        shared_path("fixtures", "ny_openleg", "api_v3", "S609-2017_bill_response.json").read_text()
    )
    text = plain_text_to_text(data["result"]["amendments"]["items"][""]["fullText"]).text
    lines = text.splitlines()
    assert "REPRESENTED IN SENATE AND ASSEMBLY, DO ENACT AS FOLLOWS:" in text
    assert (
        "AN ACT to amend the real property law, in relation to training and continuing "
        "education requirements for home inspector licensing" in lines
    )
    assert any(line.startswith("Introduced by Sen. BOYLE -- read twice") for line in lines)
