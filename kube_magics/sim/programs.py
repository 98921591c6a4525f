"""What known programs do, for the behaviour model: servers, databases, the components of a kind cluster, and
the small commands people run in containers.

Each program is a function `(args, ctx, command) -> Process` registered in `PROGRAMS` by executable name.
Start-up lines are those the real programs print (nginx's docker-entrypoint and notice lines, redis's "Ready to
accept connections tcp", postgres's and mysql's refusal to start without a password). Footprints are typical
resident sizes. Must not: know the kubelet or the clock.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from kube_magics.sim import pyscript, scripts
from kube_magics.sim.behaviour import MIB, Context, LogLine, Process, parse_seconds, parse_size

Program = Callable[[list[str], Context, tuple[str, ...]], Process]
PROGRAMS: dict[str, Program] = {}


def program(*names: str) -> Callable[[Program], Program]:
    def deco(fn: Program) -> Program:
        for n in names:
            PROGRAMS[n] = fn
        return fn

    return deco


def run(args: list[str], ctx: Context, command: tuple[str, ...]) -> Process:
    name = args[0].rsplit("/", 1)[-1]
    fn = PROGRAMS.get(name)
    if fn is None and name.startswith("python"):
        fn = PROGRAMS["python"]
    if fn is not None:
        return fn(args, ctx, command)
    if ctx.built_here or ctx.image_behaviour == "app":
        return app_server(args, ctx, command)
    if name in scripts._SILENT or name in ("env", "printenv", "date", "hostname", "true", "touch", "rm", "test"):
        return scripts.shell(" ".join(_quote(a) for a in args), ctx, base_memory=MIB, coreutils=True,
                             program=_in_shell(ctx), command=command)
    return Process(command=command, exit_after=0.0, exit_code=128, start_error=(
        "failed to create containerd task: failed to create shim task: OCI runtime create failed: runc create "
        "failed: unable to start container process: error during container init: exec: "
        f'"{args[0]}": executable file not found in $PATH: unknown'))


def _quote(a: str) -> str:
    return "'" + a.replace("'", "'\\''") + "'"


def _lines(at: float, texts: list[str], stamp: str = "") -> tuple[LogLine, ...]:
    return tuple(LogLine(at, t, stamp) for t in texts)


def _in_shell(ctx: Context) -> Callable[[list[str], scripts.Run], int | None]:
    """How a script runs a program that is not a shell builtin: servers take over, others run to the end."""

    def call(argv: list[str], r: scripts.Run) -> int | None:
        name = argv[0].rsplit("/", 1)[-1]
        if name not in PROGRAMS and not name.startswith("python"):
            return None
        sub = run(argv, ctx, tuple(argv))
        if sub.exit_after is None or sub.loop is not None:
            r.handover = sub
            return 0
        r.lines.extend(replace(ln, at=ln.at + r.t) for ln in sub.lines)
        peak = max((v for _, v in sub.memory), default=0)
        r.allocate(max(0, peak - r.base_memory - r.allocated)) if peak > MIB else None
        r.t += sub.exit_after
        return sub.exit_code

    return call


# --- shells and interpreters ------------------------------------------------------------------------------

@program("sh", "bash", "ash", "dash", "zsh")
def shell(args: list[str], ctx: Context, command: tuple[str, ...]) -> Process:
    rest = [a for a in args[1:] if a not in ("-e", "-x", "-eu", "-ex", "-l")]
    if rest[:1] == ["-c"] and len(rest) > 1:
        return scripts.shell(rest[1], ctx, base_memory=MIB // 2, coreutils=args[0].endswith("bash"),
                             program=_in_shell(ctx), command=command)
    # No script and no terminal: the shell reads an empty stdin and exits 0.
    return Process(command=command, exit_after=0.0, memory=((0.0, MIB // 2),))


@program("python")
def python(args: list[str], ctx: Context, command: tuple[str, ...]) -> Process:
    rest = [a for a in args[1:] if a not in ("-u", "-B", "-O")]
    argv0 = args[0].rsplit("/", 1)[-1]
    if rest[:1] == ["-c"] and len(rest) > 1:
        return pyscript.python(rest[1], ctx, argv0=argv0, command=command)
    if rest[:2] == ["-m", "http.server"]:
        port = int(rest[2]) if len(rest) > 2 and rest[2].isdigit() else 8000
        return Process(command=command, serving_after=0.2, ports=frozenset({port}), memory=((0.0, 14 * MIB),),
                       cpu=0.3,
                       lines=_lines(0.2, [f"Serving HTTP on 0.0.0.0 port {port} (http://0.0.0.0:{port}/) ..."]))
    if not rest:
        return Process(command=command, exit_after=0.0, memory=((0.0, 9 * MIB),))
    if ctx.built_here:
        return app_server(args, ctx, command)
    if rest[0] == "-m":
        mod = rest[1] if len(rest) > 1 else ""
        return Process(command=command, exit_after=0.05, exit_code=1, memory=((0.0, 9 * MIB),),
                       lines=_lines(0.05, [f"/usr/local/bin/{argv0}: No module named {mod}"]))
    return Process(command=command, exit_after=0.05, exit_code=2, memory=((0.0, 9 * MIB),), lines=_lines(
        0.05, [f"{argv0}: can't open file '{ctx.path(rest[0])}': [Errno 2] No such file or directory"]))


@program("node", "nodejs")
def node(args: list[str], ctx: Context, command: tuple[str, ...]) -> Process:
    rest = args[1:]
    if not rest or rest[0] in ("-e", "--eval", "-v", "--version"):
        return Process(command=command, exit_after=0.1, memory=((0.0, 40 * MIB),),
                       lines=_lines(0.1, ["v20.11.1"]) if rest[:1] in (["-v"], ["--version"]) else ())
    if ctx.built_here:
        return app_server(args, ctx, command)
    return Process(command=command, exit_after=0.1, exit_code=1, memory=((0.0, 40 * MIB),), lines=_lines(0.1, [
        "node:internal/modules/cjs/loader:1228", "  throw err;", "  ^", "",
        f"Error: Cannot find module '{ctx.path(rest[0])}'"]))


@program("gunicorn", "uvicorn", "flask", "npm", "yarn", "java", "dotnet", "go")
def app_server(args: list[str], ctx: Context, command: tuple[str, ...]) -> Process:
    """An application of the user's: it serves the ports it declares (or its image exposes) after ~0.5 s."""
    ports = ctx.declared_ports | ctx.image_ports or frozenset({8080})
    handles = args[0].rsplit("/", 1)[-1] in ("gunicorn", "uvicorn")
    return Process(command=command, serving_after=0.5, ports=ports, memory=((0.0, 30 * MIB),), cpu=1.0,
                   stop_seconds=0.5 if handles else None)


# --- small commands -------------------------------------------------------------------------------------------

@program("sleep")
def sleep(args: list[str], ctx: Context, command: tuple[str, ...]) -> Process:
    try:
        secs = parse_seconds(args[1]) if len(args) > 1 else None
    except ValueError:
        return Process(command=command, exit_after=0.0, exit_code=1,
                       lines=_lines(0.0, [f"sleep: invalid number '{args[1]}'"]))
    if len(args) < 2:
        return Process(command=command, exit_after=0.0, exit_code=1, lines=_lines(0.0, ["sleep: missing operand"]))
    return Process(command=command, exit_after=secs, memory=((0.0, 256 * 1024),))


@program("echo", "printf", "cat", "true", "false", "exit", "env", "printenv", "date", "hostname", "touch")
def builtin(args: list[str], ctx: Context, command: tuple[str, ...]) -> Process:
    coreutils = ctx.image_behaviour in ("runtime", "app") or ctx.built_here
    return scripts.shell(" ".join(_quote(a) for a in args), ctx, base_memory=256 * 1024, coreutils=coreutils,
                         program=_in_shell(ctx), command=command)


@program("tail", "pause", "yes")
def forever(args: list[str], ctx: Context, command: tuple[str, ...]) -> Process:
    """`tail -f /dev/null`, the pause container: wait for ever, printing nothing."""
    return Process(command=command, memory=((0.0, 256 * 1024),), stop_seconds=0.0 if args[0].endswith("pause")
                   else None)


@program("stress", "stress-ng")
def stress(args: list[str], ctx: Context, command: tuple[str, ...]) -> Process:
    """`stress --vm 1 --vm-bytes 250M --vm-hang 1 [--timeout 60s]`: allocates and holds the memory;
    `stress --cpu 2`: keeps two cores busy (as much as the node and the container's limit allow)."""
    vm_bytes = 256 * MIB
    workers = hogs = 0
    timeout: float | None = None
    for i, a in enumerate(args):
        nxt = args[i + 1] if i + 1 < len(args) else ""
        if a == "--vm-bytes":
            vm_bytes = parse_size(nxt)
        elif a in ("--vm", "-m"):
            workers = int(nxt) if nxt.isdigit() else 1
        elif a in ("--cpu", "-c"):
            hogs = int(nxt) if nxt.isdigit() else 1
        elif a in ("--timeout", "-t"):
            timeout = parse_seconds(nxt)
    total = vm_bytes * max(1, workers) if workers else 0
    lines = [LogLine(0.0, f"stress: info: [1] dispatching hogs: {hogs} cpu, 0 io, {workers} vm, 0 hdd")]
    if timeout is not None:
        lines.append(LogLine(timeout, f"stress: info: [1] successful run completed in {int(timeout)}s"))
    return Process(command=command, lines=tuple(lines), exit_after=timeout,
                   memory=((0.0, MIB), (0.1, MIB + total)), cpu=1000.0 * min(hogs, ctx.node_cpus))


# --- servers -------------------------------------------------------------------------------------------------

def _server(command: tuple[str, ...], *, ports: set[int], ready: float, memory: int, lines: tuple[LogLine, ...],
            stop: float | None, stop_lines: tuple[LogLine, ...] = (), paths: frozenset[str] | None = None,
            stop_code: int = 0, cpu: float = 1.0) -> Process:
    return Process(command=command, lines=lines, serving_after=ready, ports=frozenset(ports), http_paths=paths,
                   memory=((0.0, memory),), stop_seconds=stop, stop_lines=stop_lines, stop_exit_code=stop_code,
                   cpu=cpu)


NGINX_VERSIONS = {"1.20": "1.20.2", "1.21": "1.21.6", "1.25": "1.25.5", "1.27": "1.27.3", "latest": "1.29.3",
                  "alpine": "1.29.3", "1.25-alpine": "1.25.5"}


@program("nginx", "nginx-debug")
def nginx(args: list[str], ctx: Context, command: tuple[str, ...]) -> Process:
    tag = ctx.image_ref.rsplit(":", 1)[-1] if ":" in ctx.image_ref else "latest"
    version = ctx.env.get("NGINX_VERSION") or NGINX_VERSIONS.get(tag, "1.27.3")
    entry = [
        "/docker-entrypoint.sh: /docker-entrypoint.d/ is not empty, will attempt to perform configuration",
        "/docker-entrypoint.sh: Looking for shell scripts in /docker-entrypoint.d/",
        "/docker-entrypoint.sh: Launching /docker-entrypoint.d/10-listen-on-ipv6-by-default.sh",
        "10-listen-on-ipv6-by-default.sh: info: Getting the checksum of /etc/nginx/conf.d/default.conf",
        "10-listen-on-ipv6-by-default.sh: info: Enabled listen on IPv6 in /etc/nginx/conf.d/default.conf",
        "/docker-entrypoint.sh: Sourcing /docker-entrypoint.d/15-local-resolvers.envsh",
        "/docker-entrypoint.sh: Launching /docker-entrypoint.d/20-envsubst-on-templates.sh",
        "/docker-entrypoint.sh: Launching /docker-entrypoint.d/30-tune-worker-processes.sh",
        "/docker-entrypoint.sh: Configuration complete; ready for start up",
    ]
    workers = max(1, ctx.node_cpus)
    notices = ['[notice] 1#1: using the "epoll" event method', f"[notice] 1#1: nginx/{version}",
               "[notice] 1#1: built by gcc 12.2.0 (Debian 12.2.0-14) ", "[notice] 1#1: OS: Linux 6.8.0-sim",
               "[notice] 1#1: getrlimit(RLIMIT_NOFILE): 1048576:1048576", "[notice] 1#1: start worker processes"]
    notices += [f"[notice] 1#1: start worker process {29 + i}" for i in range(workers)]
    lines = _lines(0.0, entry) + _lines(0.05, notices, "nginx")
    stop = ["[notice] 1#1: signal 3 (SIGQUIT) received, shutting down"]
    stop += [f"[notice] {29 + i}#{29 + i}: gracefully shutting down" for i in range(workers)]
    stop += [f"[notice] 1#1: worker process {29 + i} exited with code 0" for i in range(workers)]
    stop += ["[notice] 1#1: exit"]
    return _server(command, ports={80}, ready=0.05, memory=(2 + workers) * MIB, lines=lines, stop=1.0,
                   stop_lines=_lines(0.0, stop[:-1], "nginx") + _lines(1.0, stop[-1:], "nginx"),
                   paths=frozenset({"/", "/index.html", "/50x.html"}), cpu=0.5)


@program("httpd-foreground", "httpd", "apache2-foreground")
def httpd(args: list[str], ctx: Context, command: tuple[str, ...]) -> Process:
    if ctx.image_behaviour == "shell" or "-f" in args:
        return busybox_httpd(args, ctx, command)
    lines = _lines(0.3, [
        "AH00558: httpd: Could not reliably determine the server's fully qualified domain name, using "
        f"{ctx.hostname}. Set the 'ServerName' directive globally to suppress this message",
        "AH00558: httpd: Could not reliably determine the server's fully qualified domain name, using "
        f"{ctx.hostname}. Set the 'ServerName' directive globally to suppress this message",
        "[mpm_event:notice] [pid 1:tid 1] AH00489: Apache/2.4.62 (Unix) configured -- resuming normal operations",
        "[core:notice] [pid 1:tid 1] AH00094: Command line: 'httpd -D FOREGROUND'"])
    return _server(command, ports={80}, ready=0.3, memory=12 * MIB, lines=lines, stop=1.0,
                   paths=frozenset({"/", "/index.html"}))


def busybox_httpd(args: list[str], ctx: Context, command: tuple[str, ...]) -> Process:
    """busybox's `httpd -f -p [IP:]PORT -h DIR`: serves at once, prints nothing, and as PID 1 without a handler
    ignores SIGTERM (`docker stop` kills it after the grace period: exit 137, as recorded)."""
    port = 80
    for i, a in enumerate(args):
        value = args[i + 1] if a == "-p" and i + 1 < len(args) else a[2:] if a.startswith("-p") and len(a) > 2 else ""
        if value:
            tail = value.rsplit(":", 1)[-1]
            port = int(tail) if tail.isdigit() else port
    return Process(command=command, serving_after=0.0, ports=frozenset({port}), memory=((0.0, MIB),))


@program("redis-server")
def redis(args: list[str], ctx: Context, command: tuple[str, ...]) -> Process:
    c, m = "1:C ", "1:M "
    texts = [(c, "* oO0OoO0OoO0Oo Redis is starting oO0OoO0OoO0Oo"),
             (c, "* Redis version=7.2.6, bits=64, commit=00000000, modified=0, pid=1, just started"),
             (c, "# Warning: no config file specified, using the default config. In order to specify a config "
                 "file use redis-server /path/to/redis.conf"),
             (m, "* monotonic clock: POSIX clock_gettime"), (m, "* Running mode=standalone, port=6379."),
             (m, "* Server initialized"), (m, "* Ready to accept connections tcp")]
    lines = tuple(LogLine(0.05, f"{p}\0 {t}", "inline:redis") for p, t in texts)
    stop = tuple(LogLine(0.0, f"{m}\0 {t}", "inline:redis") for t in (
        "# Received SIGTERM scheduling shutdown...", "# User requested shutdown...",
        "* Saving the final RDB snapshot before exiting.", "* DB saved on disk",
        "# Redis is now ready to exit, bye bye..."))
    return _server(command, ports={6379}, ready=0.05, memory=4 * MIB, lines=lines, stop=0.1, stop_lines=stop,
                   cpu=1.5)


@program("postgres")
def postgres(args: list[str], ctx: Context, command: tuple[str, ...]) -> Process:
    env = ctx.env
    if not env.get("POSTGRES_PASSWORD") and env.get("POSTGRES_HOST_AUTH_METHOD") != "trust":
        return Process(command=command, exit_after=0.1, exit_code=1, memory=((0.0, 2 * MIB),), lines=_lines(0.1, [
            "Error: Database is uninitialized and superuser password is not specified.",
            '       You must specify POSTGRES_PASSWORD to a non-empty value for the',
            '       superuser. For example, "-e POSTGRES_PASSWORD=password" on "docker run".', "",
            "       You may also use \"POSTGRES_HOST_AUTH_METHOD=trust\" to allow all",
            "       connections without a password. This is *not* recommended.", "",
            "       See PostgreSQL documentation about \"trust\":",
            "       https://www.postgresql.org/docs/current/auth-trust.html"]))
    init = _lines(0.1, ["The files belonging to this database system will be owned by user \"postgres\".",
                        "This user must also own the server process.", "", "syncing data to disk ... ok", "",
                        "Success. You can now start the database server using:", "",
                        "PostgreSQL init process complete; ready for start up.", ""])
    ready = _lines(2.5, ["LOG:  starting PostgreSQL 16.4 (Debian 16.4-1.pgdg120+2) on x86_64-pc-linux-gnu",
                         'LOG:  listening on IPv4 address "0.0.0.0", port 5432',
                         "LOG:  database system is ready to accept connections"], "postgres")
    stop = _lines(0.0, ["LOG:  received fast shutdown request", "LOG:  database system is shut down"], "postgres")
    return _server(command, ports={5432}, ready=2.5, memory=30 * MIB, lines=init + ready, stop=0.3, stop_lines=stop,
                   cpu=3.0)


@program("mysqld", "mariadbd")
def mysql(args: list[str], ctx: Context, command: tuple[str, ...]) -> Process:
    env = ctx.env
    if not any(env.get(k) for k in ("MYSQL_ROOT_PASSWORD", "MYSQL_ALLOW_EMPTY_PASSWORD", "MYSQL_RANDOM_ROOT_PASSWORD")):
        return Process(command=command, exit_after=0.2, exit_code=1, memory=((0.0, 20 * MIB),), lines=(
            LogLine(0.1, "[Note] [Entrypoint]: Entrypoint script for MySQL Server 8.4.3-1.el9 started.", "mysql"),
            LogLine(0.2, "[ERROR] [Entrypoint]: Database is uninitialized and password option is not specified",
                    "mysql"),
            LogLine(0.2, "    You need to specify one of the following as an environment variable:"),
            LogLine(0.2, "    - MYSQL_ROOT_PASSWORD"), LogLine(0.2, "    - MYSQL_ALLOW_EMPTY_PASSWORD"),
            LogLine(0.2, "    - MYSQL_RANDOM_ROOT_PASSWORD")))
    lines = (LogLine(0.1, "[Note] [Entrypoint]: Entrypoint script for MySQL Server 8.4.3-1.el9 started.", "mysql"),
             LogLine(0.5, "[Note] [Entrypoint]: Initializing database files", "mysql"),
             LogLine(12.0, "0 [System] [MY-010931] [Server] /usr/sbin/mysqld: ready for connections. Version: "
                           "'8.4.3'  socket: '/var/run/mysqld/mysqld.sock'  port: 3306  MySQL Community Server - GPL.",
                     "mysql"))
    return _server(command, ports={3306, 33060}, ready=12.0, memory=380 * MIB, lines=lines, stop=2.0, cpu=6.0)


# --- the components of a kind cluster ------------------------------------------------------------------------

def _component(ports: set[int], memory_mib: int, ready: float, first: str, cpu: float) -> Program:
    def fn(args: list[str], ctx: Context, command: tuple[str, ...]) -> Process:
        return _server(command, ports=ports, ready=ready, memory=memory_mib * MIB,
                       lines=(LogLine(0.0, first, "klog"),), stop=0.5, cpu=cpu)

    return fn


for _name, _ports, _mem, _ready, _first, _cpu in (
    ("etcd", {2379, 2380, 2381}, 40, 1.0, 'etcd.go:73] "Running etcd"', 18.0),
    ("kube-apiserver", {6443}, 260, 5.0, 'options.go:249] external host was not specified, using 172.18.0.2', 40.0),
    ("kube-controller-manager", {10257}, 55, 1.0, "serving.go:386] Generated self-signed cert in-memory", 12.0),
    ("kube-scheduler", {10259}, 22, 1.0, "serving.go:386] Generated self-signed cert in-memory", 3.0),
    ("kube-proxy", {10249, 10256}, 20, 0.5, 'server_linux.go:66] "Using iptables proxy"', 1.0),
    ("kindnetd", set(), 10, 0.5, 'main.go:109] "connected to apiserver" host="https://10.96.0.1:443"', 1.0),
    ("coredns", {53, 8080, 8181, 9153}, 15, 0.5, ".:53", 2.0),
    ("local-path-provisioner", set(), 10, 0.5, "Provisioner started", 1.0),
):
    PROGRAMS[_name] = _component(_ports, _mem, _ready, _first, _cpu)
