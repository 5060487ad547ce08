"""External tools some tests need: present, or skipped with a reason (never skipped in CI)."""

from __future__ import annotations

import errno
import itertools
import os
import pwd
import re
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest
import redis

from tests.live import Address, LiveServer, free_port, poll

DEPLOY_DOC = Path(__file__).resolve().parent.parent / "docs" / "deploy.md"


def missing(message: str) -> None:
    """Skip on a laptop, but fail in CI, where every tool and permission must be there."""
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def require(tool: str, why: str) -> str:
    """The tool's path; skip without it on a laptop, but fail in CI, where it must be."""
    path = shutil.which(tool)
    if path:
        return path
    missing(f"{tool} is not installed: {why} (`make test` installs it when CI is set)")
    raise AssertionError("unreachable")


class SteppedClock:
    """A wall clock that steps, as NTP or a resumed machine steps it: Debian's libfaketime
    preloaded into the server, its offset read from a file at every look, the monotonic
    clock left alone (a real step never moves it)."""

    def __init__(self, folder: Path) -> None:
        require("faketime", "a stepping wall clock is made with libfaketime")
        found = sorted(Path("/usr/lib").glob("*/faketime/libfaketime.so.1"))
        if not found:
            missing("libfaketime.so.1 is not installed (Debian's faketime package)")
        self.library, self.file = found[0], folder / "clock-offset"
        self.offset = 0.0
        self.file.write_text("+0")

    def env(self) -> dict[str, str]:
        return {
            "LD_PRELOAD": str(self.library),
            "FAKETIME_TIMESTAMP_FILE": str(self.file),
            "FAKETIME_NO_CACHE": "1",
            "FAKETIME_DONT_FAKE_MONOTONIC": "1",
        }

    def step(self, seconds: float) -> None:
        """Step the server's wall clock by `seconds` (back when negative)."""
        self.offset += seconds
        self.file.write_text(f"{self.offset:+.0f}")


class RedisServer:
    """A real redis-server on a loopback port, which a test may stop and start again."""

    def __init__(self, folder: Path) -> None:
        self.binary = require("redis-server", "these tests need a Redis server")
        self.folder, self.port = folder, free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> RedisServer:
        command = [self.binary, "--port", str(self.port), "--bind", "127.0.0.1"]
        command += ["--save", "", "--dir", str(self.folder)]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
        poll(self.pings, timeout=10)
        return self

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)

    def pings(self) -> bool:
        try:
            return bool(redis.Redis.from_url(self.url).ping())
        except redis.ConnectionError:
            return False


def documented_nginx_config() -> str:
    """The ```nginx block of docs/deploy.md."""
    found = re.search(r"```nginx\n(.*?)```", DEPLOY_DOC.read_text(), re.S)
    assert found, "docs/deploy.md has no nginx configuration"
    return found.group(1)


class Nginx(Address):
    """Debian's nginx with the documented site, on loopback ports of this run."""

    def __init__(self, folder: Path, backends: list[LiveServer], connections: int = 1024) -> None:
        self.binary = require("nginx", "the deployment runs Debian's nginx")
        self.folder, self.port = folder, free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        site = documented_nginx_config().replace("listen 80;", f"listen 127.0.0.1:{self.port};")
        documented = re.findall(r"server 127\.0\.0\.1:\d+;", site)
        assert len(documented) == len(backends)
        for line, backend in zip(documented, backends, strict=True):
            site = site.replace(line, f"server 127.0.0.1:{backend.port};")
        folder.mkdir(exist_ok=True)
        temp = {name: folder / name for name in ("body", "proxy", "fastcgi", "uwsgi", "scgi")}
        for path in temp.values():
            path.mkdir()
        # Debian's own nginx.conf: a worker per core; each proxied client holds two connections.
        (folder / "nginx.conf").write_text(
            f"""
user root;
worker_processes auto;
worker_rlimit_nofile {4 * connections};
pid {folder}/nginx.pid;
error_log {folder}/error.log warn;
events {{ worker_connections {connections}; }}
http {{
    access_log off;
    client_body_temp_path {temp["body"]};
    proxy_temp_path {temp["proxy"]};
    fastcgi_temp_path {temp["fastcgi"]};
    uwsgi_temp_path {temp["uwsgi"]};
    scgi_temp_path {temp["scgi"]};
{site}
}}
"""
        )
        self.process: subprocess.Popen | None = None

    def start(self) -> Nginx:
        conf = str(self.folder / "nginx.conf")
        command = [self.binary, "-p", str(self.folder), "-c", conf, "-g", "daemon off;"]
        with open(self.folder / "stderr.log", "ab") as log:
            self.process = subprocess.Popen(command, stderr=log)
        poll(self._answers, timeout=15)
        return self

    def _answers(self) -> bool:
        assert self.process is not None and self.process.poll() is None, "nginx exited"
        try:
            return self.get("/healthz").status_code == 200
        except OSError:
            return False

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)


class Cluster(Address):
    """`workshop serve` processes on one database (`database`, else SQLite in the data
    folder), joined by a Redis message queue; with `proxy`, nginx in front of them as
    docs/deploy.md sets it up. Its address is nginx's, else the first process's."""

    def __init__(
        self,
        folder: Path,
        processes: int = 2,
        proxy: bool = False,
        async_mode: str = "gevent",
        extra: tuple[str, ...] = (),
        connections: int = 1024,
        database: str | None = None,
    ) -> None:
        self.queue = RedisServer(folder)
        self.data = folder / "data"
        self.data.mkdir(exist_ok=True)
        self.database = database or f"sqlite:///{self.data / 'workshop.db'}"
        hops = ("--set", "PROXY_HOPS=1") if proxy else ()
        joined = ("--message-queue", self.queue.url, *hops, *extra)
        self.servers = [
            LiveServer(self.data, async_mode, joined, database=database) for _ in range(processes)
        ]
        self.proxy = Nginx(folder / "nginx", self.servers, connections) if proxy else None
        self.url = self.proxy.url if self.proxy else self.servers[0].url

    def start(self) -> Cluster:
        try:
            self.queue.start()
            for server in self.servers:
                server.start()
            if self.proxy:
                self.proxy.start()
        except BaseException:
            self.stop()  # nothing left running behind a failed start
            raise
        return self

    def stop(self) -> None:
        if self.proxy:
            self.proxy.stop()
        for server in self.servers:
            server.stop()
        self.queue.stop()


@contextmanager
def small_disk(folder: Path, size: str = "8m", owner: str | None = None) -> Iterator[Path]:
    """A tmpfs of `size` mounted at `folder` (its root owned by the user `owner`, if given):
    a disk the test can really fill."""
    folder.mkdir(parents=True, exist_ok=True)
    options = f"size={size}"
    if owner is not None:
        user = pwd.getpwnam(owner)
        options += f",uid={user.pw_uid},gid={user.pw_gid},mode=0700"
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(folder)],
        capture_output=True,
        text=True,
    )
    if mounted.returncode != 0:
        missing(
            "a full disk is simulated with a small tmpfs, and mounting one is not allowed"
            f" here (run as root): {mounted.stderr.strip()}"
        )
    try:
        yield folder
    finally:
        subprocess.run(["umount", "--lazy", str(folder)], check=False)


def fill(folder: Path) -> Path:
    """Write a file until the disk holding `folder` has not one byte left; returns it."""
    filler = folder / "filler"
    handle = os.open(filler, os.O_WRONLY | os.O_CREAT | os.O_APPEND)
    try:
        chunk = 1 << 20
        while chunk:
            try:
                os.write(handle, b"\0" * chunk)
            except OSError as error:
                assert error.errno == errno.ENOSPC, error
                chunk //= 2
    finally:
        os.close(handle)
    return filler


def write_until_refused(write: Callable[[int], dict], most: int = 3000) -> list[dict]:
    """On a full disk the server still writes into the room it gave its write-ahead log ahead
    of the writes (a few hundred commands), each on disk before it is answered: `write(i)`
    until one is refused `unavailable`; the acks of those it took."""
    taken: list[dict] = []
    for i in range(most):
        answer = write(i)
        if not answer["ok"]:
            assert answer["error"]["code"] == "unavailable", answer
            return taken
        taken.append(answer)
    raise AssertionError(f"{most} writes were taken on a full disk")


def postgres_bindir() -> Path:
    """Where Debian's PostgreSQL keeps initdb and postgres (not on PATH)."""
    found = shutil.which("pg_config")
    if found:
        bindir = subprocess.run([found, "--bindir"], capture_output=True, text=True).stdout
        if (Path(bindir.strip()) / "initdb").is_file():
            return Path(bindir.strip())
    for bindir in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (bindir / "initdb").is_file():
            return bindir
    missing(
        "PostgreSQL is not installed: these tests run on a throwaway PostgreSQL cluster"
        " (`make test` installs it when CI is set)"
    )
    raise AssertionError("unreachable")


class PostgresServer:
    """A throwaway PostgreSQL cluster on a loopback port, with a password (so that tests see
    it hidden), one fresh database per test made from a migrated template.

    PostgreSQL refuses to run as root: as root, the cluster runs as the `postgres` user, in a
    folder of its own under the system's temporary folder (pytest's are root's alone)."""

    PASSWORD = "pw-that-must-not-show"
    TEMPLATE = "workshop_template"

    def __init__(self, durable: bool = False) -> None:
        self.durable = durable  # make bench measures commits that reach the disk
        self.bindir = postgres_bindir()
        self.folder = Path(tempfile.mkdtemp(prefix="workshop-pg-"))
        self.port = free_port()
        self.process: subprocess.Popen | None = None
        self._made = itertools.count(1)
        self._free: list[str] = []  # databases made, emptied after their test
        self._emptied: set[str] = set()
        self._as: dict[str, str] = {}
        if os.geteuid() == 0:
            self._as = {"user": "postgres", "group": "postgres"}
            shutil.chown(self.folder, **self._as)

    def url(self, dbname: str, password: str | None = None) -> str:
        return f"postgresql://postgres:{password or self.PASSWORD}@127.0.0.1:{self.port}/{dbname}"

    def start(self) -> PostgresServer:
        from workshop.store import open_store

        data, pwfile = self.folder / "data", self.folder / "pwfile"
        pwfile.write_text(self.PASSWORD + "\n")
        if self._as:
            shutil.chown(pwfile, **self._as)
        subprocess.run(
            [str(self.bindir / "initdb"), "-D", str(data), "-U", "postgres"]
            + ["--auth=scram-sha-256", f"--pwfile={pwfile}", "-E", "UTF8", "--no-sync"],
            check=True,
            capture_output=True,
            **self._as,  # type: ignore[arg-type]
        )
        command = [str(self.bindir / "postgres"), "-D", str(data)]
        command += ["-k", str(self.folder), "-p", str(self.port), "-h", "127.0.0.1"]
        command += ["-c", "max_connections=300"]
        if not self.durable:  # throwaway data (the tests kill Workshop's servers, not this one)
            command += ["-c", "fsync=off", "-c", "full_page_writes=off"]
        log = open(self.folder / "postgres.log", "ab")  # noqa: SIM115  # the server's, while it runs
        self.process = subprocess.Popen(command, stdout=log, stderr=log, **self._as)  # type: ignore[call-overload]
        log.close()
        poll(self._answers, timeout=30)
        self.admin(f"create database {self.TEMPLATE}")
        open_store(self.url(self.TEMPLATE)).close()  # migrated once; each test copies it
        return self

    def _answers(self) -> bool:
        assert self.process is not None and self.process.poll() is None, self.log()
        try:
            self.admin("select 1")
        except psycopg.OperationalError:
            return False
        return True

    def log(self) -> str:
        return (self.folder / "postgres.log").read_text(errors="replace")[-2000:]

    def admin(self, sql: str) -> list[tuple]:
        """Run `sql` as the cluster's administrator; the rows it returns, if any."""
        with psycopg.connect(self.url("postgres"), autocommit=True, connect_timeout=5) as conn:
            cursor = conn.execute(sql)  # type: ignore[arg-type]
            return cursor.fetchall() if cursor.description else []

    @contextmanager
    def database(self, empty: bool = False) -> Iterator[str]:
        """The URL of a migrated database holding nothing (`empty`: not even the schema), for
        as long as the context lasts.

        Made from the template once, then emptied (TRUNCATE) and handed to the next test:
        much faster than making and dropping a database for each."""
        if empty:
            name = f"empty_{os.getpid()}_{next(self._made)}"
            self.admin(f"create database {name}")
            try:
                yield self.url(name)
            finally:
                self.admin(f"drop database {name} with (force)")
            return
        name = self._free.pop() if self._free else f"test_{os.getpid()}_{next(self._made)}"
        if name not in self._emptied:
            self.admin(f"create database {name} template {self.TEMPLATE}")
            self._emptied.add(name)
        try:
            yield self.url(name)
        finally:
            if self._empty(name):
                self._free.append(name)
            else:  # a connection still holds it: start afresh next time
                self._emptied.discard(name)
                self.admin(f"drop database {name} with (force)")

    @contextmanager
    def database_on_small_disk(self, size: str = "32m") -> Iterator[tuple[str, Path]]:
        """The URL of a migrated database whose files live on a tmpfs of `size` (a tablespace
        of their own), and that tmpfs, for the test to fill; the cluster's own files and its
        write-ahead log stay on the real disk."""
        name = f"small_{os.getpid()}_{next(self._made)}"
        owner = self._as.get("user", pwd.getpwuid(os.geteuid()).pw_name)
        with small_disk(self.folder / name, size, owner) as folder:
            self.admin(f"create tablespace {name} location '{folder}'")
            try:
                self.admin(f"create database {name} template {self.TEMPLATE} tablespace {name}")
                try:
                    yield self.url(name), folder
                finally:
                    self.admin(f"drop database {name} with (force)")
            finally:
                self.admin(f"drop tablespace {name}")

    def _empty(self, name: str) -> bool:
        """Empty the database for the next test; False if it cannot be (a connection holds a
        lock, or the test changed its schema)."""
        from workshop.store.postgres import MIGRATIONS

        try:
            with psycopg.connect(self.url(name), autocommit=True, connect_timeout=5) as conn:
                conn.execute("set lock_timeout = '2s'")
                applied = conn.execute("select name from migrations order by name").fetchall()
                if [row[0] for row in applied] != [name for name, _sql in MIGRATIONS]:
                    return False
                tables = conn.execute(
                    "select tablename from pg_tables where schemaname = current_schema()"
                    " and tablename != 'migrations'"
                ).fetchall()
                names = ", ".join(row[0] for row in tables)
                conn.execute(f"truncate {names} restart identity")  # type: ignore[arg-type]
        except psycopg.Error:
            return False
        return True

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)  # a fast shutdown; the folder goes with it
            self.process.wait(30)
        shutil.rmtree(self.folder, ignore_errors=True)


@contextmanager
def slow_disk(pid: int, log: Path) -> Iterator[None]:
    """Every fsync of process `pid` (all its threads) held up for a minute once it has
    written its data, by strace, which notes each in `log` as it begins waiting; leaving
    the block detaches strace, and the held syncs return at once."""
    strace = require("strace", "a disk stuck in fsync is simulated by strace delaying it")
    tracer = subprocess.Popen(
        [strace, "-f", "-qq", "-o", str(log), "-e", "trace=fsync,fdatasync"]
        + ["-e", "inject=fsync,fdatasync:delay_exit=60000000", "-p", str(pid)],
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        poll(lambda: traced(pid) or tracer.poll() is not None)
        if tracer.poll() is not None:  # e.g. ptrace not permitted here
            missing(f"strace cannot trace the server: {tracer.stderr.read().strip()}")
        yield
    finally:
        tracer.terminate()
        try:
            tracer.communicate(timeout=10)
        except subprocess.TimeoutExpired:  # a busy machine: strace still leaving a held sync
            tracer.kill()  # its tracees are let go as it dies
            tracer.communicate()


def traced(pid: int) -> bool:
    """Whether every thread of `pid` is under a tracer."""
    tasks = Path(f"/proc/{pid}/task").iterdir()
    return all(
        int(line.split()[1]) != 0
        for task in tasks
        for line in (task / "status").read_text().splitlines()
        if line.startswith("TracerPid:")
    )
