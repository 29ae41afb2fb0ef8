"""Command line: `ketascreen screen|check|schemas`.

Exit codes: 0 the command ran (whatever the verdicts); 1 usage or patient-input error;
2 rule-set errors; 3 engine failure.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from ketascreen._display import render_text
from ketascreen._fhir import patient_from_fhir
from ketascreen._schemas import json_schemas, render
from ketascreen._screener import Screener, load_patient, load_ruleset
from ketascreen.errors import EngineError, PatientDataError, Problem, RuleSetError
from ketascreen.model import Patient

EXIT_OK, EXIT_INPUT, EXIT_RULES, EXIT_ENGINE = 0, 1, 2, 3


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ketascreen", description=__doc__.splitlines()[0])
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


def _schemas(args: argparse.Namespace) -> int:
    args.output.mkdir(parents=True, exist_ok=True)
    for name, schema in json_schemas().items():
        (args.output / name).write_text(render(schema), encoding="utf-8")
        print(args.output / name)
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    commands = {"screen": _screen, "check": _check, "schemas": _schemas}
    try:
        return commands[args.command](args)
    except EngineError as exc:
        print(f"engine error: {exc}", file=sys.stderr)
        return EXIT_ENGINE


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
