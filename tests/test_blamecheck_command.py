"""The blamecheck management command: files, stdin and --jsonl modes, and its exit codes."""
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

MANAGE = Path(__file__).resolve().parent.parent / "manage.py"


def run_command(*args, stdin=""):
    """Run blamecheck in-process; return (exit status, printed lines)."""
    out = io.StringIO()
    status = 0
    old_stdin, sys.stdin = sys.stdin, io.StringIO(stdin)
    try:
        call_command("blamecheck", *args, stdout=out)
    except SystemExit as exit_:
        status = exit_.code
    finally:
        sys.stdin = old_stdin
    return status, [json.loads(line) for line in out.getvalue().splitlines()]


def test_file_with_blame_prints_one_json_finding_per_line_and_exits_1(tmp_path):
    path = tmp_path / "review.md"
    path.write_text("# Review\n\nThe contractor was reckless.\n", encoding="utf-8")
    status, lines = run_command(str(path))
    assert status == 1
    (finding,) = lines
    assert set(finding) == {"start", "end", "category", "text", "message", "suggestion"}
    assert finding["text"] == "reckless" and finding["category"] == "loaded_judgement"


def test_clean_file_prints_nothing_and_exits_0(tmp_path):
    path = tmp_path / "review.md"
    path.write_text("The queue drained once the consumer was restarted.\n", encoding="utf-8")
    assert run_command(str(path)) == (0, [])


def test_stdin_is_read_when_no_file_is_given():
    status, lines = run_command(stdin="Yusuf should have paged the DBA.")
    assert status == 1
    assert lines[0]["category"] == "counterfactual"


def test_jsonl_mode_writes_one_record_per_input_line_with_its_id():
    records = [{"id": "a", "text": "The build failed to start."}, {"id": 7, "text": "She just had to revert it."}]
    stdin = "".join(json.dumps(record) + "\n" for record in records)
    status, lines = run_command("--jsonl", stdin=stdin)
    assert status == 1
    assert [line["id"] for line in lines] == ["a", 7]
    assert lines[0]["findings"] == [] and lines[1]["findings"][0]["category"] == "minimising"


def test_jsonl_mode_with_only_clean_records_exits_0():
    assert run_command("--jsonl", stdin='{"id": 1, "text": "Latency rose."}\n') == (0, [{"id": 1, "findings": []}])


def test_unreadable_file_is_bad_input_with_returncode_2(tmp_path):
    with pytest.raises(CommandError, match="cannot read") as error:
        call_command("blamecheck", str(tmp_path / "missing.md"))
    assert error.value.returncode == 2


def test_invalid_json_line_is_bad_input_with_returncode_2():
    with pytest.raises(CommandError, match="invalid JSON") as error:
        run_command("--jsonl", stdin='{"id": 1, "text": "ok"}\nnot json\n')
    assert error.value.returncode == 2


def test_record_without_text_is_bad_input_with_returncode_2():
    with pytest.raises(CommandError, match='"text"') as error:
        run_command("--jsonl", stdin='{"id": 1}\n')
    assert error.value.returncode == 2


@pytest.mark.parametrize(
    "args, stdin, expected",
    [
        ([], "Traffic recovered at 10:40.", 0),
        ([], "The on-call ignored the alert.", 1),
        (["--jsonl"], "{broken", 2),
    ],
)
def test_process_exit_status_is_0_clean_1_findings_2_bad_input(args, stdin, expected):
    result = subprocess.run(
        [sys.executable, str(MANAGE), "blamecheck", *args],
        input=stdin, capture_output=True, text=True, cwd=MANAGE.parent,
    )
    assert result.returncode == expected
    if expected == 2:
        assert "invalid JSON" in result.stderr
