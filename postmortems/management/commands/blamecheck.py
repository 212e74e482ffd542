"""Check text for blame language: files or stdin in, one JSON finding per line out."""
import json
import sys

from django.core.management.base import BaseCommand, CommandError

from postmortems.blame import analyze

BAD_INPUT = 2


class Command(BaseCommand):
    help = (
        "Print blame-language findings as JSON Lines. Reads FILEs, or stdin when none is given; "
        "with --jsonl reads {\"id\", \"text\"} lines and writes {\"id\", \"findings\"} lines. "
        "Exits 0 with no findings, 1 with findings, 2 on bad input."
    )

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="*", metavar="FILE")
        parser.add_argument("--jsonl", action="store_true", help="read and write JSON Lines records")

    def handle(self, *args, files, jsonl, **options):
        texts = _read_files(files) if files else [("<stdin>", sys.stdin.read())]
        found = 0
        for name, text in texts:
            if jsonl:
                found += self._check_records(name, text)
            else:
                found += self._check_document(text)
        if found:
            sys.exit(1)

    def _check_document(self, text):
        findings = analyze(text)
        for finding in findings:
            self.stdout.write(json.dumps(finding.as_dict(), ensure_ascii=False))
        return len(findings)

    def _check_records(self, name, text):
        # Validate every line before writing any, so bad input never yields partial output.
        records = [_parse_record(name, number, line) for number, line in enumerate(text.splitlines(), 1) if line.strip()]
        found = 0
        for record in records:
            findings = analyze(record["text"])
            found += len(findings)
            line = {"id": record.get("id"), "findings": [f.as_dict() for f in findings]}
            self.stdout.write(json.dumps(line, ensure_ascii=False))
        return found


def _read_files(paths):
    texts = []
    for path in paths:
        try:
            with open(path, encoding="utf-8") as handle:
                texts.append((path, handle.read()))
        except (OSError, UnicodeDecodeError) as error:
            raise CommandError(f"cannot read {path}: {error}", returncode=BAD_INPUT)
    return texts


def _parse_record(name, number, line):
    try:
        record = json.loads(line)
    except json.JSONDecodeError as error:
        raise CommandError(f"{name}:{number}: invalid JSON: {error.msg}", returncode=BAD_INPUT)
    if not isinstance(record, dict) or not isinstance(record.get("text"), str):
        raise CommandError(f"{name}:{number}: expected an object with a string \"text\" field", returncode=BAD_INPUT)
    return record
