"""A throw-away PostgreSQL cluster for tests: initdb into a temporary folder, start on a free port.

PostgreSQL refuses to run as root, and CI runs as root: the cluster then belongs to an
unprivileged system user (``postgres`` when it exists, else ``faqbot-pg``, created with
``useradd``) and every server command runs through ``runuser``. Clients connect over the
unix socket in the cluster's folder (trust authentication: nothing listens beyond
127.0.0.1, and the folder is the test run's own).

    python -m tests.pgcluster start DIR   # prints the DSN; .ci/run and manual runs
    python -m tests.pgcluster stop DIR
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

SUPERUSER = "faqbot"  # the cluster's own superuser (not a system account)
FALLBACK_SYSTEM_USER = "faqbot-pg"


def bin_dir() -> Path | None:
    """The folder holding initdb/pg_ctl/postgres: $PG_BIN, PATH, then Debian's layout (newest)."""
    if env := os.environ.get("PG_BIN"):
        return Path(env)
    found = shutil.which("pg_ctl")
    if found and shutil.which("initdb"):
        return Path(os.path.realpath(found)).parent
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda p: int(Path(p).parts[-3]))
    return Path(candidates[-1]).parent if candidates else None


def missing_reason() -> str | None:
    """Why no cluster can be started here (None: it can)."""
    found = bin_dir()
    if found is None or not (found / "initdb").exists() or not (found / "pg_ctl").exists():
        return "PostgreSQL 서버 프로그램(initdb, pg_ctl)이 없습니다: apt-get install -y postgresql"
    return None


def _system_user() -> str | None:
    """The unprivileged user to run the server as; None when we are not root (run as ourselves)."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", FALLBACK_SYSTEM_USER):
        try:
            pwd.getpwnam(name)
            return name
        except KeyError:
            continue
    subprocess.run(
        ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", FALLBACK_SYSTEM_USER],
        check=True,
    )
    return FALLBACK_SYSTEM_USER


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass(frozen=True)
class Cluster:
    root: Path
    port: int
    user: str | None  # system user running the server (None: ourselves)

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def socket_dir(self) -> Path:
        return self.root

    def dsn(self, database: str = "postgres") -> str:
        return f"postgresql://{SUPERUSER}@/{database}?host={self.socket_dir}&port={self.port}"

    def _run(self, *argv: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        command = [str(bin_dir() / argv[0]), *argv[1:]]
        if self.user is not None:
            command = ["runuser", "-u", self.user, "--", *command]
        return subprocess.run(command, check=check, capture_output=True, text=True)

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop", check=False)

    def start(self) -> None:
        log = self.root / "server.log"
        done = self._run("pg_ctl", "-D", str(self.data), "-l", str(log), "-w", "-t", "60", "start", check=False)
        if done.returncode != 0:
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise RuntimeError(f"pg_ctl start failed: {done.stderr.strip()}\n{tail}")

    def restart(self) -> None:
        self.stop()
        self.start()


def start(root: Path | None = None) -> Cluster:
    """initdb + start; the caller stops it (and removes ``root``) when done."""
    if reason := missing_reason():
        raise RuntimeError(reason)
    root = Path(root or tempfile.mkdtemp(prefix="faqbot-pg-"))
    root.mkdir(parents=True, exist_ok=True)
    user = _system_user()
    if user is not None:
        shutil.chown(root, user=user)
        root.chmod(0o755)  # root (the test process) reaches the socket inside
    cluster = Cluster(root=root, port=_free_port(), user=user)
    if not cluster.data.exists():
        cluster._run(
            "initdb", "-D", str(cluster.data), "-U", SUPERUSER, "--auth=trust", "--encoding=UTF8", "--locale=C.UTF-8"
        )
        settings = {
            "listen_addresses": "'127.0.0.1'",
            "port": str(cluster.port),
            "unix_socket_directories": f"'{root}'",
            "max_connections": "200",
            # A throw-away cluster: durability buys nothing, speed does.
            "fsync": "off",
            "synchronous_commit": "off",
            "full_page_writes": "off",
        }
        with (cluster.data / "postgresql.conf").open("a") as conf:
            conf.writelines(f"{key} = {value}\n" for key, value in settings.items())
    else:  # restarted after `stop`: keep its port
        for line in (cluster.data / "postgresql.conf").read_text().splitlines():
            if line.startswith("port = "):
                cluster = Cluster(root=root, port=int(line.split("=")[1]), user=user)
    cluster.start()
    return cluster


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] not in {"start", "stop"}:
        print("usage: python -m tests.pgcluster start|stop DIR", file=sys.stderr)
        return 2
    root = Path(argv[1])
    if argv[0] == "start":
        print(start(root).dsn())
    else:
        Cluster(root=root, port=0, user=_system_user()).stop()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
