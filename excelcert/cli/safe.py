"""Text that came from a file (a roster, a returned workbook, the register) made safe to
print: whatever a cell holds, it cannot move the cursor, recolour, blink or retitle the
terminal, nor open a link. Every line the CLI prints goes through `echo`; rich tables take
`plain` text (terminal.py), never read as markup.
"""

from __future__ import annotations

import re
import unicodedata

import click

# Escape sequences, removed whole: CSI (colours, cursor moves, blinking: ESC [ or the one
# byte 0x9B ... final letter), OSC, DCS, SOS, PM and APC strings (window titles, links:
# ESC ] ... up to BEL or ST, or the end of the text), and two-character escapes (ESC c).
_SEQUENCE = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]?"
    r"|(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f]).*?(?:\x07|\x1b\\|\x9c|$)"
    r"|\x1b[ -/]*[0-~]?",
    re.DOTALL,
)


def _cleaned(text: str, keep: str) -> str:
    if text.isascii() and text.isprintable():  # no escape, control character or formatting mark
        return text  # in it: as it is (most text is; a table prints thousands of cells)
    text = _SEQUENCE.sub("", text)
    return "".join("\ufffd" if ch not in keep and unicodedata.category(ch) in ("Cc", "Cf") else ch for ch in text)


def plain(text: object) -> str:
    """One line of text from a file, safe to print: escape sequences removed, any other
    control character (a bell, a line break) or invisible formatting mark (a bidirectional
    override) shown as U+FFFD."""
    return _cleaned(str(text), "")


def safe_lines(text: object) -> str:
    """Like `plain`, keeping line breaks and tabs (for messages of several lines)."""
    return _cleaned(str(text), "\n\t")


def echo(message: object = "", *, err: bool = False, nl: bool = True) -> None:
    """click.echo, with whatever came from a file made safe (`safe_lines`)."""
    click.echo(safe_lines(message), err=err, nl=nl)


def json_text(text: str) -> str:
    """JSON text (from json.dumps with ensure_ascii=False) with the control characters and
    formatting marks json.dumps leaves raw (DEL, C1 controls, bidirectional overrides)
    written as \\u escapes: the same JSON, safe to print."""

    def escaped(match: re.Match[str]) -> str:
        code = ord(match.group())
        if code > 0xFFFF:
            code -= 0x10000
            return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"
        return f"\\u{code:04x}"

    return _UNSAFE_IN_JSON.sub(escaped, text)


_UNSAFE_IN_JSON = re.compile(
    "[" + "".join(re.escape(chr(c)) for c in range(0x7F, 0xA0)) + "\u00ad\u0600-\u0605\u061c\u06dd\u070f"
    "\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb\U000110bd\U000e0001-\U000e007f]"
)
