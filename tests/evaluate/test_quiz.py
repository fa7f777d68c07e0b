from __future__ import annotations

from devoops.evaluate.symptoms import implied, present, revealed
from devoops.model.lens import Lens


def test_no_symptom_reveals_nothing(lens: Lens) -> None:
    assert present(lens, {}) == [] and revealed(lens, {}) == [] and implied(lens, {}) == {}


def test_symptoms_reveal_practices_and_imply_states(lens: Lens) -> None:
    answers = {"no-offsite-backup": True, "backups-in-one-account": True, "noisy-alerts": False}
    assert [s.id for s in present(lens, answers)] == ["no-offsite-backup", "backups-in-one-account"]
    first = revealed(lens, answers)
    assert first[0] == "backups.offsite"  # revealed by both
    assert "alerts.symptom-based" not in first
    # the first symptom that names a practice decides its implied state
    assert implied(lens, answers) == {"backups.offsite": "same-server"}
