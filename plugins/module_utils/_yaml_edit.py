# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Minimal-edit merging of one server into a YAML file (Goose, Continue).

PyYAML loses comments when it dumps, and ruamel.yaml is not available on a
plain target. PyYAML's *composer*, however, records where every node starts
and ends, which is enough to splice text:

* Goose: ``extensions`` is a mapping; our server is the member ``<name>:``;
* Continue: ``mcpServers`` is a list; our server is the item whose ``name``
  is ``<name>`` (duplicates are removed, the first is replaced).

The member or item is replaced line for line, or a new one is inserted after
the last sibling with the siblings' indentation, or a new top-level key is
appended. Everything else, comments included, is kept byte for byte. Layouts
this does not handle (flow collections with content, a top level written as
``{...}``) raise :class:`NeedsRewrite`; the caller then rewrites the file from
its data and warns that comments were lost.

PyYAML is imported lazily so that JSON and TOML clients work without it.
"""

from __future__ import annotations

import json
import re

INDENT = "  "
# Plain (unquoted) scalars: a safe character set, single inner spaces allowed.
_PLAIN = re.compile(r"[A-Za-z0-9_](?:[A-Za-z0-9_./:@%+=~-]| (?=[A-Za-z0-9_]))*\Z")
_NULL_TAG = "tag:yaml.org,2002:null"


class YamlError(ValueError):
    """The file is not YAML this module can merge into."""


class NeedsRewrite(Exception):
    """The layout cannot be edited in place; the reason is the message."""


def import_yaml():
    try:
        import yaml
    except ImportError:
        raise YamlError(
            "PyYAML is needed to edit this YAML file but is not installed for the Python that runs "
            "the module; install python3-yaml (apt) or PyYAML (pip) on the target host"
        ) from None
    return yaml


def load(text, path="the file"):
    """``(root node, data)`` of a single-document YAML text; ``(None, None)`` when empty."""
    yaml = import_yaml()
    try:
        nodes = list(yaml.compose_all(text, Loader=yaml.SafeLoader))
        if len(nodes) > 1:
            raise YamlError(f"{path} holds {len(nodes)} YAML documents; expected one")
        data = yaml.load(text, Loader=yaml.SafeLoader) if nodes else None
    except yaml.YAMLError as exc:
        raise YamlError("{} is not valid YAML: {}".format(path, " ".join(str(exc).split()))) from exc
    return (nodes[0] if nodes else None), data


def dump_document(data):
    """Full rewrite from data (comments are lost); used only as a fallback."""
    yaml = import_yaml()
    return yaml.safe_dump(data, default_flow_style=False, sort_keys=False, allow_unicode=True, width=1000)


# -- rendering ---------------------------------------------------------------


def render_scalar(value):
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return json.dumps(value)
    if isinstance(value, str):
        if _PLAIN.match(value) and ": " not in value and _plain_reads_back(value):
            return value
        quoted = json.dumps(value, ensure_ascii=False)
        # YAML rejects raw DEL and C1 controls that JSON leaves as they are.
        return re.sub("[\x7f-\x9f]", lambda m: f"\\x{ord(m.group()):02x}", quoted)
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False)
    raise YamlError(f"cannot write a {type(value).__name__} value")


def _plain_reads_back(value):
    yaml = import_yaml()
    try:
        return yaml.safe_load(value) == value
    except yaml.YAMLError:
        return False


def render_mapping(data, indent, unit=INDENT):
    """Block-style lines (no trailing newline) for a mapping at ``indent``."""
    lines = []
    for key, value in data.items():
        prefix = indent + render_scalar(key) + ":"
        if isinstance(value, dict) and value:
            lines.append(prefix)
            lines.extend(render_mapping(value, indent + unit, unit))
        elif isinstance(value, list) and value:
            lines.append(prefix)
            for item in value:
                lines.extend(render_item(item, indent + unit, unit))
        elif isinstance(value, dict):
            lines.append(prefix + " {}")
        elif isinstance(value, list):
            lines.append(prefix + " []")
        else:
            lines.append(prefix + " " + render_scalar(value))
    return lines


def render_item(item, indent, unit=INDENT):
    """Lines of one ``- item`` whose dash is at ``indent`` (content two columns further)."""
    if isinstance(item, dict) and item:
        lines = render_mapping(item, indent + "  ", unit)
        lines[0] = indent + "- " + lines[0][len(indent) + 2 :]
        return lines
    return [indent + "- " + render_scalar(item)]


def _block(lines):
    return "\n".join(lines) + "\n"


# -- positions ---------------------------------------------------------------


def _line_start(text, pos):
    return text.rfind("\n", 0, pos) + 1


def _line_end(text, pos):
    """Start of the line after the one holding ``pos`` (or EOF)."""
    if pos > 0 and text[pos - 1] == "\n":
        return pos
    newline = text.find("\n", pos)
    return len(text) if newline < 0 else newline + 1


def _content_end(node):
    """Index just after the last character that belongs to ``node``.

    A block collection's own end mark lies at the next token, after any
    comments and blank lines that introduce the next sibling; the deepest last
    child's end is where the node's text really stops.
    """
    yaml = import_yaml()
    if isinstance(node, (yaml.MappingNode, yaml.SequenceNode)) and not node.flow_style and node.value:
        last = node.value[-1]
        return _content_end(last[1] if isinstance(node, yaml.MappingNode) else last)
    return node.end_mark.index


def _find(mapping, key):
    yaml = import_yaml()
    found = None
    for key_node, value_node in mapping.value:
        if isinstance(key_node, yaml.ScalarNode) and key_node.value == key:
            found = (key_node, value_node)
    return found


def _kind(node):
    yaml = import_yaml()
    if isinstance(node, yaml.MappingNode):
        return "mapping"
    if isinstance(node, yaml.SequenceNode):
        return "list"
    return "null" if node.tag == _NULL_TAG else "scalar"


def _ensure_newline(text):
    return text if not text or text.endswith("\n") else text + "\n"


class _Edit:
    def __init__(self, text, root, top_key):
        yaml = import_yaml()
        self.yaml = yaml
        self.text = text
        self.root = root
        self.top_key = top_key
        if root is not None and not isinstance(root, yaml.MappingNode):
            raise YamlError(f"the top level is a {_kind(root)}, not a mapping")
        if root is not None and root.flow_style:
            raise NeedsRewrite("the top level is written in flow style ({...})")
        self.top = _find(root, top_key) if root is not None else None

    def top_column(self):
        if self.root is not None and self.root.value:
            return self.root.value[0][0].start_mark.column
        return 0

    def append_top(self, block_lines):
        """Append ``top_key:`` with ``block_lines`` (already indented) at the end."""
        indent = " " * self.top_column()
        lines = [indent + render_scalar(self.top_key) + ":"] + [indent + line for line in block_lines]
        return _ensure_newline(self.text) + _block(lines)

    def fill_empty_top(self, block_lines):
        """``top_key:`` holds null, {} or []: put ``block_lines`` under it."""
        key_node, value_node = self.top
        text = self.text
        key_end = key_node.end_mark.index
        line_end = text.find("\n", key_end)
        line_end = len(text) if line_end < 0 else line_end
        match = re.match(r"\s*:\s*(?:~|null|Null|NULL|\{\s*\}|\[\s*\])?\s*(#.*)?\Z", text[key_end:line_end])
        if not match or value_node.end_mark.index > line_end:
            raise NeedsRewrite(f"{self.top_key} holds an empty value written over several lines")
        comment = match.group(1)
        indent = " " * key_node.start_mark.column
        head = text[:key_end] + ":" + ("  " + comment if comment else "")
        body = _block([indent + line for line in block_lines])
        rest = text[line_end + 1 :] if line_end < len(text) else ""
        return head + "\n" + body + rest

    def splice(self, start, end, lines):
        return self.text[:start] + _block(lines) + self.text[end:]

    def item_span(self, node):
        """``(start, end, column)`` of a whole member or item line block starting at ``node``."""
        text = self.text
        start = _line_start(text, node.start_mark.index)
        if text[start : node.start_mark.index].strip() != "":
            raise NeedsRewrite("an entry does not start its own line")
        return start, node.start_mark.column


def _dash_of(text, item):
    """Position of the ``-`` that introduces a block sequence item."""
    pos = item.start_mark.index - 1
    while pos >= 0 and text[pos] in " \t\r\n":
        pos -= 1
    if pos < 0 or text[pos] != "-" or text[_line_start(text, pos) : pos].strip() != "":
        raise NeedsRewrite('a list item is not written as "- ..." on its own line')
    return pos


# -- Goose: a member of a mapping -----------------------------------------------


def set_map_member(text, root, top_key, name, entry):
    """``top_key: {name: entry}`` merged into the document's text."""
    edit = _Edit(text, root, top_key)
    member_lines = render_mapping({name: entry}, INDENT)
    if root is None:
        return _ensure_newline(text) + _block([render_scalar(top_key) + ":", *member_lines])
    if edit.top is None:
        return edit.append_top(member_lines)
    value = edit.top[1]
    kind = _kind(value)
    if kind == "null" or (kind == "mapping" and value.flow_style and not value.value):
        return edit.fill_empty_top(member_lines)
    if kind != "mapping":
        raise YamlError(f"{top_key} is a {kind}, not a mapping")
    if value.flow_style:
        raise NeedsRewrite(f"{top_key} is written in flow style ({{...}})")
    # Follow the file's own step (the members' column minus the top key's column).
    column = value.value[0][0].start_mark.column
    unit = (
        " " * (column - edit.top[0].start_mark.column) if column > edit.top[0].start_mark.column else INDENT
    )
    found = _find(value, name)
    if found is not None:
        start, column = edit.item_span(found[0])
        end = _line_end(text, _content_end(found[1]))
        return edit.splice(start, end, render_mapping({name: entry}, " " * column, unit))
    end = _line_end(text, _content_end(value))
    return edit.splice(end, end, render_mapping({name: entry}, " " * column, unit))


def remove_map_member(text, root, top_key, name):
    edit = _Edit(text, root, top_key)
    if edit.top is None or _kind(edit.top[1]) != "mapping" or edit.top[1].flow_style:
        if edit.top is not None and _kind(edit.top[1]) == "mapping" and _find(edit.top[1], name):
            raise NeedsRewrite(f"{top_key} is written in flow style ({{...}})")
        return text
    found = _find(edit.top[1], name)
    if found is None:
        return text
    start, _dummy = edit.item_span(found[0])
    end = _line_end(text, _content_end(found[1]))
    if len(edit.top[1].value) == 1:
        # The last member: leave an explicit empty mapping, not a null.
        return _replace_with_empty(text, edit.top[0], start, end, "{}")
    return text[:start] + text[end:]


# -- Continue: an item of a list --------------------------------------------------


def _matching_items(node, name, name_key):
    yaml = import_yaml()
    matches = []
    for index, item in enumerate(node.value):
        if isinstance(item, yaml.MappingNode):
            found = _find(item, name_key)
            if found is not None and isinstance(found[1], yaml.ScalarNode) and found[1].value == name:
                matches.append(index)
    return matches


def set_list_item(text, root, top_key, name, entry, name_key="name", prelude=None):
    """``top_key: [..., entry]`` with the item whose ``name_key`` is ``name`` replaced or added.

    ``prelude`` (a mapping) is written before ``top_key`` only when the file is new.
    """
    edit = _Edit(text, root, top_key)
    item_lines = render_item(entry, INDENT)
    if root is None:
        lines = [*render_mapping(prelude or {}, ""), render_scalar(top_key) + ":", *item_lines]
        return _ensure_newline(text) + _block(lines)
    if edit.top is None:
        return edit.append_top(item_lines)
    value = edit.top[1]
    kind = _kind(value)
    if kind == "null" or (kind == "list" and value.flow_style and not value.value):
        return edit.fill_empty_top(item_lines)
    if kind != "list":
        raise YamlError(f"{top_key} is a {kind}, not a list")
    if value.flow_style:
        raise NeedsRewrite(f"{top_key} is written in flow style ([...])")
    matches = _matching_items(value, name, name_key)
    if not matches:
        last = value.value[-1]
        dash = _dash_of(text, last)
        end = _line_end(text, _content_end(last))
        return edit.splice(end, end, render_item(entry, " " * (dash - _line_start(text, dash))))
    new = text
    for index in reversed(matches[1:]):
        new = _cut_item(new, value.value[index])
    first = value.value[matches[0]]
    dash = _dash_of(text, first)
    start = _line_start(text, dash)
    end = _line_end(text, _content_end(first))
    return new[:start] + _block(render_item(entry, " " * (dash - start))) + new[end:]


def _cut_item(text, item):
    dash = _dash_of(text, item)
    return text[: _line_start(text, dash)] + text[_line_end(text, _content_end(item)) :]


def remove_list_item(text, root, top_key, name, name_key="name"):
    edit = _Edit(text, root, top_key)
    if edit.top is None or _kind(edit.top[1]) != "list":
        return text
    value = edit.top[1]
    matches = _matching_items(value, name, name_key)
    if not matches:
        return text
    if value.flow_style:
        raise NeedsRewrite(f"{top_key} is written in flow style ([...])")
    if len(matches) == len(value.value):
        first = _line_start(text, _dash_of(text, value.value[0]))
        end = _line_end(text, _content_end(value.value[-1]))
        return _replace_with_empty(text, edit.top[0], first, end, "[]")
    new = text
    for index in reversed(matches):
        new = _cut_item(new, value.value[index])
    return new


def _replace_with_empty(text, key_node, start, end, empty):
    """Remove ``[start, end)`` and write ``key: {}`` / ``key: []`` on the key's line."""
    key_end = key_node.end_mark.index
    line_end = text.find("\n", key_end)
    match = re.match(r"(\s*:)\s*(#.*)?\Z", text[key_end:line_end])
    if line_end < 0 or not match or line_end >= start:
        return text[:start] + text[end:]
    comment = match.group(2)
    head = text[:key_end] + match.group(1) + " " + empty + ("  " + comment if comment else "")
    return head + text[line_end:start] + text[end:]
