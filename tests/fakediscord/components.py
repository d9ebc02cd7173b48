"""Message/modal component trees: walking them and building what a MODAL_SUBMIT sends back."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from .constants import JSON


def walk_components(components: Iterable[Mapping[str, Any]]) -> Iterable[Mapping[str, Any]]:
    """Every component in the tree (action rows, labels and section accessories included), depth first."""
    for comp in components:
        yield comp
        yield from walk_components(comp.get("components") or [])
        if "component" in comp:
            yield from walk_components([comp["component"]])
        if "accessory" in comp:
            yield from walk_components([comp["accessory"]])


def plain_message(msg: Mapping[str, Any] | None) -> JSON | None:
    """A stored message as Discord nests it (``referenced_message``): without gateway extras."""
    return None if msg is None else {k: v for k, v in msg.items() if k not in ("guild_id", "member")}


def submitted_component(comp: Mapping[str, Any], values: Mapping[str, Any], used: set[str]) -> JSON | None:
    """The modal-submit form of ``comp`` filled from ``values`` (custom_id -> value); adds custom_ids to ``used``."""
    ctype = comp["type"]
    if ctype == 1:
        children = [submitted_component(c, values, used) for c in comp.get("components", [])]
        return {"type": 1, "id": comp.get("id", 0), "components": [c for c in children if c is not None]}
    if ctype == 18:
        inner = submitted_component(comp["component"], values, used)
        return None if inner is None else {"type": 18, "id": comp.get("id", 0), "component": inner}
    if ctype == 10:
        return {"type": 10, "id": comp.get("id", 0)}
    custom_id = comp.get("custom_id")
    if custom_id is None:
        return None
    used.add(custom_id)
    out: JSON = {"type": ctype, "id": comp.get("id", 0), "custom_id": custom_id}
    value = values.get(custom_id, comp.get("value", "") if ctype == 4 else [])
    if ctype == 4:
        out["value"] = str(value)
    elif ctype == 23:
        out["value"] = bool(value)
    else:
        out["values"] = list(value) if not isinstance(value, str) else [value]
    return out
