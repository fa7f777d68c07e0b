"""The founder's wizard's words, as the lens holds them: what every asked thing shares (its
prompt, a label for every choice), the founder's own inputs beside a question's fields, and
the two contrasting examples beside each question. `lens.Question` holds them."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, ValidationInfo, field_validator

from .common import Strict, Text


class Example(Strict):
    """One of a question's two contrasting examples: who answers, and what they answer."""

    who: Text
    answer: Text


FieldKind = Literal["money", "number", "integer", "choice", "boolean", "choices", "minutes"]


class Asked(Strict):
    """What the founder's wizard needs to ask one thing in the founder's words."""

    prompt: Text
    help: str = ""
    choices: list[str] = []
    labels: dict[str, Text] = Field(default={}, description="choice value -> the founder's words for it")
    default: Any = None
    optional: bool = False
    also_12mo: bool = Field(default=False, description="the wizard asks it again for 12 months from now")
    engineer: bool = Field(default=False, description="a detail for the engineer: asked last, skippable")

    @field_validator("labels")
    @classmethod
    def _labels_name_choices(cls, labels: dict[str, str], info: ValidationInfo) -> dict[str, str]:
        choices = info.data.get("choices", [])
        if stray := [k for k in labels if k not in choices]:
            raise ValueError(f"labels for values that are not choices: {', '.join(stray)} ({choices=})")
        return labels


class FounderInput(Asked):
    """What the wizard asks beside the answers' fields: `app:` (currency, business hours) or what a
    founder knows in a field's place; `key` is a document path or an input `api.founder` converts."""

    key: Text
    kind: Literal[FieldKind, "text", "clock", "duration"]
    when: dict[str, list[Any]] = Field(default={}, description="asked if earlier inputs hold one of these")
