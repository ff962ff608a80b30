"""Debian's nginx run by a test with the shipped ``deploy/nginx/meldwijzer.conf``.

The shipped file is rendered, not rewritten: only its addresses (the replicas' ports, the
listen ports, loopback instead of every interface), the certificate's paths and the log
paths change, each replaced where the file names it; everything else (limits, timeouts,
headers, log format) is what an admin installs. nginx runs in the foreground from its own
folder (``-p``), never as the system service.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.adapters.email.pki import TestCa
from tests.crash.serve_process import REPO
from tests.environment import unavailable

SHIPPED = REPO / "deploy" / "nginx" / "meldwijzer.conf"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
START_SECONDS = 30.0


@dataclass(frozen=True, slots=True)
class Nginx:
    folder: Path
    https_port: int
    http_port: int
    ca_file: Path

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.https_port}"

    def logs(self) -> str:
        """Everything nginx wrote to any log file."""
        return "".join(path.read_text() for path in sorted((self.folder / "logs").glob("*")))

    def access_lines(self) -> list[str]:
        return (self.folder / "logs" / "meldwijzer.access.log").read_text().splitlines()


def nginx_or_unavailable() -> str:
    if not os.path.exists(NGINX):
        unavailable("nginx is not installed (apt-get install nginx; .ci/run does)")
    return NGINX


def render(
    conf: str, upstreams: Sequence[int], https_port: int, http_port: int, folder: Path
) -> str:
    """The shipped configuration with this test's ports, certificate and log folder."""
    shipped_upstreams = re.findall(r"server 127\.0\.0\.1:(\d+) ", conf)
    assert len(shipped_upstreams) == len(upstreams) == 2, shipped_upstreams
    for shipped, port in zip(shipped_upstreams, upstreams, strict=True):
        conf = conf.replace(f"server 127.0.0.1:{shipped} ", f"server 127.0.0.1:{port} ")
    replacements = {
        "    listen [::]:80;\n": "",
        "    listen [::]:443 ssl http2;\n": "",
        "listen 80;": f"listen 127.0.0.1:{http_port};",
        "listen 443 ssl http2;": f"listen 127.0.0.1:{https_port} ssl http2;",
        "/etc/ssl/meldwijzer/fullchain.pem": str(folder / "tls" / "server.pem"),
        "/etc/ssl/meldwijzer/privkey.pem": str(folder / "tls" / "server.key"),
        "/var/log/nginx/": str(folder / "logs") + "/",
    }
    for shipped_text, ours in replacements.items():
        assert shipped_text in conf, f"the shipped configuration no longer has {shipped_text!r}"
        conf = conf.replace(shipped_text, ours)
    return conf


def main_conf(folder: Path, included: Path) -> str:
    """What /etc/nginx/nginx.conf gives the included file, kept to this test's folder."""
    temp = folder / "temp"
    user = "user root;\n" if os.geteuid() == 0 else ""  # workers may read the test's folder
    return (
        f"{user}worker_processes 1;\npid {folder / 'nginx.pid'};\n"
        f"error_log {folder / 'logs' / 'main.error.log'} warn;\n"
        "events { worker_connections 256; }\n"
        "http {\n"
        f"  access_log {folder / 'logs' / 'default.access.log'};\n"
        f"  client_body_temp_path {temp / 'body'};\n  proxy_temp_path {temp / 'proxy'};\n"
        f"  fastcgi_temp_path {temp / 'fastcgi'};\n  uwsgi_temp_path {temp / 'uwsgi'};\n"
        f"  scgi_temp_path {temp / 'scgi'};\n"
        f"  include {included};\n"
        "}\n"
    )


def certificate(folder: Path) -> Path:
    """A server certificate for 127.0.0.1 from a CA made now; the CA's file for the client."""
    ca = TestCa(folder / "ca")
    ca.issue("127.0.0.1")
    tls = folder / "tls"
    tls.mkdir()
    shutil.copy(next((folder / "ca").glob("server-*.pem")), tls / "server.pem")
    shutil.copy(next((folder / "ca").glob("server-*.key")), tls / "server.key")
    return ca.ca_file


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def running_nginx(folder: Path, upstreams: Sequence[int]) -> Iterator[Nginx]:
    """nginx in front of ``upstreams`` (two loopback ports) until the block ends."""
    binary = nginx_or_unavailable()
    folder.mkdir(parents=True, exist_ok=True)
    for sub in ("logs", "temp"):
        (folder / sub).mkdir()
    ca_file = certificate(folder)
    https_port, http_port = free_port(), free_port()
    rendered = folder / "meldwijzer.conf"
    rendered.write_text(render(SHIPPED.read_text(), upstreams, https_port, http_port, folder))
    conf = folder / "nginx.conf"
    conf.write_text(main_conf(folder, rendered))
    command = [binary, "-p", str(folder), "-c", str(conf), "-g", "daemon off;"]
    checked = subprocess.run([*command, "-t"], capture_output=True, text=True, check=False)
    assert checked.returncode == 0, checked.stderr
    child = subprocess.Popen(command, stderr=subprocess.PIPE, text=True)
    try:
        wait_for_port(https_port, child)
        yield Nginx(folder, https_port, http_port, ca_file)
    finally:
        child.terminate()
        child.wait(timeout=30)
        if child.stderr is not None:
            child.stderr.close()


def wait_for_port(port: int, child: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        assert child.poll() is None, f"nginx ended: {child.stderr.read() if child.stderr else ''}"
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise AssertionError("nginx did not open its port")
