"""The layer-making steps of the simulated builder (RUN, COPY, ADD, WORKDIR) and the layer cache they share.

The cache is content-addressed and keyed as Docker keys it: the parent layer's key plus the step as executed
(the command after substitution with the stage's environment, working directory, user and shell; for COPY and ADD
the destination, flags and the checksums of the files each source selects after .dockerignore). So a rebuild is
CACHED up to the first step whose key changed, and rebuilt from there: edit server.js and `COPY . .` misses; edit
package.json and `COPY package*.json ./` misses, and with it `RUN npm install`. File times do not matter (BuildKit's
cache is content-based). A cached layer keeps what the step produced: size, output, installed tools, files.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from kube_magics.dockerfile import instructions as ins
from kube_magics.dockerfile.config import Expander, HistoryEntry, Layer, StageState, go_quote_list, shell_words
from kube_magics.dockerfile.context import BuildContext, ContextFile, CopiedFile, checksum
from kube_magics.dockerfile.output import BuildStep
from kube_magics.dockerfile.runmodel import RunContext, run
from kube_magics.dockerfile.substitution import ShellLex, SubstitutionError
from kube_magics.errors import DockerfileError

_TEXT_FILES = re.compile(r"(package\.json|requirements[^/]*\.txt|go\.mod|Pipfile)$")


class StepFailed(Exception):
    """A step that failed while building: Docker's message for the whole build."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass
class CachedLayer:
    diff_id: str
    size: int
    estimated: bool
    output: list[str]
    duration: float
    created: float
    tools: frozenset[str] = frozenset()
    files: dict[str, int] = field(default_factory=dict)
    texts: dict[str, str] = field(default_factory=dict)
    apt_lists: bool = False


@dataclass
class StepRunner:
    cache: dict[str, CachedLayer]
    context: BuildContext | None
    stages: dict[str, StageState]  # finished stages by name and index, for COPY --from
    now: Callable[[], float]
    no_cache: bool = False
    escape: str = "\\"

    def _finish(self, step: BuildStep, state: StageState, key: str, compute: Callable[[], CachedLayer],
                created_by: str, classic: str) -> None:
        hit = None if self.no_cache else self.cache.get(key)
        layer = hit or compute()
        self.cache[key] = layer
        step.cached, step.size, step.estimated = hit is not None, layer.size, layer.estimated
        step.output, step.duration = ([] if hit else list(layer.output)), (0.0 if hit else layer.duration)
        state.key = key
        state.tools |= layer.tools
        state.files.update(layer.files)
        state.texts.update(layer.texts)
        state.apt_lists = layer.apt_lists
        state.history.append(HistoryEntry(created_by, layer.size, empty_layer=False, classic=classic,
                                          created=layer.created))
        state.layers.append(Layer(step.instruction, layer.size, hit is not None, False, layer.estimated,
                                  layer.diff_id))

    # --- WORKDIR -------------------------------------------------------------------------------------------

    def workdir(self, path: str, state: StageState, step: BuildStep) -> None:
        key = _key(state.key, "mkdir", path, state.config.get("User", ""))
        self._finish(step, state, key, lambda: self._layer(key, 0, False, [], 0.0),
                     f"WORKDIR {path}", f"/bin/sh -c #(nop) WORKDIR {path}")

    def _layer(self, key: str, size: int, estimated: bool, output: list[str], duration: float, *,
               tools: frozenset[str] = frozenset(), files: dict[str, int] | None = None,
               texts: dict[str, str] | None = None, apt_lists: bool = False) -> CachedLayer:
        diff = "sha256:" + hashlib.sha256(f"layer:{key}".encode()).hexdigest()
        return CachedLayer(diff, size, estimated, output, round(duration, 1), self.now(), tools, files or {},
                           texts or {}, apt_lists)

    # --- RUN -----------------------------------------------------------------------------------------------

    def run(self, inst: ins.Run, state: StageState, step: BuildStep) -> list[str]:
        """Run the step (or reuse it); returns the argv it ran. Raises StepFailed on a non-zero exit."""
        argv = _argv(inst, state)
        build_args = [f"{k}={state.env[k]}" for k in state.arg_names if k in state.env]
        prefix = [f"|{len(build_args)}", *build_args] if build_args else []
        env = sorted(f"{k}={v}" for k, v in state.env.items())
        key = _key(state.key, "run", json.dumps(argv), json.dumps(env), state.workdir,
                   state.config.get("User", ""), json.dumps(inst.mounts), inst.network)

        def compute() -> CachedLayer:
            files = {str(p): t for p, t in state.texts.items()}
            ctx = RunContext(dict(state.env), state.workdir, set(state.tools), state.sh, files, state.apt_lists)
            outcome = run(argv, ctx)
            if outcome.exit_code != 0:
                step.output, step.duration = outcome.output, outcome.duration
                quoted = json.dumps(" ".join(argv), ensure_ascii=False)
                raise StepFailed(f"process {quoted} did not complete successfully: exit code: {outcome.exit_code}")
            return self._layer(key, outcome.size, not outcome.exact_size, outcome.output, outcome.duration,
                               tools=frozenset(outcome.tools_added), files=dict(outcome.created),
                               apt_lists=outcome.apt_lists)

        created_by = "RUN " + " ".join([*prefix, *argv]) + " # buildkit"
        self._finish(step, state, key, compute, created_by, " ".join(argv))
        state.has_run = True
        return argv

    # --- COPY / ADD ----------------------------------------------------------------------------------------

    def copy(self, inst: ins.Copy, state: StageState, ex: Expander, step: BuildStep) -> None:
        sources = [ex.word(s, state.env, inst.line) for s in inst.sources]
        dest = ex.word(inst.dest, state.env, inst.line)
        chown, chmod = ex.word(inst.chown, state.env, inst.line), ex.word(inst.chmod, state.env, inst.line)
        _check_chmod(chmod, inst.line)
        abs_dest = posixpath.normpath(dest if dest.startswith("/") else posixpath.join(state.workdir, dest))
        is_dir = dest.endswith("/") or dest in (".", "") or len(sources) + len(inst.contents) > 1
        picked, digests = self._select(inst, sources, state)
        contents = [(name, self._heredoc(data, expand, state)) for name, data, expand in inst.contents]
        for name, data in contents:
            digests.append(hashlib.sha256(f"{name}\0{data}".encode()).hexdigest())
        key = _key(state.key, "copy", abs_dest, chown, chmod, str(inst.link), json.dumps(inst.excludes),
                   *digests)
        size = sum(f.file.size for _, f in picked) + sum(len(d.encode()) for _, d in contents)

        def compute() -> CachedLayer:
            files, texts = self._placed(picked, abs_dest, is_dir)
            source = self.stages.get(inst.from_.lower()) if inst.from_ else None
            estimated = any(f.file.digest == "" for _, f in picked) or bool(source and source.has_run)
            return self._layer(key, size, estimated, [], 0.1 + size / 200e6, files=files, texts=texts)

        word = "ADD" if inst.is_add else "COPY"
        flags = "".join(f" --{n}={v}" for n, v in (("chown", chown), ("chmod", chmod)) if v)
        created_by = f"{word}{flags} {' '.join([*sources, *('<<' + n for n, _ in contents)])} {dest} # buildkit"
        kind = "dir" if len(picked) > 1 or (picked and picked[0][1].name != posixpath.basename(
            picked[0][1].file.path)) else "file"
        classic = f"/bin/sh -c #(nop) {word} {kind}:{hashlib.sha256(''.join(digests).encode()).hexdigest()} in {dest} "
        self._finish(step, state, key, compute, created_by, classic)

    def _select(self, inst: ins.Copy, sources: list[str], state: StageState
                ) -> tuple[list[tuple[str, CopiedFile]], list[str]]:
        picked: list[tuple[str, CopiedFile]] = []
        digests: list[str] = []
        for src in sources:
            if inst.is_add and src.startswith(("http://", "https://", "git@")):
                fake = CopiedFile(posixpath.basename(src.rstrip("/")) or "__unnamed__",
                                  _remote_file(src))
                picked.append((src, fake))
                digests.append(hashlib.sha256(src.encode()).hexdigest())
                continue
            files = self._from_stage(inst.from_, src) if inst.from_ else self._from_context(src)
            picked += [(src, f) for f in files]
            digests.append(checksum(files))
        return picked, digests

    def _from_context(self, src: str) -> list[CopiedFile]:
        files = self.context.select(src) if self.context is not None else None
        if files is None:
            clean = "/" + posixpath.normpath(src.lstrip("/")).lstrip(".").lstrip("/")
            ref = hashlib.sha256(f"context:{src}".encode()).hexdigest()[:25]
            raise StepFailed(f"failed to compute cache key: failed to calculate checksum of ref {ref}::"
                             f"{ref[::-1]}: \"{clean.rstrip('/') or '/'}\": not found")
        return files

    def _from_stage(self, ref: str, src: str) -> list[CopiedFile]:
        source = self.stages.get(ref.lower())
        path = posixpath.normpath("/" + src.lstrip("/"))
        if source is None:
            return [CopiedFile(posixpath.basename(path), ContextFile(path, 4_000, ""))]
        known = {p: s for p, s in source.files.items() if p == path or p.startswith(path.rstrip("/") + "/")}
        if known:
            return [CopiedFile(posixpath.relpath(p, path) if p != path else posixpath.basename(p),
                               ContextFile(p, s, hashlib.sha256(f"{source.key}:{p}".encode()).hexdigest()))
                    for p, s in sorted(known.items())]
        if not source.has_run and not source.base_ref:
            raise StepFailed(f'failed to compute cache key: failed to calculate checksum of ref {source.key[:25]}: '
                             f'"{path}": not found')
        return [CopiedFile(posixpath.basename(path), ContextFile(path, 1_000_000, ""))]

    def _heredoc(self, data: str, expand: bool, state: StageState) -> str:
        if not expand:
            return data
        try:
            return ShellLex(escape="\\", process_quotes=False).process_word(data, state.env)[0]
        except SubstitutionError:
            return data

    def _placed(self, picked: list[tuple[str, CopiedFile]], dest: str, is_dir: bool
                ) -> tuple[dict[str, int], dict[str, str]]:
        files: dict[str, int] = {}
        texts: dict[str, str] = {}
        for _, f in picked:
            target = posixpath.join(dest, f.name) if is_dir or len(picked) > 1 else dest
            files[target] = f.file.size
            if self.context is not None and _TEXT_FILES.search(f.file.path) and f.file.size < 256_000:
                full = self.context.root / f.file.path
                if full.is_file():
                    texts[target] = full.read_text(encoding="utf-8", errors="replace")
        return files, texts


def _remote_file(src: str) -> ContextFile:
    return ContextFile(src, 1_000_000, "")  # a download: size unknown to the simulator, estimated


def _argv(inst: ins.Run, state: StageState) -> list[str]:
    if not inst.shell_form:
        return list(inst.command)
    script = inst.command[0] if inst.command else ""
    if inst.heredocs:
        name, data, _ = inst.heredocs[0]
        if script.strip() in (f"<<{name}", f"<<-{name}", f'<<"{name}"', f"<<'{name}'") and len(inst.heredocs) == 1:
            script = data
        else:
            script = "\n".join([script, *(f"{d}{n}" for n, d, _ in inst.heredocs)])
    return [*shell_words(state), script]


def _check_chmod(chmod: str, line: int) -> None:
    if not chmod:
        return
    if re.fullmatch(r"[0-7]+", chmod):
        if int(chmod, 8) > 0o7777:
            raise DockerfileError(f"invalid chmod parameter: '{chmod}'. it should be octal string and between 0 "
                                  "and 07777", line=line)
        return
    if not re.fullmatch(r"([ugoa]*[-+=][rwxXst]*)(,[ugoa]*[-+=][rwxXst]*)*", chmod):
        raise DockerfileError(f"invalid chmod parameter: '{chmod}'. it should be octal string and between 0 and "
                              "07777", line=line)


def _key(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def display(inst: ins.Instruction, state: StageState, escape: str) -> str:
    """The step's name as BuildKit shows it: the instruction as written, variables substituted."""
    text = inst.original
    if isinstance(inst, ins.Run):
        lex = ShellLex(escape=escape, raw_quotes=True, skip_unset=True)
    else:
        lex = ShellLex(escape=escape)
    with contextlib.suppress(SubstitutionError):
        text = lex.process_word(text, state.env)[0]
    head, _, rest = text.partition(" ")
    text = f"{head.upper()} {rest}".rstrip()
    if isinstance(inst, ins.Run) and inst.heredocs and len(inst.heredocs) == 1:
        first = inst.heredocs[0][1].strip().split("\n")
        text += f" ({first[0]}{'...' if len(first) > 1 else ''})"
    return text


__all__ = ["CachedLayer", "StepFailed", "StepRunner", "display", "go_quote_list"]
