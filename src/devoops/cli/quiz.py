"""The DevOops symptom quiz: eight yes/no questions, about two minutes, and what they reveal.

Interactive on a terminal; `--answers FILE` takes a YAML mapping of symptom id to yes/no."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .common import Lens, Output, TextFormatOption, emit_report

NAME = "quiz"
EXAMPLE = "Example: devoops quiz   (or: devoops quiz --answers quiz.yaml -f md -o quiz.md)"


def run(
    answers: Annotated[Path | None, typer.Option(help="YAML: symptom id -> yes/no")] = None,
    format: TextFormatOption = "terminal",
    output: Output = None,
    lens: Lens = None,
) -> None:
    from ..base.errors import UsageError
    from ..lens import load_lens
    from ..report.quiz import quiz
    from ..report.registry import Document
    from .common import is_terminal

    catalogue = load_lens(lens or ())
    if answers is not None:
        from ..api.workload import load_quiz_answers

        given = load_quiz_answers(answers, catalogue)
    elif is_terminal():
        import questionary

        given = {}
        for s in catalogue.symptoms:
            reply = questionary.confirm(s.question, default=False, instruction=f"({s.help}) ").ask()
            if reply is None:
                raise KeyboardInterrupt
            given[s.id] = reply
    else:
        raise UsageError("not a terminal: pass --answers FILE")
    emit_report("text", format, Document("devoops quiz", quiz(catalogue, given)), output)
