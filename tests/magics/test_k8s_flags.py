"""kubectl's flag parsing and its error messages, through `%k8s`, and the flag parser on its own."""

from __future__ import annotations

import pytest

from kube_magics.errors import UsageError
from kube_magics.kubectl.flags import Command, Flag, go_duration, go_duration_text, parse
from tests.magics.k8s_cells import NGINX_POD, text

CMD = Command("demo", "kubectl demo", (Flag("all", "a"), Flag("watch", "w"), Flag("replicas", "r", "int", default=-1),
                                       Flag("timeout", kind="duration"), Flag("from-literal", kind="array"),
                                       Flag("label-columns", "L", "slice"),
                                       Flag("cascade", kind="str", default="background", no_opt="background")))


def test_unknown_flags_and_verbs_get_kubectls_words(ip) -> None:  # type: ignore[no-untyped-def]
    assert ip.fails("%k8s get pods --foo") == "error: unknown flag: --foo\nSee 'kubectl get --help' for usage."
    assert ip.fails("%k8s get pods -z") == "error: unknown shorthand flag: 'z' in -z\n" \
                                           "See 'kubectl get --help' for usage."
    assert ip.fails("%k8s get pods -n") == "error: flag needs an argument: 'n' in -n\n" \
                                           "See 'kubectl get --help' for usage."
    assert ip.fails("%k8s scale deploy x --replicas=three") == (
        'error: invalid argument "three" for "--replicas" flag: strconv.ParseInt: parsing "three": invalid syntax\n'
        "See 'kubectl scale --help' for usage.")
    assert ip.fails("%k8s wait pod/x --for=delete --timeout=30") == (
        'error: invalid argument "30" for "--timeout" flag: time: missing unit in duration "30"\n'
        "See 'kubectl wait --help' for usage.")
    message = ip.fails("%k8s frobnicate pods")
    assert message.startswith('error: unknown command "frobnicate" for "kubectl"')
    assert "Traceback" not in message


def test_help_is_output_not_an_error(ip) -> None:  # type: ignore[no-untyped-def]
    usage = text(ip.ok("%k8s get --help"))
    assert usage.startswith("Usage:\n  kubectl get ")
    assert "-A, --all-namespaces" in usage
    assert "get" in text(ip.ok("%k8s --help"))


def test_global_flags_may_come_before_the_verb(ip) -> None:  # type: ignore[no-untyped-def]
    ip.ok(NGINX_POD)
    assert text(ip.ok("%k8s -n kube-public get pods")) == "No resources found in kube-public namespace.\n"
    assert text(ip.ok("%k8s --namespace=default get pods -o name")) == "pod/nginx-pod\n"


def test_pflag_spellings() -> None:
    o, args = parse(CMD, ["x", "-aw", "--replicas", "3", "y", "--from-literal=a=1", "--from-literal", "b=2",
                          "-L", "app,tier", "-Lzone", "--timeout=1m30s", "--cascade", "z"])
    assert args == ["x", "y", "z"]
    assert (o.all, o.watch, o.replicas, o.timeout) == (True, True, 3, 90.0)
    assert o.from_literal == ["a=1", "b=2"] and o.label_columns == ["app", "tier", "zone"]
    assert o.cascade == "background" and o.was_set("cascade") and not o.was_set("namespace")
    o, _ = parse(CMD, ["-r5", "--all=false", "-n=web"])
    assert (o.replicas, o.all, o.namespace) == (5, False, "web")
    o, args = parse(CMD, ["pod", "--", "ls", "-la", "--all"])
    assert args == ["pod", "--", "ls", "-la", "--all"] and o.all is False


def test_pflag_errors() -> None:
    with pytest.raises(UsageError) as err:
        parse(CMD, ["--all=maybe"])
    assert 'invalid argument "maybe" for "-a, --all" flag: strconv.ParseBool: parsing "maybe": invalid syntax' \
        in str(err.value)
    with pytest.raises(UsageError) as err:
        parse(CMD, ["--replicas"])
    assert "flag needs an argument: --replicas" in str(err.value)


def test_go_durations() -> None:
    assert go_duration("1h30m") == 5400 and go_duration("1.5s") == 1.5 and go_duration("0") == 0
    assert go_duration("-2m") == -120
    for bad, message in (("30", 'time: missing unit in duration "30"'), ("soon", 'time: invalid duration "soon"'),
                         ("5y", 'time: unknown unit "y" in duration "5y"')):
        with pytest.raises(ValueError) as err:
            go_duration(bad)
        assert str(err.value) == message
    assert [go_duration_text(s) for s in (0, 30, 90, 600, 5400.5)] == ["0s", "30s", "1m30s", "10m0s", "1h30m0.5s"]


def test_the_session_namespace_is_the_default(ip) -> None:  # type: ignore[no-untyped-def]
    session = ip.shell.magics_manager.registry["KubeMagics"].session
    session.settings.namespace = "kube-system"
    try:
        names = [p["metadata"]["name"] for p in ip.ok("%k8s get pods").objects]
        assert any(name.startswith("kube-proxy-") for name in names)
        assert text(ip.ok("%k8s get pods -n default")) == "No resources found in default namespace.\n"
    finally:
        session.settings.namespace = "default"
