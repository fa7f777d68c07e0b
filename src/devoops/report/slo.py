"""`devoops slo generate` without --output prints one of the documents generated together (the
rules and the unit tests that test them, OpenSLO, Sloth): each format names one file."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from .registry import Page, Renderer

if TYPE_CHECKING:
    from ..generate import Generated


class SloDocument(Renderer["Generated"]):
    file: ClassVar[str]
    media_type = "application/yaml"

    def render(self, subject: Generated, page: Page) -> str:
        return subject.files[self.file]


class Rules(SloDocument):
    format = "rules"
    file = "rules.yaml"


class RuleTests(SloDocument):
    format = "tests"
    file = "rules_test.yaml"


class OpenSlo(SloDocument):
    format = "openslo"
    file = "openslo.yaml"


class Sloth(SloDocument):
    format = "sloth"
    file = "sloth.yaml"
