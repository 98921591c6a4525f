"""`%%k8s`: the cell is YAML; apply it (server-side apply, field manager kube-magics), or delete it.

Every document is checked before anything is written; if any fails, nothing is written (stricter than kubectl,
which applies the documents before the bad one).
"""

from __future__ import annotations

from typing import Any

from kube_magics.lineparse import ArgParser
from kube_magics.results import TextResult
from kube_magics.session import Session


def _parser() -> Any:
    p = ArgParser("%%k8s")
    p.add_argument("-n", "--namespace", default=None)
    p.add_argument("--dry-run", action="store_true")
    p.add_argument("--diff", action="store_true")
    p.add_argument("--delete", action="store_true")
    p.add_argument("--wait", nargs="?", const="5m", default=None)
    p.add_argument("--no-validate", action="store_true")
    p.add_argument("--no-template", action="store_true")
    p.add_argument("--force-conflicts", action="store_true")
    return p


def apply_cell(session: Session, argv: list[str], cell: str, user_ns: dict[str, Any]) -> TextResult:
    import yaml

    args = _parser().parse_args(argv)
    docs = [d for d in yaml.safe_load_all(cell) if d is not None]
    results = session.backend.apply(docs, namespace=args.namespace, dry_run=args.dry_run,
                                    force=args.force_conflicts)
    lines = [r.line(dry_run=args.dry_run) for r in results]
    return TextResult("\n".join(lines), objects=[r.object for r in results])
