# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Minimal-edit merging of one ``[table]`` into a TOML file (Codex's config.toml).

``tomllib`` only reads, and only from Python 3.11, while targets may run 3.8.
Codex's own ``codex mcp add`` keeps comments and other tables, so this does
too, by editing text instead of re-serialising:

* a statement scanner finds every ``[table]`` header and ``key = value`` line,
  stepping correctly over strings, multi-line strings and multi-line arrays,
  so a ``[`` inside a string is never taken for a header;
* our server is the table ``[mcp_servers.<name>]`` plus any of its sub-tables;
  its lines (header to last statement) are replaced by a freshly rendered
  table, or removed; a new table is appended at the end of the file;
* everything else stays byte for byte, including comments directly above our
  header and comment or blank lines after its last statement (they usually
  introduce the next table). Comments *inside* our table are not kept: the
  table is owned by this module.

A small decoder reads the value types our table uses (strings, numbers,
booleans, arrays, inline tables) so the current entry can be compared with the
wanted one. ``tomllib`` (3.11+) or ``tomli`` is used, when importable, to
validate the whole file before and after the edit.

Python 3.8+, standard library only.
"""

from __future__ import annotations

import math
import re

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_INTEGER = re.compile(r"[+-]?(?:0|[1-9](?:_?[0-9])*)\Z")
_RADIX_INTEGER = re.compile(r"0(?:x[0-9A-Fa-f](?:_?[0-9A-Fa-f])*|o[0-7](?:_?[0-7])*|b[01](?:_?[01])*)\Z")
_FLOAT = re.compile(r"[+-]?(?:0|[1-9](?:_?[0-9])*)(?:\.[0-9](?:_?[0-9])*)?(?:[eE][+-]?[0-9](?:_?[0-9])*)?\Z")
_SPECIAL_FLOAT = re.compile(r"[+-]?(?:inf|nan)\Z")
_ESCAPES = {"b": "\b", "t": "\t", "n": "\n", "f": "\f", "r": "\r", '"': '"', "\\": "\\"}


class TomlError(ValueError):
    """The text is not TOML this module can read; ``line`` is 1-based."""

    def __init__(self, message, text=None, pos=None):
        self.line = None
        if text is not None and pos is not None:
            self.line = text.count("\n", 0, pos) + 1
            message = f"{message} at line {self.line}"
        super().__init__(message)


class Unsupported(ValueError):
    """A value type (such as a date) that the small decoder does not read."""


class Statement:
    """One header or key/value statement, with the span of its lines."""

    __slots__ = ("end", "kind", "path", "start", "table", "value_pos", "value_text")

    def __init__(self, kind, path, table, start, end, value_text=None, value_pos=None):
        self.kind = kind  # 'table', 'array_table' or 'keyval'
        self.path = path  # header path, or the dotted key of a keyval
        self.table = table  # keyvals: path of the table they are in
        self.start = start  # start of the statement's first line
        self.end = end  # just after the newline ending its last line
        self.value_text = value_text
        self.value_pos = value_pos


# -- scanning ----------------------------------------------------------------


class _Scanner:
    def __init__(self, text):
        self.text = text
        self.pos = 0

    def fail(self, message, pos=None):
        raise TomlError(message, self.text, self.pos if pos is None else pos)

    def skip_blanks(self):
        while self.pos < len(self.text) and self.text[self.pos] in " \t":
            self.pos += 1

    def end_of_line(self):
        """After a statement: blanks, an optional comment, then a newline or EOF."""
        self.skip_blanks()
        text = self.text
        if self.pos < len(text) and text[self.pos] == "#":
            newline = text.find("\n", self.pos)
            self.pos = len(text) if newline < 0 else newline
        if self.pos < len(text) and text.startswith("\r\n", self.pos):
            self.pos += 1
        if self.pos < len(text):
            if text[self.pos] != "\n":
                self.fail(f"unexpected text {text[self.pos : self.pos + 10]!r} after a statement")
            self.pos += 1
        return self.pos

    def key_path(self):
        keys = []
        text = self.text
        while True:
            self.skip_blanks()
            if self.pos >= len(text):
                self.fail("unexpected end of file in a key")
            char = text[self.pos]
            if char == '"':
                start = self.pos
                self.pos = _string_end(text, self.pos, '"')
                keys.append(decode_value(text[start : self.pos]))
            elif char == "'":
                start = self.pos
                self.pos = _string_end(text, self.pos, "'")
                keys.append(text[start + 1 : self.pos - 1])
            else:
                match = _BARE_KEY.match(text, self.pos)
                if not match:
                    self.fail("invalid key")
                keys.append(match.group())
                self.pos = match.end()
            self.skip_blanks()
            if self.pos < len(text) and text[self.pos] == ".":
                self.pos += 1
                continue
            return tuple(keys)

    def value_span(self):
        """Skip one value (strings, nested arrays and inline tables); return its span."""
        self.skip_blanks()
        text = self.text
        start = self.pos
        depth = 0
        while self.pos < len(text):
            char = text[self.pos]
            if text.startswith('"""', self.pos) or text.startswith("'''", self.pos):
                self.pos = _multiline_end(text, self.pos)
                continue
            if char in "\"'":
                self.pos = _string_end(text, self.pos, char)
                continue
            if char in "[{":
                depth += 1
            elif char in "]}":
                depth -= 1
                if depth < 0:
                    self.fail(f"unbalanced {char!r}")
            elif char == "#":
                if depth == 0:
                    break
                newline = text.find("\n", self.pos)
                self.pos = len(text) if newline < 0 else newline
                continue
            elif char == "\n" and depth == 0:
                break
            self.pos += 1
        if depth:
            self.fail("unterminated array or inline table", start)
        value = text[start : self.pos].rstrip()
        if not value:
            self.fail("a key has no value", start)
        self.pos = start + len(value)
        return start, value

    def statements(self):
        text = self.text
        table = ()
        result = []
        while True:
            while self.pos < len(text) and text[self.pos] in " \t\r\n":
                self.pos += 1
            if self.pos >= len(text):
                return result
            line_start = text.rfind("\n", 0, self.pos) + 1
            char = text[self.pos]
            if char == "#":
                newline = text.find("\n", self.pos)
                self.pos = len(text) if newline < 0 else newline
                continue
            if char == "[":
                array = text.startswith("[[", self.pos)
                self.pos += 2 if array else 1
                path = self.key_path()
                closing = "]]" if array else "]"
                if not text.startswith(closing, self.pos):
                    self.fail(f"expected {closing!r} to close a table header")
                self.pos += len(closing)
                end = self.end_of_line()
                table = path
                result.append(Statement("array_table" if array else "table", path, None, line_start, end))
                continue
            path = self.key_path()
            if self.pos >= len(text) or text[self.pos] != "=":
                self.fail("expected '=' after a key")
            self.pos += 1
            value_pos, value = self.value_span()
            end = self.end_of_line()
            result.append(Statement("keyval", path, table, line_start, end, value, value_pos))


def _string_end(text, pos, quote):
    """Index just after the single-line string starting at ``pos``."""
    index = pos + 1
    while index < len(text):
        char = text[index]
        if char == "\\" and quote == '"':
            index += 2
            continue
        if char == quote:
            return index + 1
        if char == "\n":
            break
        index += 1
    raise TomlError("unterminated string", text, pos)


def _multiline_end(text, pos):
    quote = text[pos : pos + 3]
    index = pos + 3
    while True:
        found = text.find(quote, index)
        if found < 0:
            raise TomlError("unterminated multi-line string", text, pos)
        if quote == '"""':
            backslashes = 0
            probe = found - 1
            while probe >= index and text[probe] == "\\":
                backslashes += 1
                probe -= 1
            if backslashes % 2:
                index = found + 1
                continue
        end = found + 3
        # Up to two more quote characters belong to the content.
        while end < len(text) and text[end] == quote[0] and end - found < 5:
            end += 1
        return end


def scan(text):
    """All statements of ``text`` in order; raises TomlError on broken structure."""
    return _Scanner(text).statements()


# -- decoding the values our table uses --------------------------------------


class _Decoder:
    def __init__(self, text):
        self.text = text
        self.pos = 0

    def fail(self, message):
        raise TomlError(f"{message} in value {self.text[:60]!r}")

    def skip(self, newlines=False):
        text = self.text
        while self.pos < len(text):
            char = text[self.pos]
            if char in " \t" or (newlines and char in "\r\n"):
                self.pos += 1
            elif newlines and char == "#":
                newline = text.find("\n", self.pos)
                self.pos = len(text) if newline < 0 else newline
            else:
                return

    def value(self):
        text = self.text
        if self.pos >= len(text):
            self.fail("missing value")
        char = text[self.pos]
        if text.startswith('"""', self.pos):
            end = _multiline_end(text, self.pos)
            body = text[self.pos + 3 : end - 3]
            self.pos = end
            body = body[1:] if body.startswith("\n") else (body[2:] if body.startswith("\r\n") else body)
            return _unescape(re.sub(r"\\[ \t]*\r?\n[ \t\r\n]*", "", body))
        if text.startswith("'''", self.pos):
            end = _multiline_end(text, self.pos)
            body = text[self.pos + 3 : end - 3]
            self.pos = end
            return body[1:] if body.startswith("\n") else (body[2:] if body.startswith("\r\n") else body)
        if char == '"':
            end = _string_end(text, self.pos, '"')
            body = text[self.pos + 1 : end - 1]
            self.pos = end
            return _unescape(body)
        if char == "'":
            end = _string_end(text, self.pos, "'")
            body = text[self.pos + 1 : end - 1]
            self.pos = end
            return body
        if char == "[":
            return self.array()
        if char == "{":
            return self.inline_table()
        match = re.compile(r"[^\s,\]\}#]+").match(text, self.pos)
        if not match:
            self.fail(f"unexpected character {char!r}")
        self.pos = match.end()
        return _scalar(match.group())

    def array(self):
        self.pos += 1
        items = []
        while True:
            self.skip(newlines=True)
            if self.pos < len(self.text) and self.text[self.pos] == "]":
                self.pos += 1
                return items
            items.append(self.value())
            self.skip(newlines=True)
            if self.pos < len(self.text) and self.text[self.pos] == ",":
                self.pos += 1
            elif self.pos >= len(self.text) or self.text[self.pos] != "]":
                self.fail("expected ',' or ']'")

    def inline_table(self):
        self.pos += 1
        table = {}
        first = True
        while True:
            self.skip(newlines=True)
            if self.pos < len(self.text) and self.text[self.pos] == "}":
                self.pos += 1
                return table
            if not first:
                if self.text[self.pos] != ",":
                    self.fail("expected ',' or '}'")
                self.pos += 1
                self.skip(newlines=True)
            first = False
            scanner = _Scanner(self.text)
            scanner.pos = self.pos
            path = scanner.key_path()
            self.pos = scanner.pos
            if self.pos >= len(self.text) or self.text[self.pos] != "=":
                self.fail("expected '='")
            self.pos += 1
            self.skip()
            _assign(table, path, self.value())


def _unescape(body):
    out = []
    index = 0
    while index < len(body):
        char = body[index]
        if char != "\\":
            out.append(char)
            index += 1
            continue
        code = body[index + 1 : index + 2]
        if code in _ESCAPES:
            out.append(_ESCAPES[code])
            index += 2
        elif code in ("u", "U"):
            width = 4 if code == "u" else 8
            digits = body[index + 2 : index + 2 + width]
            if len(digits) != width or not re.match(r"[0-9A-Fa-f]+\Z", digits):
                raise TomlError(f"invalid \\{code} escape")
            out.append(chr(int(digits, 16)))
            index += 2 + width
        else:
            raise TomlError(f"invalid escape \\{code}")
    return "".join(out)


def _scalar(word):
    if word == "true":
        return True
    if word == "false":
        return False
    if _INTEGER.match(word):
        return int(word.replace("_", ""))
    if _RADIX_INTEGER.match(word):
        return int(word.replace("_", ""), 0)
    if _FLOAT.match(word):
        return float(word.replace("_", ""))
    if _SPECIAL_FLOAT.match(word):
        return float(word)
    raise Unsupported(f"value {word!r} (dates and times are not read by this module)")


def _assign(table, path, value):
    for key in path[:-1]:
        table = table.setdefault(key, {})
        if not isinstance(table, dict):
            raise TomlError("key {} is defined twice".format(".".join(path)))
    if path[-1] in table:
        raise TomlError("key {} is defined twice".format(".".join(path)))
    table[path[-1]] = value


def decode_value(text):
    """Decode one TOML value (no dates); raises Unsupported for dates and times."""
    decoder = _Decoder(text)
    value = decoder.value()
    decoder.skip()
    if decoder.pos != len(text):
        decoder.fail("unexpected text after the value")
    return value


# -- rendering ---------------------------------------------------------------


def render_key(key):
    return key if _BARE_KEY.match(key) and _BARE_KEY.match(key).end() == len(key) else render_string(key)


def render_string(value):
    out = ['"']
    for char in value:
        if char == '"':
            out.append('\\"')
        elif char == "\\":
            out.append("\\\\")
        elif char in "\b\t\n\f\r":
            out.append({"\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r"}[char])
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(char)
    out.append('"')
    return "".join(out)


def render_value(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return render_string(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(render_value(item) for item in value) + "]"
    if isinstance(value, dict):
        if not value:
            return "{}"
        return "{ " + ", ".join(f"{render_key(k)} = {render_value(v)}" for k, v in value.items()) + " }"
    raise TomlError("TOML cannot hold %s values" % ("null" if value is None else type(value).__name__))


def render_table(path, entry):
    """``[a.b]`` plus one ``key = value`` line per entry key; nested dicts are inline tables."""
    lines = ["[{}]".format(".".join(render_key(key) for key in path))]
    for key, value in entry.items():
        lines.append(f"{render_key(key)} = {render_value(value)}")
    return "\n".join(lines) + "\n"


# -- the table edit ------------------------------------------------------------


class TableSpans:
    """Where table ``path`` (and its sub-tables) sits in the text, and what it holds."""

    def __init__(self, text, path):
        self.path = tuple(path)
        self.spans = []
        self.entry = None
        self.unreadable = None
        # Set when the parent (``mcp_servers``) cannot take a new [a.b] table.
        self.parent_blocker = None
        statements = scan(text)
        size = len(self.path)
        parent = self.path[:-1]
        current = None
        for statement in statements:
            if statement.kind != "keyval":
                inside = statement.path[:size] == self.path
                if inside and statement.kind == "array_table":
                    raise TomlError(
                        "[[{}]] is an array of tables; this module only edits a [{}] table".format(
                            ".".join(statement.path), ".".join(self.path)
                        ),
                        text,
                        statement.start,
                    )
                if statement.path == parent and statement.kind == "array_table":
                    self.parent_blocker = TomlError(
                        "[[{}]] is an array of tables, so a [{}] table cannot be added".format(
                            ".".join(parent), ".".join(self.path)
                        ),
                        text,
                        statement.start,
                    )
                current = [statement.start, statement.end, statement.path[size:]] if inside else None
                if current is not None:
                    self.spans.append(current)
                    self._collect(statement, current[2], None)
                continue
            full = statement.table + statement.path
            if current is not None:
                current[1] = statement.end
                self._collect(statement, current[2], statement.path)
            elif full[:size] == self.path:
                raise TomlError(
                    "{} is written as a dotted key or inline table; this module only edits a [{}] table. "
                    "Move that definition into a [{}] table or delete it".format(
                        ".".join(full), ".".join(self.path), ".".join(self.path)
                    ),
                    text,
                    statement.start,
                )
            elif full == parent:
                self.parent_blocker = TomlError(
                    "{} is an inline value, so a [{}] table cannot be added; turn it into [{}.<name>] tables".format(
                        ".".join(parent), ".".join(self.path), ".".join(parent)
                    ),
                    text,
                    statement.start,
                )

    def _collect(self, statement, prefix, key):
        if self.entry is None:
            self.entry = {}
        target = self.entry
        for part in prefix:
            target = target.setdefault(part, {})
        if key is None:
            return
        try:
            _assign(target, key, decode_value(statement.value_text))
        except Unsupported as exc:
            self.unreadable = str(exc)


def set_table(text, path, entry):
    """Return ``text`` with table ``path`` holding exactly ``entry``."""
    spans = TableSpans(text, path)
    rendered = render_table(path, entry)
    if not spans.spans:
        if spans.parent_blocker is not None:
            raise spans.parent_blocker
        if not text.strip():
            return rendered
        body = text if text.endswith("\n") else text + "\n"
        return body + "\n" + rendered
    new = text
    for start, end, _dummy in reversed(spans.spans[1:]):
        new = _cut(new, start, end)
    start, end = spans.spans[0][0], spans.spans[0][1]
    return new[:start] + rendered + new[end:]


def remove_table(text, path):
    """Return ``text`` without table ``path`` and its sub-tables."""
    spans = TableSpans(text, path)
    new = text
    for start, end, _dummy in reversed(spans.spans):
        new = _cut(new, start, end)
    return new


def _cut(text, start, end):
    new = text[:start] + text[end:]
    # Do not leave two blank lines where the table was.
    while start >= 2 and new[start - 2 : start] == "\n\n" and (start == len(new) or new[start] == "\n"):
        new = new[: start - 1] + new[start:]
        start -= 1
    return new


def load_reference(text):
    """Parse the whole document with tomllib/tomli when available, else return None."""
    try:
        import tomllib as reader  # Python 3.11+
    except ImportError:
        try:
            import tomli as reader
        except ImportError:
            return None
    try:
        return reader.loads(text)
    except reader.TOMLDecodeError as exc:
        raise TomlError(str(exc)) from exc
