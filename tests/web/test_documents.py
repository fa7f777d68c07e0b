"""The workspace's text edits (devoops.api.documents): the form's lists read back what they
show, an edit keeps every comment of the user's file, and a refused edit raises the loader's
located error."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from devoops.api.documents import (
    ComponentFields,
    dependencies,
    load_text,
    names,
    put_component,
    set_choice,
    set_exemption,
    shown_dependencies,
    starting_text,
)
from devoops.base.errors import InputError
from devoops.lens import load_lens

ids = st.from_regex(r"[a-z0-9][a-z0-9_-]{0,20}", fullmatch=True)
dependency = st.one_of(ids, st.lists(ids, min_size=2, max_size=3))


@given(st.lists(dependency, max_size=6))
def test_dependencies_read_back_what_the_form_shows(found: list[str | list[str]]) -> None:
    shown = shown_dependencies([d if isinstance(d, str) else {"any_of": d} for d in found])
    assert dependencies(shown) == found


@given(st.lists(ids, max_size=6), st.sampled_from([",", ", ", " ,  "]))
def test_names_read_a_typed_list(found: list[str], separator: str) -> None:
    assert names(separator.join(found)) == found


comment = st.text(
    st.characters(max_codepoint=0x2FFF, exclude_categories=("Cc", "Cs", "Zl", "Zp")), max_size=40
)


@settings(max_examples=30, deadline=None)
@given(comment, st.sampled_from(["backups.offsite", "iam.mfa", "dns.owner-known"]))
def test_an_edit_keeps_the_users_comments(note: str, practice: str) -> None:
    lens = load_lens()
    text = starting_text("shop", lens).replace("answers:\n", f"# {note}\nanswers:\n", 1)
    choice = lens.practice(practice).choices[0].id  # type: ignore[union-attr]
    changed = set_choice(text, lens, practice, choice)
    comments = [line.strip() for line in text.splitlines() if line.lstrip().startswith("#")]
    kept = [line.strip() for line in changed.text.splitlines() if line.lstrip().startswith("#")]
    assert kept == comments
    assert load_text(changed.text, lens).workload.practices[practice].choice == choice
    until = dt.date(2099, 1, 1)
    exempt = set_exemption(changed.text, lens, practice, "me", note.strip() or "why", until)
    state = load_text(exempt.text, lens).workload.practices[practice]
    assert (state.choice, state.exemption.expires) == (choice, until)  # type: ignore[union-attr]
    assert exempt.old == choice


def test_a_refused_edit_is_located_and_returns_nothing() -> None:
    lens = load_lens()
    text = starting_text("shop", lens)
    with pytest.raises(InputError) as refused:
        put_component(text, lens, "db", ComponentFields(kind="database", datasets=["nope"]))
    ((where, message),) = refused.value.problems
    assert where.file == "devoops.yaml" and where.line and where.column
    assert where.field == "inventory.components.db.datasets.0" and "unknown dataset 'nope'" in message
    with pytest.raises(InputError, match=re.escape("kind: Input should be")):
        put_component(text, lens, "db", ComponentFields(kind="mainframe"))
