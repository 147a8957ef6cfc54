"""Bill text from RTF: `\\ul` underline inserted, `\\strike` struck (Georgia's web services).

Georgia's GGA services return bills as RTF inside a SOAP `GetLegislationTextResponse`
(state_documents/GA/hb397-2012-as-passed-soap-rtf.xml). Only what bill text needs is read:
groups and their character formatting, paragraph and line breaks, escapes; headers, footers,
field instructions and the tables of fonts, colours and styles are skipped.
"""

from __future__ import annotations

import re

from billwatch.text.marked import INSERTED, PLAIN, STRUCK, DocumentError, ExtractedText, Marked
from billwatch.text.marked import finish as _finish

_TOKEN = re.compile(
    r"\\([a-z]{1,32})(-?\d{1,10})? ?|\\'([0-9a-fA-F]{2})|\\(.)|([{}])|([^\\{}\r\n]+)|[\r\n]+",
    re.S,
)
# Destinations whose text is not the document's body.
_SKIP = frozenset(
    {
        "fonttbl",
        "colortbl",
        "stylesheet",
        "info",
        "header",
        "footer",
        "headerl",
        "headerr",
        "footerl",
        "footerr",
        "pict",
        "fldinst",
        "listtable",
        "listoverridetable",
        "rsidtbl",
        "generator",
        "xmlnstbl",
        "themedata",
        "latentstyles",
    }
)
_BREAKS = {"par": "\n", "line": "\n", "softline": " ", "tab": " ", "sect": "\n", "row": "\n"}
_SPECIAL = {"emdash": "—", "endash": "–", "lquote": "‘", "rquote": "’", "ldblquote": "“"}
_SPECIAL |= {"rdblquote": "”", "bullet": "•", "~": "\u00a0", "_": "-", "-": ""}


def rtf_to_text(rtf: str) -> ExtractedText:
    """Text of an RTF bill with underlined text inserted and struck-through text struck."""
    if not rtf.lstrip().startswith("{\\rtf"):
        raise DocumentError("not an RTF document: no {\\rtf header")
    out = Marked()
    # Per group: [underline, strike, skipped, unicode fallback length]
    stack: list[list[int]] = [[0, 0, 0, 1]]
    pending_skip = 0  # characters to drop after \uN (its ANSI fallback)
    for m in _TOKEN.finditer(rtf):
        word, number, hexa, symbol, brace, text = m.groups()
        state = stack[-1]
        if brace == "{":
            stack.append(list(state))
            continue
        if brace == "}":
            if len(stack) > 1:
                stack.pop()
            continue
        if word:
            pending_skip = _control(word, number, state, out, pending_skip)
            continue
        if symbol == "*":
            state[2] = 1  # an ignorable destination
            continue
        piece = bytes.fromhex(hexa).decode("cp1252", "replace") if hexa else text or ""
        if symbol:
            piece = _SPECIAL.get(symbol, symbol if symbol in "\\{}" else "")
        if pending_skip and piece:
            cut = min(pending_skip, len(piece))
            piece, pending_skip = piece[cut:], pending_skip - cut
        if piece and not state[2]:
            out.add(piece, _mark(state))
    return _finish(*out.build())


def _mark(state: list[int]) -> int:
    return STRUCK if state[1] else INSERTED if state[0] else PLAIN


def _control(word: str, number: str | None, state: list[int], out: Marked, skip: int) -> int:
    """Apply one control word; returns how many fallback characters to skip next."""
    if word in _SKIP:
        state[2] = 1
    elif word in ("ul", "uld", "uldb", "ulw"):
        state[0] = number != "0"
    elif word == "ulnone":
        state[0] = 0
    elif word in ("strike", "striked"):
        state[1] = number != "0"
    elif word == "plain":
        state[0] = state[1] = 0
    elif word == "uc" and number:
        state[3] = int(number)
    elif word == "u" and number:
        if not state[2]:
            out.add(chr(int(number) % 65536), _mark(state))
        return state[3]
    elif word in _BREAKS and not state[2]:
        out.add(_BREAKS[word])
    elif word in _SPECIAL and not state[2]:
        out.add(_SPECIAL[word], _mark(state))
    return skip
