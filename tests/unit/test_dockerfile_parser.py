"""The Dockerfile parser against a corpus, Docker's error wording, and variable substitution."""

from __future__ import annotations

import json
from dataclasses import fields
from pathlib import Path
from typing import Any

import pytest

from kube_magics.dockerfile import instructions as ins
from kube_magics.dockerfile import parse
from kube_magics.dockerfile.substitution import ShellLex, SubstitutionError
from kube_magics.errors import DockerfileError

CORPUS = Path(__file__).resolve().parents[1] / "data" / "dockerfiles"
_SKIP = {"keyword", "line", "end_line", "original", "comments", "trigger"}


def describe(inst: ins.Instruction) -> dict[str, Any]:
    """An instruction as the corpus files record it: its line, keyword and non-empty fields."""
    out: dict[str, Any] = {"line": inst.line, "instruction": inst.keyword}
    for f in fields(inst):
        value = getattr(inst, f.name)
        if f.name in _SKIP or value in ("", [], {}, False, 0, 0.0, None):
            continue
        out[f.name] = [list(v) if isinstance(v, tuple) else v for v in value] if isinstance(value, list) else value
    if isinstance(inst, ins.Onbuild) and inst.trigger is not None:
        out["trigger"] = describe(inst.trigger)
    return out


@pytest.mark.parametrize("path", sorted(CORPUS.glob("*.Dockerfile")), ids=lambda p: p.stem)
def test_corpus_parses_to_the_expected_instructions(path: Path) -> None:
    expected = json.loads(path.with_name(path.stem + ".expected.json").read_text(encoding="utf-8"))
    text = path.read_text(encoding="utf-8")
    if "error" in expected:
        with pytest.raises(DockerfileError) as caught:
            parse(text)
        assert caught.value.message == expected["error"]
        return
    df = parse(text)
    assert [describe(i) for i in df.instructions()] == expected["instructions"]
    assert df.escape == expected["escape"]
    assert df.directives == expected["directives"]


def test_the_seed_dockerfile_fails_at_from_in_both_builders_words() -> None:
    text = (CORPUS / "seed-trailing-comments.Dockerfile").read_text(encoding="utf-8")
    with pytest.raises(DockerfileError) as buildkit:
        parse(text)
    assert str(buildkit.value).startswith("dockerfile parse error on line 2: FROM requires either one or three "
                                          "arguments")
    assert buildkit.value.line == 2
    assert "`# 베이스 이미지`" in (buildkit.value.hint or "") and "own line" in (buildkit.value.hint or "")
    with pytest.raises(DockerfileError) as classic:
        parse(text, builder="classic")
    # the recording (cli.txt), one line earlier there because its Dockerfile has no title comment
    assert classic.value.message == "dockerfile parse error line 2: FROM requires either one or three arguments"


def test_what_docker_makes_of_each_trailing_comment_once_from_is_fixed() -> None:
    text = (CORPUS / "seed-trailing-comments.Dockerfile").read_text(encoding="utf-8")
    df = parse(text.replace("FROM node:16-alpine           # 베이스 이미지", "FROM node:16-alpine"))
    by_kw = {i.keyword + str(i.line): i for i in df.instructions()}
    assert isinstance(by_kw["WORKDIR4"], ins.Workdir)
    assert by_kw["WORKDIR4"].path == "/app                  # 작업 디렉터리 설정"
    copy = by_kw["COPY6"]
    assert isinstance(copy, ins.Copy) and copy.sources == ["package*.json", "./", "#", "의존성", "파일"]
    assert copy.dest == "복사"
    expose = by_kw["EXPOSE11"]
    assert isinstance(expose, ins.Expose) and expose.ports == ["#", "3000", "노출", "포트"]  # sorted bytewise
    cmd = by_kw["CMD13"]
    assert isinstance(cmd, ins.Cmd) and cmd.shell_form
    assert cmd.command == ['["npm", "start"]          # 실행 명령']


@pytest.mark.parametrize(("builder", "message"), [
    ("buildkit", "dockerfile parse error on line 2: unknown instruction: RUNN (did you mean RUN?)"),
    ("classic", "dockerfile parse error line 2: unknown instruction: RUNN"),  # as recorded in cli.txt
])
def test_unknown_instruction_in_each_builders_words(builder: str, message: str) -> None:
    with pytest.raises(DockerfileError) as caught:
        parse("FROM busybox:local\nRUNN echo hi\n", builder=builder)  # type: ignore[arg-type]
    assert caught.value.message == message and caught.value.line == 2


def test_instructions_before_from_and_empty_files() -> None:
    with pytest.raises(DockerfileError, match=r"^no build stage in current context"):
        parse("# comment\nWORKDIR /app\nFROM alpine:3.19\n")
    with pytest.raises(DockerfileError, match=r"^file with no instructions"):
        parse("# only a comment\n\n")
    with pytest.raises(DockerfileError, match=r"^the Dockerfile cannot be empty"):
        parse("")
    df = parse("ARG BASE=alpine:3.19\nFROM $BASE\n")
    assert [a.args for a in df.meta_args] == [[("BASE", "alpine:3.19")]] and df.stages[0].base == "$BASE"


def test_json_form_and_its_fall_back_to_shell_form() -> None:
    df = parse('FROM a\nCMD ["npm", "start"]\nENTRYPOINT [\'sh\']\nRUN [ "echo", "x" ] \nSHELL ["bash", "-c"]\n')
    cmd, entry, run, shell = df.stages[0].instructions
    assert isinstance(cmd, ins.Cmd) and not cmd.shell_form and cmd.command == ["npm", "start"]
    assert isinstance(entry, ins.Entrypoint) and entry.shell_form and entry.command == ["['sh']"]
    assert isinstance(run, ins.Run) and run.command == ["echo", "x"]
    assert isinstance(shell, ins.Shell) and shell.shell == ["bash", "-c"]
    with pytest.raises(DockerfileError, match="arrays must be comprised of strings only") as caught:
        parse('FROM a\nCMD ["sleep", 10]\n')
    assert caught.value.line == 2
    with pytest.raises(DockerfileError, match="SHELL requires the arguments to be in JSON form"):
        parse("FROM a\nSHELL bash -c\n")


def test_argument_checks_use_dockers_words() -> None:
    cases = {
        "FROM a b": "FROM requires either one or three arguments",
        "FROM a AS 1x": 'invalid name for build stage: "1x", name can\'t start with a number or contain symbols',
        "FROM a\nWORKDIR": "WORKDIR requires exactly one argument",
        "FROM a\nCOPY onlyone": "COPY requires at least two arguments, but only one was provided. Destination "
                                "could not be determined",
        "FROM a\nCOPY --form=b x y": "unknown flag: --form (did you mean from?)",
        "FROM a\nHEALTHCHECK NONE x": "HEALTHCHECK NONE takes no arguments",
        "FROM a\nHEALTHCHECK BOGUS x": 'Unknown type "BOGUS" in HEALTHCHECK (try CMD)',
        "FROM a\nONBUILD FROM b": "FROM isn't allowed as an ONBUILD trigger",
        "FROM a\nRUN --mount=type=bogus x": 'unsupported mount type "bogus"',
    }
    for text, message in cases.items():
        with pytest.raises(DockerfileError) as caught:
            parse(text + "\n")
        assert caught.value.message == f"dockerfile parse error on line {caught.value.line}: {message}", text
    with pytest.raises(DockerfileError) as caught:  # found by the line parser: no prefix, as in BuildKit
        parse("FROM a\nENV A\n")
    assert caught.value.message == "ENV must have two arguments" and caught.value.line == 2


def test_directives_only_at_the_top() -> None:
    df = parse("\ufeff# syntax=docker/dockerfile:1\n# check=skip=JSONArgsRecommended\nFROM a\n"
               "# escape=`\nRUN x \\\n y\n")
    assert df.directives == {"syntax": "docker/dockerfile:1", "check": "skip=JSONArgsRecommended"}
    assert df.escape == "\\"
    run = df.stages[0].instructions[0]
    assert isinstance(run, ins.Run) and run.command == ["x  y"]
    with pytest.raises(DockerfileError, match="invalid escape token '!' does not match ` or"):
        parse("# escape=!\nFROM a\n")
    with pytest.raises(DockerfileError, match="only one escape parser directive can be used"):
        parse("# escape=`\n# escape=\\\nFROM a\n")


def test_heredoc_must_be_terminated() -> None:
    with pytest.raises(DockerfileError, match="unterminated heredoc") as caught:
        parse("FROM a\nRUN <<EOF\necho hi\n")
    assert caught.value.line == 2


@pytest.mark.parametrize(("word", "expected"), [
    ("$A", "a"), ("${A}", "a"), ("${UNSET:-dflt}", "dflt"), ("${EMPTY:-dflt}", "dflt"), ("${EMPTY-dflt}", ""),
    ("${A:+alt}", "alt"), ("${EMPTY:+alt}", ""), ("${EMPTY+alt}", "alt"), ("${UNSET+alt}", ""),
    ("'$A'", "$A"), ('"$A b"', "a b"), ("\\$A", "$A"), ("${PATHV#*/}", "usr/bin"), ("${PATHV##*/}", "bin"),
    ("${PATHV%/*}", "/usr"), ("${PATHV/usr/opt}", "/opt/bin"), ("pre${A}post", "preapost"),
])
def test_substitution_as_docker_does_it(word: str, expected: str) -> None:
    env = {"A": "a", "EMPTY": "", "PATHV": "/usr/bin"}
    assert ShellLex().process_word(word, env)[0] == expected


def test_substitution_errors_and_unset_names() -> None:
    assert ShellLex().process_word("$NOPE x", {})[1] == {"NOPE"}
    with pytest.raises(SubstitutionError, match="syntax error: bad substitution"):
        ShellLex().process_word("${}", {})
    with pytest.raises(SubstitutionError, match="NAME: is required"):
        ShellLex().process_word("${NAME:?is required}", {})
    assert ShellLex(escape="`").process_word("C:\\dir `$X", {"X": "1"})[0] == "C:\\dir $X"
    assert ShellLex().process_words("80/tcp  $P", {"P": "53/udp 9000"}) == ["80/tcp", "53/udp", "9000"]
