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
    given: dict[str, bool]
    if answers is not None:
        from ..api.workload import load_quiz_answers

        given = load_quiz_answers(answers, catalogue)
    elif is_terminal():
        import questionary

        given = {}
        for number, s in enumerate(catalogue.symptoms, 1):
            questionary.print(f"{number}/{len(catalogue.symptoms)}  {s.help}", style="italic")
            given[s.id] = yes_no(s.question)
    else:
        raise UsageError("not a terminal: pass --answers FILE")
    emit_report("text", format, Document("devoops quiz", quiz(catalogue, given)), output)


def yes_no(question: str) -> bool:
    """One yes/no answer, taken when Enter is pressed. questionary's confirm takes `y` by
    itself unless told otherwise, and the Enter typed after it would then answer the next
    question with its default: every "y, Enter" became a yes and a silent no."""
    import questionary

    reply = questionary.confirm(question, default=False, auto_enter=False, instruction="(y/n, Enter) ").ask()
    if reply is None:  # Ctrl-C
        raise KeyboardInterrupt
    return bool(reply)
