"""The DevOops symptom quiz in the browser: the lens's eight yes-or-no questions on one page
(radio pairs, no double negatives: the lens words them plainly), answered by a founder and up.
A save is one version of devoops.yaml, as every change in the workspace: the answers go under
its `quiz:`, each "yes" records the practice state it implies (`evaluate.symptoms.implied`,
what `devoops quiz` tells one to paste) and a "no" takes back a state the quiz implied before,
so the answers seed the engineer's practices."""

from __future__ import annotations

from collections.abc import Mapping

from starlette.responses import Response

from ...api.documents import FILE, Change, clear_practice, edited, set_choice
from ...api.workload import load_text
from ...base.errors import InputError
from ...evaluate.symptoms import implied, present, revealed
from ...model.lens import Lens
from ...store.people import Conflict
from ..access import Ctx, Pages, Role, member
from ..render import redirect, render
from .workspace import APP, VIEWER, Document, document, no_app, save

pages = Pages()
FOUNDER = member(Role.founder)
QUIZ = APP + "/quiz"


def answers(doc: Document) -> dict[str, bool]:
    """The answers the document holds, symptom id -> yes."""
    return dict(load_text(doc.text, doc.lens, FILE).workload.quiz)


def seeded(text: str, lens: Lens, given: Mapping[str, bool], before: Mapping[str, bool]) -> Change:
    """`text` with the practice states the answers imply: each "yes" records its state (the
    first symptom to name a practice wins, as `devoops quiz` prints them), and a symptom
    answered "no" now takes back the state a "yes" to it recorded, unless another "yes" holds it."""
    wanted = implied(lens, {k: v for k, v in given.items() if v})
    was = implied(lens, {k: v for k, v in before.items() if v})
    recorded = load_text(text, lens, FILE).workload.practices
    text, _ = edited(text, lens, lambda doc: doc.update(quiz=dict(given)))
    old: dict[str, object] = {}
    new: dict[str, object] = {}
    for pid, choice in wanted.items():
        state = recorded.get(pid)
        if state is None or state.choice != choice:
            change = set_choice(text, lens, pid, choice)
            text, old[pid], new[pid] = change.text, change.old, change.new
    for s in lens.symptoms:
        if given.get(s.id) is not False:
            continue
        for pid, choice in s.implies.items():
            state = recorded.get(pid)
            if pid not in wanted and was.get(pid) == choice and state is not None and state.choice == choice:
                change = clear_practice(text, lens, pid)
                text, old[pid], new[pid] = change.text, change.old, None
    return Change(
        text,
        "quiz",
        {"answers": dict(before), "practices": old},
        {"answers": dict(given), "practices": new},
        f"the symptom quiz: {sum(given.values())} yes, {len(given) - sum(given.values())} no",
    )


def _page(ctx: Ctx, doc: Document, given: Mapping[str, bool], status: int = 200, error: str = "") -> Response:
    lens = doc.lens
    titles = {p.id: p.title for p in lens.practices}
    states = []
    for pid, choice in implied(lens, {k: v for k, v in given.items() if v}).items():
        practice = lens.practice(pid)
        found = practice.choice(choice) if practice else None
        states.append((titles[pid], found.title if found else choice))
    return render(
        ctx,
        "quiz.html",
        status,
        doc=doc,
        symptoms=lens.symptoms,
        given=given,
        found=present(lens, given),
        first=[titles[pid] for pid in revealed(lens, given)],
        states=states,
        error=error,
        saved=ctx.request.query_params.get("saved"),
    )


@pages.get(QUIZ, VIEWER)
def quiz(ctx: Ctx) -> Response:
    doc = document(ctx)
    return no_app(ctx) if doc is None else _page(ctx, doc, answers(doc))


@pages.post(QUIZ, FOUNDER)
def answer(ctx: Ctx) -> Response:
    """Save the answers given (a question left unanswered keeps no answer)."""
    doc = document(ctx)
    if doc is None:
        return no_app(ctx)
    given: dict[str, bool] = {}
    for s in doc.lens.symptoms:
        said = ctx.form.get(s.id, "")
        if said not in ("", "yes", "no"):
            return _page(ctx, doc, answers(doc), 400, f"{s.question} Answer yes or no.")
        if said:
            given[s.id] = said == "yes"
    try:
        change = seeded(doc.text, doc.lens, given, answers(doc))
        save(ctx, doc, change, "quiz.answered")
    except InputError as e:
        return _page(ctx, doc, given, 400, str(e))
    except Conflict as e:
        return _page(ctx, doc, given, 409, str(e))
    return redirect(doc.path(ctx, "quiz") + "?saved=1#result")
