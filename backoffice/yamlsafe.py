"""Reading YAML that comes from users (scenario files, world blocks, API bodies) safely.

- Anchors and aliases (``&a`` / ``*a``, merge keys ``<<: *a``) are refused outright: expanding
  nested aliases is how a 1 KB document becomes gigabytes (the "billion laughs").
- A document larger than limits.yaml's ``scenario_max_bytes``, or nesting deeper than
  ``max_nesting``, is refused before or while it is parsed.
- A key given twice in one mapping is refused (YAML would silently keep the last one).
- Only plain data: SafeLoader's types (no Python objects).
"""
from __future__ import annotations

from typing import Any

import yaml

from .limits import limits, nesting_depth


class UntrustedYamlError(ValueError):
    def __init__(self, reason: str, reason_zh: str, line: int | None = None, column: int | None = None):
        self.reason, self.reason_zh, self.line, self.column = reason, reason_zh, line, column
        where = f" (line {line}, column {column})" if line else ""
        super().__init__(reason + where)


class StrictLoader(yaml.SafeLoader):
    """SafeLoader without anchors, aliases or duplicate keys."""

    def compose_node(self, parent, index):
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            mark = event.start_mark
            raise UntrustedYamlError("YAML anchors and aliases (&name, *name) are not accepted: write the value out",
                                     "不接受 YAML 锚点与别名（&名称、*名称）：请直接写出其值",
                                     mark.line + 1, mark.column + 1)
        return super().compose_node(parent, index)


def _mapping(loader: StrictLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    loader.flatten_mapping(node)
    out: dict = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=deep)
        try:
            hash(key)
        except TypeError:
            raise yaml.constructor.ConstructorError("while reading a mapping", node.start_mark,
                                                    "a key must be a plain value", key_node.start_mark) from None
        if key in out:
            raise yaml.constructor.ConstructorError(
                "while reading a mapping", node.start_mark, f"the key {key!r} is given twice", key_node.start_mark)
        out[key] = loader.construct_object(value_node, deep=deep)
    return out


StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)


def load_untrusted(text: str | bytes) -> Any:
    """Parse one YAML (or JSON) document from a user; raises :class:`UntrustedYamlError`."""
    lim = limits()
    size = len(text.encode("utf-8", "replace") if isinstance(text, str) else text)
    if size > lim.scenario_max_bytes:
        raise UntrustedYamlError(f"the document is {size} bytes; at most {lim.scenario_max_bytes}",
                                 f"文档大小为 {size} 字节，最多 {lim.scenario_max_bytes} 字节")
    try:
        data = yaml.load(text, Loader=StrictLoader)  # noqa: S506 - a SafeLoader subclass
    except UntrustedYamlError:
        raise
    except RecursionError:
        data = None
        depth = lim.max_nesting + 1
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        raise UntrustedYamlError(f"not valid YAML: {problem}", "不是有效的 YAML",
                                 mark.line + 1 if mark else None, mark.column + 1 if mark else None) from None
    else:
        depth = nesting_depth(data, lim.max_nesting)
    if depth > lim.max_nesting:
        raise UntrustedYamlError(f"the document nests deeper than {lim.max_nesting} levels",
                                 f"文档嵌套超过 {lim.max_nesting} 层")
    return data
