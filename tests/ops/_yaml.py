"""A strict reader for the small YAML subset docker-compose.yml is written in.

PyYAML is not a dependency; the compose file sticks to block mappings, block
lists of scalars, JSON-style flow lists and whole-line comments, and this
reader raises on anything else so the file cannot drift out of the subset.
"""

import json


class YAMLSubsetError(ValueError):
    pass


def _scalar(text: str):
    text = text.strip()
    if text.startswith("[") or text.startswith('"'):
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise YAMLSubsetError(f"not a JSON flow value: {text!r}") from exc
    if text.startswith(("'", "{", "|", ">", "&", "*", "!")):
        raise YAMLSubsetError(f"outside the supported subset: {text!r}")
    if " #" in text:
        raise YAMLSubsetError(f"trailing comments are not supported: {text!r}")
    return text


def _lines(text: str) -> list[tuple[int, str, int]]:
    out = []
    for number, raw in enumerate(text.splitlines(), 1):
        stripped = raw.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if "\t" in raw[: len(raw) - len(raw.lstrip())]:
            raise YAMLSubsetError(f"line {number}: tab indentation")
        out.append((len(raw) - len(raw.lstrip(" ")), stripped, number))
    return out


def _block(lines, i: int, indent: int):
    if lines[i][1].startswith("- ") or lines[i][1] == "-":
        items = []
        while i < len(lines) and lines[i][0] == indent and lines[i][1].startswith("- "):
            item = lines[i][1][2:]
            if (": " in item and not item.startswith(("[", '"'))) or item.endswith(":"):
                raise YAMLSubsetError(f"line {lines[i][2]}: mappings inside lists are not supported")
            items.append(_scalar(item))
            i += 1
        return items, i
    mapping = {}
    while i < len(lines) and lines[i][0] == indent:
        _, content, number = lines[i]
        if content.startswith("- "):
            raise YAMLSubsetError(f"line {number}: list item where a key was expected")
        if content.endswith(":"):
            key, rest = content[:-1], ""
        elif ": " in content:
            key, rest = content.split(": ", 1)
        else:
            raise YAMLSubsetError(f"line {number}: expected 'key: value'")
        key = _scalar(key)
        if key in mapping:
            raise YAMLSubsetError(f"line {number}: duplicate key {key!r}")
        i += 1
        if rest:
            mapping[key] = _scalar(rest)
        elif i < len(lines) and lines[i][0] > indent:
            mapping[key], i = _block(lines, i, lines[i][0])
        else:
            mapping[key] = None
    if i < len(lines) and lines[i][0] > indent:
        raise YAMLSubsetError(f"line {lines[i][2]}: unexpected indentation")
    return mapping, i


def load(text: str):
    lines = _lines(text)
    if not lines:
        return None
    value, i = _block(lines, 0, lines[0][0])
    if i != len(lines):
        raise YAMLSubsetError(f"line {lines[i][2]}: unexpected dedent")
    return value
