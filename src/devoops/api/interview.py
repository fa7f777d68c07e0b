"""The founder interview's pure half: defaults from the lens, the answers given, and the
commented devoops.yaml they become. The prompting lives in cli/init.py."""

from __future__ import annotations

import io
import textwrap
from typing import Any

from ..model.lens import Lens, Question

APP_DEFAULTS: dict[str, Any] = {
    "name": "my-app",
    "owner": None,
    "stage": "mvp",
    "description": "",
    "business_hours": "24x7",
    "currency": "USD",
    "audience": "local",
}
DATASET_DEFAULT = {"name": "main", "criticality": "lifeblood", "regulated": "none"}


def set_path(tree: dict[str, Any], dotted: str, value: Any) -> None:
    *parents, leaf = dotted.split(".")
    for part in parents:
        tree = tree.setdefault(part, {})
    tree[leaf] = value


def get_path(tree: dict[str, Any], dotted: str) -> Any:
    for part in dotted.split("."):
        if not isinstance(tree, dict) or part not in tree:
            return None
        tree = tree[part]
    return tree


def defaults(lens: Lens) -> dict[str, Any]:
    """A complete document from the lens defaults: what `devoops init --defaults` writes."""
    answers: dict[str, Any] = {}
    for q in lens.questions:
        section = answers.setdefault(q.id, {})
        for f in q.fields:
            if f.default is not None:
                set_path(section, f.key, f.default)
    answers["data"] = {"datasets": [dict(DATASET_DEFAULT)]}
    return {"app": dict(APP_DEFAULTS), "answers": answers}


def merge(base: dict[str, Any], given: dict[str, Any]) -> dict[str, Any]:
    """`given` over `base`, recursively; lists and scalars from `given` replace."""
    out = dict(base)
    for key, value in given.items():
        out[key] = (
            merge(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
        )
    return out


def horizon_value(now: Any, later: Any) -> Any:
    """A plain value when it does not change, else {now: .., 12mo: ..}."""
    return now if later is None or later == now else {"now": now, "12mo": later}


def to_yaml(document: dict[str, Any], lens: Lens) -> str:
    """The document as YAML, commented with the questions' titles and help."""
    from ruamel.yaml import YAML
    from ruamel.yaml.comments import CommentedMap

    def commented(value: Any) -> Any:
        if isinstance(value, dict):
            cm = CommentedMap((k, commented(v)) for k, v in value.items())
            if value and set(value) <= {"now", "6mo", "12mo"}:
                cm.fa.set_flow_style()
            return cm
        if isinstance(value, list):
            return [commented(v) for v in value]
        return value

    root = commented(document)
    root.yaml_set_start_comment(
        "yaml-language-server: $schema=devoops.schema.json\n"
        "Written by `devoops init`. Values may differ by horizon: {now: 10, 6mo: 20, 12mo: 50}.\n"
        "Next: `devoops assess devoops.yaml`; `devoops lens list` shows the practices to record below."
    )
    answers = root.get("answers")
    if isinstance(answers, CommentedMap):
        for q in lens.questions:
            if q.id in answers:
                _comment_question(answers, q)
    yaml = YAML()
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.width = 100
    buffer = io.StringIO()
    yaml.dump(root, buffer)
    return buffer.getvalue()


def _comment_question(answers: Any, q: Question) -> None:
    lines = [f"{q.number}. {q.title}", *textwrap.wrap(q.help, 88)]
    answers.yaml_set_comment_before_after_key(q.id, before="\n".join(lines), indent=2)
    section = answers[q.id]
    for f in q.fields:
        *parents, leaf = f.key.split(".")
        node = section
        for part in parents:
            node = node.get(part) if hasattr(node, "get") else None
        if node is not None and hasattr(node, "yaml_add_eol_comment") and leaf in node:
            node.yaml_add_eol_comment(f.prompt, leaf, column=44)
