"""The quiz answers a workload records: known symptoms only, an unknown one located."""

from __future__ import annotations

import pytest

from devoops.api.documents import starting_text
from devoops.api.workload import load_text
from devoops.base.errors import InputError
from devoops.lens import load_lens

LENS = load_lens()


def test_the_answers_load_and_an_unknown_symptom_is_located() -> None:
    text = starting_text("shop", LENS) + "quiz:\n  noisy-alerts: true\n  slow-deploys: false\n"
    assert load_text(text, LENS).workload.quiz == {"noisy-alerts": True, "slow-deploys": False}
    lines = text.count("\n")
    with pytest.raises(InputError) as refused:
        load_text(text.replace("slow-deploys", "slow-deploy"), LENS)
    assert f"devoops.yaml:{lines}:3" in str(refused.value)
    assert "unknown symptom 'slow-deploy'" in str(refused.value) and "slow-deploys" in str(refused.value)
