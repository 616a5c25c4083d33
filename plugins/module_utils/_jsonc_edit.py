# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Minimal-edit merging of one member into a JSON or JSONC document.

MCP clients keep their server list inside files that hold much more: app state
in ``~/.claude.json``, themes and key maps in Zed's ``settings.json``. Loading
such a file and dumping it again would reformat it and, for JSONC, drop every
comment. Instead this module parses the text into a tree that remembers where
each value sits, then splices new text into exactly one place:

* replacing a member's value touches only that value's characters;
* inserting a member adds one line block before the closing brace;
* removing a member deletes its characters and one separating comma.

Everything outside that span (other members, comments, indentation, key order,
blank lines) is kept byte for byte. The caller re-parses the result and checks
that it holds exactly the intended data before anything is written.

Python 3.8+, standard library only.
"""

from __future__ import annotations

import json
import re

# Deep enough for any real settings file, shallow enough for Python's stack.
MAX_DEPTH = 200

_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")
_WHITESPACE = " \t\r\n"


class JsoncError(ValueError):
    """The text is not valid JSON (or JSONC); ``line`` and ``column`` are 1-based."""

    def __init__(self, message, text=None, pos=None):
        self.line = self.column = None
        if text is not None and pos is not None:
            self.line = text.count("\n", 0, pos) + 1
            self.column = pos - (text.rfind("\n", 0, pos) + 1) + 1
            message = f"{message} at line {self.line} column {self.column}"
        super().__init__(message)


class Node:
    """A parsed value and the ``[start, end)`` span of its text."""

    __slots__ = ("end", "items", "kind", "members", "start", "value")

    def __init__(self, kind, start):
        self.kind = kind  # 'object', 'array' or 'scalar'
        self.start = start
        self.end = start
        self.value = None  # the plain Python value
        self.members = []  # objects: [Member]
        self.items = []  # arrays: [Node]


class Member:
    """``"key": value`` inside an object."""

    __slots__ = ("key", "key_start", "value")

    def __init__(self, key, key_start, value):
        self.key = key
        self.key_start = key_start
        self.value = value


class _Parser:
    def __init__(self, text, jsonc):
        self.text = text
        self.jsonc = jsonc
        self.pos = 0

    def fail(self, message, pos=None):
        raise JsoncError(message, self.text, self.pos if pos is None else pos)

    def skip(self):
        """Skip whitespace and, in JSONC, comments."""
        text, length = self.text, len(self.text)
        while self.pos < length:
            char = text[self.pos]
            if char in _WHITESPACE:
                self.pos += 1
            elif char == "/" and text.startswith("//", self.pos):
                if not self.jsonc:
                    self.fail("comments are not allowed in plain JSON")
                newline = text.find("\n", self.pos)
                self.pos = length if newline < 0 else newline
            elif char == "/" and text.startswith("/*", self.pos):
                if not self.jsonc:
                    self.fail("comments are not allowed in plain JSON")
                close = text.find("*/", self.pos + 2)
                if close < 0:
                    self.fail("unterminated /* comment")
                self.pos = close + 2
            else:
                return

    def parse_document(self):
        self.skip()
        if self.pos >= len(self.text):
            return None
        root = self.parse_value(0)
        self.skip()
        if self.pos < len(self.text):
            self.fail("unexpected text after the end of the document")
        return root

    def parse_value(self, depth):
        if depth > MAX_DEPTH:
            self.fail(f"nesting deeper than {MAX_DEPTH} levels")
        if self.pos >= len(self.text):
            self.fail("unexpected end of file")
        char = self.text[self.pos]
        if char == "{":
            return self.parse_object(depth)
        if char == "[":
            return self.parse_array(depth)
        node = Node("scalar", self.pos)
        if char == '"':
            node.value = self.parse_string()
        else:
            node.value = self.parse_literal()
        node.end = self.pos
        return node

    def parse_string(self):
        start = self.pos
        text = self.text
        pos = start + 1
        while True:
            if pos >= len(text):
                self.fail("unterminated string", start)
            char = text[pos]
            if char == "\\":
                pos += 2
                continue
            if char == '"':
                break
            if char == "\n":
                self.fail("line break inside a string", pos)
            pos += 1
        self.pos = pos + 1
        try:
            # json decodes escapes exactly as JSON defines them.
            return json.loads(text[start : self.pos])
        except ValueError as exc:
            self.fail(f"invalid string ({exc})", start)

    def parse_literal(self):
        text = self.text
        for word, value in (("true", True), ("false", False), ("null", None)):
            if text.startswith(word, self.pos):
                self.pos += len(word)
                return value
        match = _NUMBER.match(text, self.pos)
        if not match or match.end() == self.pos:
            self.fail(f"unexpected character {text[self.pos]!r}")
        self.pos = match.end()
        return json.loads(match.group())

    def parse_object(self, depth):
        node = Node("object", self.pos)
        node.value = {}
        self.pos += 1
        while True:
            self.skip()
            if self.pos >= len(self.text):
                self.fail("unterminated object", node.start)
            if self.text[self.pos] == "}":
                self.pos += 1
                break
            if node.members:
                if self.text[self.pos] != ",":
                    self.fail("expected ',' or '}' after an object member")
                self.pos += 1
                self.skip()
                if self.pos < len(self.text) and self.text[self.pos] == "}":
                    if not self.jsonc:
                        self.fail("trailing comma before }")
                    self.pos += 1
                    break
            if self.pos >= len(self.text) or self.text[self.pos] != '"':
                self.fail('expected a "quoted" member name')
            key_start = self.pos
            key = self.parse_string()
            self.skip()
            if self.pos >= len(self.text) or self.text[self.pos] != ":":
                self.fail("expected ':' after member name")
            self.pos += 1
            self.skip()
            value = self.parse_value(depth + 1)
            node.members.append(Member(key, key_start, value))
            node.value[key] = value.value
        node.end = self.pos
        return node

    def parse_array(self, depth):
        node = Node("array", self.pos)
        node.value = []
        self.pos += 1
        while True:
            self.skip()
            if self.pos >= len(self.text):
                self.fail("unterminated array", node.start)
            if self.text[self.pos] == "]":
                self.pos += 1
                break
            if node.items:
                if self.text[self.pos] != ",":
                    self.fail("expected ',' or ']' after an array item")
                self.pos += 1
                self.skip()
                if self.pos < len(self.text) and self.text[self.pos] == "]":
                    if not self.jsonc:
                        self.fail("trailing comma before ]")
                    self.pos += 1
                    break
            item = self.parse_value(depth + 1)
            node.items.append(item)
            node.value.append(item.value)
        node.end = self.pos
        return node


def parse(text, jsonc=False):
    """Parse ``text``; return the root :class:`Node`, or None when it holds no value."""
    return _Parser(text, jsonc).parse_document()


# -- text helpers ------------------------------------------------------------


def _line_start(text, pos):
    return text.rfind("\n", 0, pos) + 1


def _line_indent(text, pos):
    start = _line_start(text, pos)
    return re.match(r"[ \t]*", text[start:]).group()


def _starts_line(text, pos):
    return text[_line_start(text, pos) : pos].strip() == ""


def _next_token(text, pos, jsonc):
    """Index and character of the next significant character at or after ``pos``."""
    parser = _Parser(text, jsonc)
    parser.pos = pos
    parser.skip()
    if parser.pos >= len(text):
        return parser.pos, ""
    return parser.pos, text[parser.pos]


def detect_indent_unit(text, root):
    """The file's indentation step: taken from the root object's first member line."""
    if root is not None and root.kind == "object":
        base = _line_indent(text, root.start)
        for member in root.members:
            if _starts_line(text, member.key_start):
                indent = _line_indent(text, member.key_start)
                if len(indent) > len(base) and indent.startswith(base):
                    return indent[len(base) :]
    return "  "


def is_single_line(text):
    """True for a compact one-line document such as ``{"a":1}``."""
    return "\n" not in text.strip()


def dump_value(value, base_indent, unit, inline):
    """Serialise ``value`` as JSON whose continuation lines start at ``base_indent``."""
    if inline:
        return json.dumps(value, ensure_ascii=False)
    return json.dumps(value, ensure_ascii=False, indent=unit).replace("\n", "\n" + base_indent)


def dump_document(value, unit="  "):
    """A whole new file: indented JSON with a final newline."""
    return json.dumps(value, ensure_ascii=False, indent=unit) + "\n"


# -- edits -------------------------------------------------------------------


class _Editor:
    def __init__(self, text, root, jsonc):
        self.text = text
        self.root = root
        self.jsonc = jsonc
        self.unit = detect_indent_unit(text, root)
        self.inline = is_single_line(text)

    def find(self, node, key):
        """Last member named ``key`` (the one a JSON reader keeps), or None."""
        found = None
        for member in node.members:
            if member.key == key:
                found = member
        return found

    def replace_value(self, member, value):
        node = member.value
        inline = self.inline or not _starts_line(self.text, member.key_start)
        new = dump_value(value, _line_indent(self.text, member.key_start), self.unit, inline)
        return self.text[: node.start] + new + self.text[node.end :]

    def insert_member(self, obj, key, value):
        text = self.text
        key_text = json.dumps(key, ensure_ascii=False)
        close = obj.end - 1
        if obj.members:
            last = obj.members[-1]
            comma_pos, token = _next_token(text, last.value.end, self.jsonc)
            has_comma = token == ","
            if self.inline or not _starts_line(text, last.key_start):
                member = key_text + ": " + dump_value(value, "", self.unit, True)
                if has_comma:
                    pos = comma_pos + 1
                    return text[:pos] + " " + member + "," + text[pos:]
                pos = last.value.end
                return text[:pos] + ", " + member + text[pos:]
            indent = _line_indent(text, last.key_start)
            member = key_text + ": " + dump_value(value, indent, self.unit, False)
            # Insert after the last significant character before '}', which may be a
            # comment that closes the object; the closing line itself stays as it is.
            pos = close
            while pos > 0 and text[pos - 1] in _WHITESPACE:
                pos -= 1
            insertion = "\n" + indent + member + ("," if has_comma else "")
            new = text[:pos] + insertion + text[pos:]
            if not has_comma:
                at = last.value.end
                new = new[:at] + "," + new[at:]
            return new
        # Empty object: '{}', '{ }', or one holding only comments.
        inner = text[obj.start + 1 : close]
        if self.inline:
            member = key_text + ": " + dump_value(value, "", self.unit, True)
            return text[: obj.start + 1] + member + text[close:]
        outer = _line_indent(text, obj.start)
        indent = outer + self.unit
        member = key_text + ": " + dump_value(value, indent, self.unit, False)
        if inner.strip() == "":
            return text[: obj.start + 1] + "\n" + indent + member + "\n" + outer + text[close:]
        pos = close
        while pos > obj.start + 1 and text[pos - 1] in _WHITESPACE:
            pos -= 1
        tail = text[pos:close]
        if "\n" not in tail:
            tail = "\n" + outer
        return text[:pos] + "\n" + indent + member + tail + text[close:]

    def remove_member(self, obj, index):
        text = self.text
        member = obj.members[index]
        start, end = member.key_start, member.value.end
        comma_pos, token = _next_token(text, end, self.jsonc)
        if token == ",":
            end = comma_pos + 1
            if not _starts_line(text, start):
                # Inline: also drop the blank after the comma ('{"a": 1, "b": 2}').
                while end < len(text) and text[end] in " \t":
                    end += 1
        elif index > 0:
            # The last member: drop the comma that separated it from the previous one,
            # together with the blank between, unless a comment sits there.
            prev_comma, prev_token = _next_token(text, obj.members[index - 1].value.end, self.jsonc)
            if prev_token == "," and prev_comma < start:
                if text[prev_comma + 1 : start].strip() == "":
                    return text[:prev_comma] + text[end:]
                text = text[:prev_comma] + " " + text[prev_comma + 1 :]
        if _starts_line(text, start):
            line_end = text.find("\n", end)
            rest = text[end:] if line_end < 0 else text[end:line_end]
            if rest.strip() == "" and line_end >= 0:
                start = _line_start(text, start)
                end = line_end + 1
        return text[:start] + text[end:]

    def collapse_if_empty(self, obj):
        """'{\n  }' left by a removal becomes '{}'."""
        inner = self.text[obj.start + 1 : obj.end - 1]
        if not obj.members and inner.strip() == "" and inner:
            return self.text[: obj.start + 1] + self.text[obj.end - 1 :]
        return self.text


class MergeError(ValueError):
    """The document's structure does not allow the edit (e.g. a list where an object must be)."""


def set_member(text, path, value, jsonc=False, root=None):
    """Return ``text`` with the member at ``path`` (a list of keys) set to ``value``.

    Objects missing along ``path`` are created. Returns ``text`` itself when the
    member already holds ``value``.
    """
    if root is None:
        root = parse(text, jsonc)
    if root is None:
        nested = value
        for key in reversed(path):
            nested = {key: nested}
        prefix = text.rstrip()
        return (prefix + "\n" if prefix else "") + dump_document(nested)
    if root.kind != "object":
        raise MergeError(f"the top level is a {_describe(root)}, not an object")
    editor = _Editor(text, root, jsonc)
    node = root
    for depth, key in enumerate(path):
        member = editor.find(node, key)
        if member is None:
            nested = value
            for inner_key in reversed(path[depth + 1 :]):
                nested = {inner_key: nested}
            return editor.insert_member(node, key, nested)
        if depth == len(path) - 1:
            if strict_equal(member.value.value, value):
                return text
            return editor.replace_value(member, value)
        if member.value.kind != "object":
            raise MergeError(
                '"{}" is a {}, not an object'.format(".".join(path[: depth + 1]), _describe(member.value))
            )
        node = member.value
    return text


def remove_member(text, path, jsonc=False, root=None):
    """Return ``text`` without the member(s) at ``path``; unchanged when absent."""
    if root is None:
        root = parse(text, jsonc)
    if root is None:
        return text
    if root.kind != "object":
        raise MergeError(f"the top level is a {_describe(root)}, not an object")
    node = root
    for key in path[:-1]:
        member = _Editor(text, root, jsonc).find(node, key)
        if member is None:
            return text
        if member.value.kind != "object":
            raise MergeError(f'"{key}" is a {_describe(member.value)}, not an object')
        node = member.value
    # Remove every duplicate, last first, re-parsing in between so spans stay right.
    while True:
        indexes = [i for i, member in enumerate(node.members) if member.key == path[-1]]
        if not indexes:
            return _Editor(text, root, jsonc).collapse_if_empty(node)
        text = _Editor(text, root, jsonc).remove_member(node, indexes[-1])
        root = parse(text, jsonc)
        node = _walk(root, path[:-1])


def _walk(root, keys):
    node = root
    for key in keys:
        found = None
        for member in node.members:
            if member.key == key:
                found = member
        node = found.value
    return node


def get_member(root, path):
    """The plain value at ``path``, or ``_MISSING``."""
    value = root.value if root is not None else {}
    for key in path:
        if not isinstance(value, dict) or key not in value:
            return MISSING
        value = value[key]
    return value


def strict_equal(left, right):
    """Deep equality that, unlike ``==``, tells ``true`` from ``1`` and ``1`` from ``1.0``."""
    if type(left) is not type(right):
        return False
    if isinstance(left, dict):
        return set(left) == set(right) and all(strict_equal(left[key], right[key]) for key in left)
    if isinstance(left, list):
        return len(left) == len(right) and all(strict_equal(a, b) for a, b in zip(left, right))
    return left == right


class _Missing:
    def __repr__(self):
        return "MISSING"


MISSING = _Missing()


def _describe(node):
    if node.kind == "scalar":
        value = node.value
        if value is None:
            return "null"
        if isinstance(value, bool):
            return "boolean"
        if isinstance(value, str):
            return "string"
        return "number"
    return "list" if node.kind == "array" else "object"
