"""A linter for what learners get wrong in Dockerfiles: each finding has a line, a rule, a severity and a why.

Works on the parsed instructions, and also on a Dockerfile that does not parse (a comment after `FROM` is the
classic case): instructions that fail their checks are still looked at from their text. Rules, with the nearest
hadolint rule (docs/dockerfile-lint.md compares both on a corpus):

comment-after-instruction (error) · unpinned-base-image (DL3006) · latest-base-image (DL3007) ·
copy-all-before-install · apt-no-install-recommends (DL3015) · apt-lists-not-removed (DL3009) · apt-upgrade ·
apk-no-cache (DL3019) · add-instead-of-copy (DL3020) · multiple-cmd (DL4003) · multiple-entrypoint (DL4004) ·
relative-workdir (DL3000) · runs-as-root (DL3002) · sudo (DL3004) · shell-form-cmd (DL3025) ·
secret-in-env-or-arg · cd-in-run (DL3003) · pip-no-cache-dir (DL3042) · npm-install-not-ci · maintainer (DL4000).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from kube_magics.dockerfile import instructions as ins
from kube_magics.dockerfile.convert import convert
from kube_magics.dockerfile.document import trailing_comment
from kube_magics.dockerfile.parser import LocatedError, scan
from kube_magics.images import split_ref

Severity = Literal["error", "warning", "info"]
HADOLINT = {"unpinned-base-image": "DL3006", "latest-base-image": "DL3007", "apt-no-install-recommends": "DL3015",
            "apt-lists-not-removed": "DL3009", "apk-no-cache": "DL3019", "add-instead-of-copy": "DL3020",
            "multiple-cmd": "DL4003", "multiple-entrypoint": "DL4004", "relative-workdir": "DL3000",
            "runs-as-root": "DL3002", "sudo": "DL3004", "shell-form-cmd": "DL3025", "cd-in-run": "DL3003",
            "pip-no-cache-dir": "DL3042", "maintainer": "DL4000"}
_SECRET = re.compile(r"(?i)(?:_|^)(?:apikey|auth|credential|credentials|key|password|pass|pword|passwd|secret|token)"
                     r"(?:_|$)")
_PUBLIC = re.compile(r"(?i)(?:_|^)public(?:_|$)")
_INSTALL = re.compile(r"\b(npm (install|ci|i)\b|yarn( install)?\s*($|&&|;)|pip3? install|pipenv install|poetry install"
                      r"|go mod download|bundle install|composer install|mvn .*dependency)")
_ARCHIVE = re.compile(r"\.(tar|tar\.gz|tgz|tar\.bz2|tbz2|tar\.xz|txz|gz|bz2|xz)$")
_CONSEQUENCE = {
    "FROM": "Docker reads the comment's words as arguments and rejects the line: FROM requires either one or three "
            "arguments",
    "WORKDIR": "the working directory becomes the whole rest of the line, comment included",
    "COPY": "the comment's words become more sources and the last one the destination; the build fails "
            '("/#": not found)',
    "ADD": "the comment's words become more sources and the last one the destination",
    "EXPOSE": "the comment's words are read as ports: invalid containerPort: #",
    "CMD": "the JSON array followed by a comment is no longer JSON, so Docker runs the whole line in a shell "
           "(/bin/sh -c '[\"...\"] # ...'), which fails at start with `not found`",
    "ENTRYPOINT": "the JSON array followed by a comment is no longer JSON, so the line becomes a shell command",
    "ENV": "the comment becomes part of the value (or a syntax error)",
    "LABEL": "the comment becomes part of the value (or a syntax error)",
    "USER": "the user name becomes the whole rest of the line",
    "RUN": "the shell happens to ignore it here, but only lines that start with # are Dockerfile comments",
}


@dataclass(frozen=True)
class Finding:
    line: int
    rule: str
    severity: Severity
    message: str  # the one-line why

    @property
    def hadolint(self) -> str | None:
        return HADOLINT.get(self.rule)

    def __str__(self) -> str:
        return f"line {self.line}: {self.severity}: {self.message} [{self.rule}]"


def lint(source: str | ins.Dockerfile) -> list[Finding]:
    """Findings for a Dockerfile (text or parsed), by line."""
    text = source if isinstance(source, str) else "\n".join(source.lines)
    try:
        raw = scan(text)
    except LocatedError as err:
        return [Finding(err.line, "syntax", "error", err.message)]
    findings: list[Finding] = []
    stages: list[list[ins.Instruction]] = []
    for node in raw.nodes:
        comment = trailing_comment(node.original)
        keyword = node.keyword.upper()
        if comment is not None and keyword in _CONSEQUENCE:
            severity: Severity = "info" if keyword == "RUN" else "error"
            findings.append(Finding(node.start_line, "comment-after-instruction", severity,
                                    f"`{comment.strip()}` after {keyword} is not a comment: {_CONSEQUENCE[keyword]}. "
                                    "Put comments on their own line."))
        try:
            inst: ins.Instruction | None = convert(node)
        except LocatedError:
            inst = _lenient(node.original, node.start_line)
        if inst is None:
            continue
        if isinstance(inst, ins.From) or not stages:
            stages.append([])
        stages[-1].append(inst)
    for stage in stages:
        findings += _stage_findings(stage, [s[0].name for s in stages if isinstance(s[0], ins.From)])
    if stages:
        findings += _root(stages[-1])
    return sorted(findings, key=lambda f: (f.line, f.rule))


def _lenient(original: str, line: int) -> ins.Instruction | None:
    """A FROM that failed its argument check, read as its first word (so the other rules still see it)."""
    words = original.split()
    if words and words[0].upper() == "FROM" and len(words) > 1:
        return ins.From("FROM", line, line, original, base=words[1])
    return None


def _stage_findings(stage: list[ins.Instruction], stage_names: list[str]) -> list[Finding]:
    out: list[Finding] = []
    for inst in stage:
        if isinstance(inst, ins.From):
            out += _from(inst, stage_names)
        elif isinstance(inst, ins.Run):
            out += _run(inst)
        elif isinstance(inst, ins.Copy) and inst.is_add:
            if all(not s.startswith(("http://", "https://", "git@")) and not _ARCHIVE.search(s) for s in inst.sources):
                out.append(Finding(inst.line, "add-instead-of-copy", "info",
                                   "ADD also fetches URLs and unpacks archives; for plain files COPY says what it "
                                   "does"))
        elif isinstance(inst, (ins.Env, ins.Arg)):
            out += _secrets(inst)
        elif isinstance(inst, ins.Workdir) and not re.match(r"[/$]|[A-Za-z]:[\\/]", inst.path):
            out.append(Finding(inst.line, "relative-workdir", "warning",
                               f"WORKDIR {inst.path} is relative to whatever the base image set; use an absolute "
                               "path"))
        elif isinstance(inst, ins.Maintainer):
            out.append(Finding(inst.line, "maintainer", "info",
                               "MAINTAINER is deprecated; use LABEL org.opencontainers.image.authors=..."))
    out += _repeated(stage, ins.Cmd, "multiple-cmd", "CMD")
    out += _repeated(stage, ins.Entrypoint, "multiple-entrypoint", "ENTRYPOINT")
    for inst in stage:
        if isinstance(inst, (ins.Cmd, ins.Entrypoint)) and inst.shell_form and inst.command:
            out.append(Finding(inst.line, "shell-form-cmd", "warning",
                               f"shell form runs /bin/sh -c as PID 1, so `docker stop`'s SIGTERM never reaches the "
                               f"app; use JSON: {inst.keyword} [\"...\", \"...\"]"))
    out += _install_order(stage)
    return out


def _from(inst: ins.From, stage_names: list[str]) -> list[Finding]:
    base = inst.base
    if base.lower() == "scratch" or base.lower() in stage_names or "$" in base:
        return []
    _, _, tag = split_ref(base)
    if "@" in base:
        return []
    if ":" not in base.rsplit("/", 1)[-1]:
        return [Finding(inst.line, "unpinned-base-image", "warning",
                        f"{base} means {base}:latest, which changes under you; pin a version tag")]
    if tag == "latest":
        return [Finding(inst.line, "latest-base-image", "warning",
                        "`:latest` moves with every release, so the same Dockerfile builds different images; pin a "
                        "version tag")]
    return []


def _run(inst: ins.Run) -> list[Finding]:
    script = " ".join(inst.command) + " " + " ".join(d for _, d, _ in inst.heredocs)
    out: list[Finding] = []

    def add(rule: str, severity: Severity, message: str) -> None:
        out.append(Finding(inst.line, rule, severity, message))

    if re.search(r"apt-get( -\S+)* install", script):
        if "--no-install-recommends" not in script:
            add("apt-no-install-recommends", "info",
                "apt-get install also pulls recommended packages; add --no-install-recommends for a smaller image")
        if "/var/lib/apt/lists" not in script:
            add("apt-lists-not-removed", "info",
                "the package lists stay in the layer; end the same RUN with && rm -rf /var/lib/apt/lists/*")
    if re.search(r"apt(-get)? (-\S+ )*(dist-|full-)?upgrade", script):
        add("apt-upgrade", "info", "upgrading packages in a build makes it unrepeatable; use a newer base image tag")
    if re.search(r"\bapk add\b", script) and "--no-cache" not in script:
        add("apk-no-cache", "info", "apk add keeps its index in the layer; use apk add --no-cache")
    if re.search(r"(^|[;&|]\s*|\s)sudo\s", " " + script):
        add("sudo", "warning", "RUN already runs as root during the build; sudo is not needed (and often missing)")
    if re.search(r"(^|&&|;|\|\|)\s*cd\s", script.strip()):
        add("cd-in-run", "info", "cd lasts only until the end of this RUN; use WORKDIR to change directory")
    if re.search(r"\bpip3? install\b", script) and "--no-cache-dir" not in script:
        add("pip-no-cache-dir", "info", "pip keeps downloaded wheels in the layer; add --no-cache-dir")
    if re.search(r"\bnpm (install|i)\s*($|&&|;|--)", script.strip()):
        add("npm-install-not-ci", "info",
            "npm ci installs exactly what package-lock.json says (reproducible, faster); npm install may update it")
    return out


def _secrets(inst: ins.Env | ins.Arg) -> list[Finding]:
    keys = [k for k, _ in inst.pairs] if isinstance(inst, ins.Env) else [k for k, _ in inst.args]
    return [Finding(inst.line, "secret-in-env-or-arg", "warning",
                    f"{inst.keyword} {k} is stored in the image (docker history/inspect show it); pass secrets at "
                    "run time or with RUN --mount=type=secret")
            for k in keys if _SECRET.search(k) and not _PUBLIC.search(k)]


def _repeated(stage: list[ins.Instruction], kind: type, rule: str, word: str) -> list[Finding]:
    found = [i for i in stage if isinstance(i, kind)]
    return [Finding(i.line, rule, "warning", f"only the last {word} counts (line {found[-1].line}); this one is "
                                             "overridden")
            for i in found[:-1]]


def _install_order(stage: list[ins.Instruction]) -> list[Finding]:
    copy_all = None
    for inst in stage:
        if trailing_comment(inst.original) is not None:
            continue  # reported as comment-after-instruction
        if isinstance(inst, ins.Copy) and not inst.from_ and any(s in (".", "./") for s in inst.sources):
            copy_all = copy_all or inst
        elif isinstance(inst, ins.Run) and copy_all is not None:
            m = _INSTALL.search(" ".join(inst.command))
            if m:
                return [Finding(copy_all.line, "copy-all-before-install", "warning",
                                f"COPY . comes before `{m.group(0).strip()}` (line {inst.line}): any source edit "
                                "reruns the install; copy the dependency files first, install, then COPY . .")]
    return []


def _root(stage: list[ins.Instruction]) -> list[Finding]:
    users = [i for i in stage if isinstance(i, ins.User)]
    if users and users[-1].user.split(":")[0] not in ("root", "0"):
        return []
    where = users[-1].line if users else stage[0].line
    return [Finding(where, "runs-as-root", "info",
                    "the container runs as root; add a USER (e.g. USER node, or one you create) before CMD")]
