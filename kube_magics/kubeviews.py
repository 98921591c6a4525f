"""`%kube stack`, `%kube topology`, `%kube watch`, `%kube lang`: the views, opened from a cell.

Each command parses its flags and asks kube_magics.widgets for a view over the session's backend; the view
displays itself (a live widget where widgets run, a static SVG and a one-line summary elsewhere). The session
keeps one clock player per simulated cluster, so that every view's play/pause/step drives the same clock, and
closes the views of a cluster when the notebook switches to another.
"""

from __future__ import annotations

from typing import Any

from kube_magics.errors import UsageError
from kube_magics.lineparse import ArgParser
from kube_magics.results import TextResult
from kube_magics.session import Session


def _options(session: Session) -> dict[str, Any]:
    backend = session.backend
    options: dict[str, Any] = {}
    if backend.sim is not None:
        options["player"] = session.player()
    return options


def cmd_stack(session: Session, argv: list[str]) -> Any:
    from kube_magics import widgets

    p = ArgParser("%kube stack")
    p.add_argument("image", nargs="?", default=None)
    p.add_argument("--apps", type=int, default=3)
    p.add_argument("--app-memory", type=int, default=256, metavar="MB")
    p.add_argument("--guest-os-memory", type=int, default=1024, metavar="MB")
    p.add_argument("--guest-os-disk", type=int, default=4000, metavar="MB")
    args = p.parse_args(argv)
    image = session.find_image(args.image) if args.image else None
    if args.image and image is None:
        raise UsageError(f"no image {args.image!r}: build it with %%dockerfile -t {args.image} first")
    return session.keep(widgets.stack(image, apps=args.apps, app_memory_mb=args.app_memory,
                                      guest_os_memory_mb=args.guest_os_memory, guest_os_disk_mb=args.guest_os_disk))


def cmd_topology(session: Session, argv: list[str]) -> Any:
    from kube_magics import widgets

    p = ArgParser("%kube topology")
    p.add_argument("-n", "--namespace", default=None)
    p.add_argument("-A", "--all-namespaces", action="store_true")
    p.add_argument("--system", action="store_true", help="show kube-system's pods too")
    args = p.parse_args(argv)
    namespace = None if args.all_namespaces else args.namespace
    return session.keep(widgets.topology(session.backend, namespace=namespace,
                                         include_system=args.system or args.all_namespaces, **_options(session)))


def cmd_watch(session: Session, argv: list[str]) -> Any:
    from kube_magics import widgets

    p = ArgParser("%kube watch")
    p.add_argument("-l", "--selector", default=None)
    p.add_argument("-n", "--namespace", default=None)
    p.add_argument("-A", "--all-namespaces", action="store_true")
    args = p.parse_args(argv)
    namespace = None if args.all_namespaces else (args.namespace or session.settings.namespace)
    return session.keep(widgets.pod_board(session.backend, selector=args.selector, namespace=namespace,
                                          **_options(session)))


def cmd_lang(session: Session, argv: list[str]) -> TextResult:
    from kube_magics import widgets

    if len(argv) != 1:
        raise UsageError("usage: %kube lang ko|en")
    lang = widgets.set_language(argv[0])
    session.settings.language = lang
    return TextResult({"ko": "보기(view)의 언어: 한국어", "en": "Views speak English"}.get(lang, lang))


COMMANDS = {"stack": cmd_stack, "topology": cmd_topology, "watch": cmd_watch, "lang": cmd_lang}
