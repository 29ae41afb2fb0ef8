"""Property 5: round trips. A Patient survives JSON, and YAML (`yaml.safe_dump` of
`model_dump(mode="json")`, read back with `ketascreen.load_patient`), unchanged; a Verdict
survives JSON unchanged."""

from __future__ import annotations

from pathlib import Path

import yaml
from hypothesis import given
from hypothesis import strategies as st

import ketascreen as ks
from ketascreen.testing import patients, screening_dates
from tests.properties._support import default_screener, rs, scratch

ids = st.one_of(
    st.none(),
    # one line of printable text, as the model requires (it rejects control characters and
    # line separators, which YAML 1.1 readers would fold into spaces)
    st.text(st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp")), min_size=1, max_size=20),
    st.sampled_from(
        [
            "yes",
            "no",
            "on",
            "off",
            "null",
            "~",
            "1e3",
            "0x1F",
            "2025-06-01",
            "True",
            "- a",
            "#x",
            "'",
            '"',
            ": x",
            "0o17",
            "1_000",
            ".inf",
            "<<",
        ]
    ),
)


def _yaml_round_trip(patient: ks.Patient) -> ks.Patient:
    with scratch() as tmp:
        path = Path(tmp) / "patient.yaml"
        path.write_text(yaml.safe_dump(patient.model_dump(mode="json"), allow_unicode=True), encoding="utf-8")
        return ks.load_patient(path)


@given(st.deferred(lambda: patients(ruleset=rs())), ids)
def test_patient_json(patient: ks.Patient, id_: str | None) -> None:
    patient = patient.model_copy(update={"id": id_})
    assert ks.Patient.model_validate_json(patient.model_dump_json()) == patient


@given(st.deferred(lambda: patients(ruleset=rs())), ids)
def test_patient_yaml(patient: ks.Patient, id_: str | None) -> None:
    patient = ks.Patient.model_validate({**patient.model_dump(), "id": id_})
    assert _yaml_round_trip(patient) == patient


@given(st.data())
def test_verdict_json(data: st.DataObject) -> None:
    on = data.draw(screening_dates())
    verdict = default_screener().screen(data.draw(patients(ruleset=rs(), on=on)), on=on)
    again = ks.Verdict.model_validate_json(verdict.model_dump_json())
    assert again == verdict
    assert again.model_dump_json() == verdict.model_dump_json()
