"""Time from `carnet serve` launch to the first HTTP 200; server memory after 100 requests.

Targets (issue 2): under 2 s and under 150 MB. Last line: {"startup_s": ..., "rss_mb": ...}.
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def get(port: int, path: str) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def main() -> None:
    data_dir = tempfile.mkdtemp(prefix="carnet-bench-startup-")
    env = {**os.environ, "CARNET_DATA_DIR": data_dir}
    env.pop("DATABASE_URL", None)
    command = [sys.executable, "-m", "carnet.cli"]
    subprocess.run([*command, "migrate", "-v0"], check=True, env=env, cwd=REPO)
    subprocess.run(
        [*command, "demo", "--seed-only"], check=True, env=env, cwd=REPO, stdout=subprocess.DEVNULL
    )
    port = free_port()
    runs = []
    for attempt in range(3):
        started = time.perf_counter()
        server = subprocess.Popen(
            [*command, "serve", "--port", str(port)],
            env=env,
            cwd=REPO,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            while True:
                try:
                    if get(port, "/accounts/login/") == 200:
                        break
                except OSError:
                    time.sleep(0.01)
                if time.perf_counter() - started > 30:
                    raise RuntimeError("carnet serve did not answer within 30 s")
            startup = time.perf_counter() - started
            paths = ["/accounts/login/", "/", "/healthz", "/app/demo/"]
            for number in range(100):
                get(port, paths[number % len(paths)])
            memory = rss_mb(server.pid)
            runs.append((startup, memory))
            print(f"run {attempt + 1}: first 200 after {startup:.2f} s, RSS {memory:.0f} MB")
        finally:
            server.terminate()
            server.wait(timeout=20)
    startup_s = sorted(run[0] for run in runs)[len(runs) // 2]
    memory_mb = max(run[1] for run in runs)
    print(json.dumps({"startup_s": round(startup_s, 3), "rss_mb": round(memory_mb, 1)}))


if __name__ == "__main__":
    main()
