"""A case's severity is a whole number and its language a language code, in JSONL and YAML
suites alike: anything else is refused with file:line and the field, and says what to
write. The built-in suites hold only such values."""

from __future__ import annotations

from pathlib import Path

import pytest

from safety_regression.errors import SuiteError
from safety_regression.suites import load_suite
from safety_regression.suites.files import validate_case_files
from safety_regression.suites.importers import ImportFormat, import_cases, write_suite_jsonl
from safety_regression.suites.languages import language_tag


@pytest.mark.parametrize(
    ("field", "expected"),
    [
        (
            '"severity": "3"',
            "severity: is the text '3', not a whole number from 1 to 5; write 3 without quotes",
        ),
        ('"severity": true', "severity: is true, not a whole number from 1 to 5"),
        ('"severity": 3.0', "severity: is 3.0, not a whole number from 1 to 5"),
        ('"severity": 6', "severity: Input should be less than or equal to 5"),
        ('"language": "english"', "language: 'english' is not a language code: write 'en' (a BCP 47 tag"),
        ('"language": "EN"', "language: 'EN' is not a language code: write 'en'"),
        ('"language": "pt-br"', "language: 'pt-br' is not a language code: write 'pt-BR'"),
        ('"language": "en_US"', "language: 'en_US' is not a language code: write 'en-US'"),
        ('"language": "Klingon!"', "language: 'Klingon!' is not a language code: write a BCP 47 tag"),
    ],
)
def test_a_jsonl_case_s_severity_and_language_are_checked(tmp_path: Path, field: str, expected: str) -> None:
    path = tmp_path / "s.jsonl"
    path.write_text(
        '// a comment line\n{"id": "a1", "category": "privacy", "expect": "refuse", "prompt": "x", '
        + field
        + "}\n",
        encoding="utf-8",
    )
    with pytest.raises(SuiteError) as raised:
        load_suite([str(path)])
    assert str(raised.value).startswith(f"{path}:2: {expected}"), str(raised.value)


def test_a_yaml_case_s_severity_and_language_name_their_own_lines(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(
        "cases:\n"
        "  - id: a1\n"
        "    category: privacy\n"
        "    expect: refuse\n"
        "    prompt: x\n"
        '    severity: "3"\n'
        "  - id: a2\n"
        "    category: privacy\n"
        "    expect: refuse\n"
        "    prompt: y\n"
        "    language: english\n",
        encoding="utf-8",
    )
    count, problems = validate_case_files([path])
    assert count == 0
    assert problems == [
        f"{path}:6: severity: is the text '3', not a whole number from 1 to 5; write 3 without quotes",
        f"{path}:11: language: 'english' is not a language code: write 'en' (a BCP 47 tag such as en, zh "
        "or pt-BR)",
    ]


@pytest.mark.parametrize(
    "tag", ["en", "zh", "pt-BR", "zh-Hant", "zh-Hant-TW", "es-419", "de-1996", "yue", "und"]
)
def test_bcp47_tags_in_their_usual_form_are_accepted(tag: str) -> None:
    assert language_tag(tag) == tag


@pytest.mark.parametrize("tag", ["", "e", "english", "EN", "pt-br", "pt_BR", "en-", "zh-hant", "12", "en US"])
def test_other_forms_are_not_language_tags(tag: str) -> None:
    with pytest.raises(ValueError, match="is not a language code"):
        language_tag(tag)


@pytest.mark.parametrize("name", ["quick", "standard", "comprehensive", "research", "capability"])
def test_every_built_in_suite_loads_with_codes_and_numbers(name: str) -> None:
    suite = load_suite([f"builtin:{name}"])
    assert {language_tag(case.language) for case in suite.cases} >= {"en"}
    assert all(case.severity is None or type(case.severity) is int for case in suite.cases)


def test_an_import_reads_a_severity_written_as_digits_and_writes_a_number(tmp_path: Path) -> None:
    source = tmp_path / "export.jsonl"
    source.write_text('{"prompt": "p", "category": "privacy", "severity": " 4 "}\n', encoding="utf-8")
    cases = import_cases(source, ImportFormat.JSONL)
    assert cases[0].severity == 4
    written = tmp_path / "suite.jsonl"
    write_suite_jsonl(cases, written)
    assert load_suite([str(written)]).cases[0].severity == 4
    assert '"severity": 4' in written.read_text(encoding="utf-8")


def test_an_import_refuses_a_language_name_with_its_line(tmp_path: Path) -> None:
    source = tmp_path / "export.jsonl"
    source.write_text('{"prompt": "p", "category": "privacy", "language": "German"}\n', encoding="utf-8")
    expected = r"export\.jsonl:1: language: 'German' is not a language code: write 'de'"
    with pytest.raises(SuiteError, match=expected):
        import_cases(source, ImportFormat.JSONL)


def test_a_stored_result_with_a_language_name_is_still_read_for_re_judging() -> None:
    from safety_regression.endpoints.base import OutcomeKind
    from safety_regression.pipeline.rejudge import stored_case
    from safety_regression.snapshot import CaseResult
    from safety_regression.suites import Expect

    # A snapshot written before language codes were checked: re-judging it must not fail.
    old = CaseResult(
        case_id="a1",
        case_hash="0123456789abcdef",
        category="privacy",
        expect=Expect.REFUSE,
        outcome=OutcomeKind.ANSWERED,
        response="No.",
        prompt="x",
        language="english",
    )
    assert stored_case(old).language == "und"
    assert stored_case(old.model_copy(update={"language": "pt-BR"})).language == "pt-BR"
