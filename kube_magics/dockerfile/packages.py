"""The package managers of the simulated RUN step: apt-get, apk, npm, yarn, pip, go, curl and wget.

Each model reads its command line (and the package.json or requirements.txt copied into the image), prints the
lines the real tool's summary prints, adds the tools it installs, and adds to the layer size and duration by the
table in runmodel.py's docstring. An `apt-get install` before any `apt-get update` fails as on the official
images, whose package lists are removed: `E: Unable to locate package curl`, exit code 100.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import PurePosixPath

from kube_magics.dockerfile.runmodel import _PACKAGE_TOOLS, MB, RunContext, RunOutcome, package_json_dependencies


def _names(words: list[str]) -> list[str]:
    return [w for w in words if not w.startswith("-") and "=" not in w.split("/")[0]]


def _install(ctx: RunContext, out: RunOutcome, packages: list[str]) -> None:
    for pkg in packages:
        base = pkg.split("=")[0].split(">")[0].split("<")[0]
        tools = _PACKAGE_TOOLS.get(base, [base])
        ctx.tools.update(tools)
        out.tools_added.update(tools)


def apt_get(words: list[str], ctx: RunContext, out: RunOutcome) -> int:
    verb = next((w for w in words[1:] if not w.startswith("-")), "")
    out.exact_size = False
    if verb == "update":
        ctx.apt_lists = True
        out.lists_added += 20 * MB
        out.size += 20 * MB
        out.duration += 3.5
        out.output.append("Reading package lists...")
        return 0
    if verb in ("upgrade", "dist-upgrade", "full-upgrade"):
        out.size += 35 * MB
        out.duration += 8
        return 0
    if verb != "install":
        out.duration += 0.3
        return 0
    packages = _names(words[2:])
    if not ctx.apt_lists and packages:
        out.output += ["Reading package lists...", "Building dependency tree...", "Reading state information...",
                       f"E: Unable to locate package {packages[0]}"]
        return 100
    per = 5 * MB if "--no-install-recommends" in words else 12 * MB
    out.size += per * len(packages)
    out.duration += 1 + 0.6 * len(packages)
    _install(ctx, out, packages)
    return 0


def apk(words: list[str], ctx: RunContext, out: RunOutcome) -> int:
    verb = next((w for w in words[1:] if not w.startswith("-")), "")
    out.exact_size = False
    if verb != "add":
        out.duration += 0.5
        return 0
    packages = [w for w in _names(words[2:]) if not w.startswith(".")]
    out.size += int(2.5 * MB) * len(packages) + (0 if "--no-cache" in words else 2 * MB)
    out.duration += 0.8 + 0.2 * len(packages)
    _install(ctx, out, packages)
    out.output.append(f"OK: {7 + 3 * len(packages)} MiB in {15 + 4 * len(packages)} packages")
    return 0


def npm(words: list[str], ctx: RunContext, out: RunOutcome) -> int:
    verb = words[1] if len(words) > 1 else ""
    out.exact_size = False
    if verb not in ("install", "i", "ci", "add") and words[0] != "yarn":
        out.duration += 1.0
        if words[1:3] == ["run", "build"]:  # the usual outputs of front-end builds
            for name in ("dist", "build"):
                out.created[str(PurePosixPath(ctx.workdir or "/") / name)] = 2 * MB
            out.size += 2 * MB
        return 0
    text = ctx.files.get(str(PurePosixPath(ctx.workdir or "/") / "package.json"))
    if text is None and verb in ("ci",):
        out.output.append("npm ERR! The `npm ci` command can only install with an existing package-lock.json or")
        return 1
    production = any(w in words for w in ("--production", "--omit=dev", "--only=production"))
    deps = package_json_dependencies(text or "{}", production=production) + len(_names(words[2:]))
    packages = deps * 12
    size = int(1.8 * MB) * deps
    out.size += size if "cache clean" in " ".join(words) else int(size * 1.3)
    out.duration += 1.5 + 0.35 * deps
    out.created[str(PurePosixPath(ctx.workdir or "/") / "node_modules")] = size
    seconds = max(1, round(out.duration))
    out.output.append(f"added {packages} packages, and audited {packages + 1} packages in {seconds}s"
                      if words[0] != "yarn" else f"Done in {out.duration:.2f}s.")
    return 0


def pip(words: list[str], ctx: RunContext, out: RunOutcome) -> int:
    if "install" not in words:
        out.duration += 0.5
        return 0
    out.exact_size = False
    args = words[words.index("install") + 1:]
    count = len([w for w in _names(args) if w not in ("-r", "--requirement")])
    if "-r" in args or "--requirement" in args:
        flag = "-r" if "-r" in args else "--requirement"
        req = args[args.index(flag) + 1] if args.index(flag) + 1 < len(args) else ""
        count -= 1
        text = ctx.files.get(str(PurePosixPath(ctx.workdir or "/") / req), "")
        count += len([ln for ln in text.splitlines() if ln.strip() and not ln.strip().startswith(("#", "-"))])
    size = 6 * MB * count
    out.size += size if "--no-cache-dir" in words else int(size * 1.5)
    out.duration += 1 + 1.2 * count
    out.output.append(f"Successfully installed {count} packages" if count else "")
    return 0


def python(words: list[str], ctx: RunContext, out: RunOutcome) -> int:
    if words[1:3] == ["-m", "pip"]:
        return pip(["pip", *words[3:]], ctx, out)
    out.duration += 0.3
    out.size += 4_000
    out.exact_size = False
    return 0


def go(words: list[str], ctx: RunContext, out: RunOutcome) -> int:
    out.exact_size = False
    if "build" in words:
        out.size += 12 * MB + 150 * MB
        out.duration += 6
        if "-o" in words and words.index("-o") + 1 < len(words):
            out.created[str(PurePosixPath(ctx.workdir or "/") / words[words.index("-o") + 1])] = 12 * MB
        return 0
    out.size += 40 * MB if "download" in words else 4_000
    out.duration += 4 if "download" in words else 1
    return 0


def fetch(words: list[str], ctx: RunContext, out: RunOutcome) -> int:
    out.exact_size = False
    out.size += 5 * MB
    out.duration += 1.2
    return 0


MODELS: dict[str, Callable[[list[str], RunContext, RunOutcome], int]] = {
    "apt-get": apt_get, "apt": apt_get, "apk": apk, "npm": npm, "yarn": npm, "pip": pip, "pip3": pip,
    "python": python, "python3": python, "go": go, "curl": fetch, "wget": fetch,
}
