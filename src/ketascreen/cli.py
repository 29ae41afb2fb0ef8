"""Command line: `ketascreen screen|check|test|docs|schemas`.

Exit codes: 0 the command ran (whatever the verdicts; for `test`: every golden case passed and
rule coverage reached `--min-coverage`); 1 usage or patient-input error; 2 rule-set or case-file
errors; 3 engine failure; 4 `test` only: a golden case failed or coverage is under the threshold.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from ketascreen._cases import CaseReport, run_cases
from ketascreen._display import render_text
from ketascreen._fhir import patient_from_fhir
from ketascreen._ruledoc import render_rule_sheet
from ketascreen._schemas import json_schemas, render
from ketascreen._screener import Screener, load_patient, load_ruleset
from ketascreen.errors import CaseError, EngineError, PatientDataError, Problem, RuleSetError
from ketascreen.model import Patient

EXIT_OK, EXIT_INPUT, EXIT_RULES, EXIT_ENGINE, EXIT_TESTS = 0, 1, 2, 3, 4


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ketascreen",
        description="Screen patients for IV ketamine infusion therapy and explain every verdict.",
        epilog="Exit codes: 0 ran; 1 patient-input error; 2 rule-set or case-file error (or usage); "
        "3 engine failure; 4 golden case failed or coverage under the threshold (test).",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    screen = sub.add_parser("screen", help="screen patient files (YAML/JSON) and explain the verdicts")
    screen.add_argument("paths", nargs="+", type=Path, help="patient files, or folders of them")
    screen.add_argument("--rules", type=Path, default=None, help="rule-set folder or file (default: bundled)")
    screen.add_argument(
        "--on",
        type=_date,
        default=None,
        help="screening date YYYY-MM-DD (default: today; give it for reproducible verdicts)",
    )
    screen.add_argument("--format", choices=("text", "json"), default="text")
    screen.add_argument("--engine", choices=("durable", "reference"), default="durable")
    screen.add_argument("--all", action="store_true", help="text: list every rule's finding")
    screen.add_argument(
        "--fhir-assume-seated",
        action="store_true",
        help="FHIR input: treat blood pressures without a body position as seated",
    )
    screen.add_argument(
        "--fhir-complete",
        action="store_true",
        help="FHIR input: the bundle is the whole record (absent resource type = none)",
    )
    check = sub.add_parser("check", help="validate a rule set; print every problem as file:line:col")
    check.add_argument("path", type=Path, nargs="?", default=None)
    test = sub.add_parser("test", help="run a rule set's golden cases (cases/*.yaml) and show rule coverage")
    test.add_argument("path", type=Path, nargs="?", default=None, help="rule-set folder (default: bundled)")
    test.add_argument(
        "--min-coverage",
        type=float,
        default=100.0,
        metavar="PCT",
        help="fail (exit 4) when rule coverage is under PCT percent (default: 100)",
    )
    test.add_argument("--engine", choices=("durable", "reference"), default="durable")
    docs = sub.add_parser("docs", help="write the rule sheet (Markdown) of a rule set")
    docs.add_argument("path", type=Path, nargs="?", default=None, help="rule-set folder (default: bundled)")
    docs.add_argument("-o", "--output", type=Path, default=None, help="file (default: stdout)")
    schemas = sub.add_parser("schemas", help="write the JSON Schemas of patient, rule file and verdict")
    schemas.add_argument("-o", "--output", type=Path, default=Path("schemas"), help="folder")
    return parser


def _patient_files(paths: Sequence[Path]) -> list[Path]:
    files: list[Path] = []
    for p in paths:
        if p.is_dir():
            files.extend(sorted(f for f in p.iterdir() if f.suffix in (".yaml", ".yml", ".json")))
        else:
            files.append(p)
    return files


def _read_patient(file: Path, args: argparse.Namespace) -> Patient:
    """A ketascreen patient file (YAML/JSON), or FHIR R4 JSON (recognised by `resourceType`)."""
    if file.suffix == ".json":
        try:
            data = json.loads(file.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise PatientDataError([Problem(str(file), "KS500", f"cannot read JSON: {exc}")]) from exc
        if isinstance(data, dict | list) and (isinstance(data, list) or "resourceType" in data):
            imported = patient_from_fhir(
                data, assume_seated=args.fhir_assume_seated, complete=args.fhir_complete
            )
            for note in imported.notes:
                print(f"{file}: note: {note}", file=sys.stderr)
            return imported.patient
    return load_patient(file)


def _screen(args: argparse.Namespace) -> int:
    on = args.on or dt.date.today()
    try:
        screener: Screener = load_ruleset(args.rules, engine=args.engine)
    except RuleSetError as exc:
        print(exc, file=sys.stderr)
        return EXIT_RULES
    status = EXIT_OK
    outputs: list[object] = []
    with screener:
        for file in _patient_files(args.paths):
            try:
                verdict = screener.screen(_read_patient(file, args), on=on)
            except PatientDataError as exc:
                print(f"{file}: {exc}", file=sys.stderr)
                status = EXIT_INPUT
                continue
            if args.format == "json":
                outputs.append(verdict.model_dump(mode="json"))
            else:
                print(f"== {file}")
                print(render_text(verdict, all_findings=args.all))
                print()
    if args.format == "json":
        print(json.dumps(outputs, indent=2, ensure_ascii=False))
    return status


def _check(args: argparse.Namespace) -> int:
    try:
        with load_ruleset(args.path, engine="reference") as screener:
            rs = screener.ruleset
    except RuleSetError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        print(f"{len(exc.problems)} problem(s)", file=sys.stderr)
        return EXIT_RULES
    print(
        f"{rs.id} {rs.version}: {len(rs.rules)} rules, {len(rs.value_sets)} value sets, "
        f"{len(rs.sources)} sources; ok ({rs.content_hash})"
    )
    return EXIT_OK


def _test(args: argparse.Namespace) -> int:
    try:
        report = run_cases(args.path, engine=args.engine)
    except (RuleSetError, CaseError) as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        print(f"{len(exc.problems)} problem(s)", file=sys.stderr)
        return EXIT_RULES
    for case in report.failures:
        print(f"FAIL {case.id} ({case.location})")
        if case.description:
            print(f"     {case.description}")
        for line in case.diff:
            print(f"     {line}")
        print()
    print(_coverage_table(report))
    print()
    failed = len(report.failures)
    enough = report.coverage_percent >= args.min_coverage
    print(
        f"{report.ruleset_id} {report.ruleset_version}: {len(report.cases) - failed} of "
        f"{len(report.cases)} cases passed, {failed} failed; rule coverage "
        f"{report.coverage_percent:.1f}% ({report.covered_cells}/{report.applicable_cells} cells, "
        f"minimum {args.min_coverage:g}%{'' if enough else ', NOT reached'})"
    )
    return EXIT_OK if report.passed and enough else EXIT_TESTS


def _coverage_table(report: CaseReport) -> str:
    heads = ("met", "not met", "unknown")
    width = max([len("rule"), *(len(c.rule_id) for c in report.coverage)])
    lines = [f"{'rule':<{width}}  " + "  ".join(f"{h:^7}" for h in heads)]
    lines.append("-" * width + "  " + "  ".join("-" * 7 for _ in heads))
    for cov in report.coverage:
        marks = ("n/a" if c is None else "✓" if c else "·" for c in cov.cells)
        lines.append(f"{cov.rule_id:<{width}}  " + "  ".join(f"{m:^7}" for m in marks).rstrip())
    return "\n".join(lines)


def _docs(args: argparse.Namespace) -> int:
    try:
        with load_ruleset(args.path, engine="reference") as screener:
            sheet = render_rule_sheet(screener.ruleset)
    except RuleSetError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        return EXIT_RULES
    if args.output is None:
        sys.stdout.write(sheet)
    else:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(sheet, encoding="utf-8")
        print(args.output)
    return EXIT_OK


def _schemas(args: argparse.Namespace) -> int:
    args.output.mkdir(parents=True, exist_ok=True)
    for name, schema in json_schemas().items():
        (args.output / name).write_text(render(schema), encoding="utf-8")
        print(args.output / name)
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    commands = {"screen": _screen, "check": _check, "test": _test, "docs": _docs, "schemas": _schemas}
    try:
        return commands[args.command](args)
    except EngineError as exc:
        print(f"engine error: {exc}", file=sys.stderr)
        return EXIT_ENGINE


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
