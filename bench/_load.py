"""Load generators for bench/harness.py, all against one address on 127.0.0.1.

- `timed`: closed loop for a fixed time (wrk when installed, else Python threads).
- `batch`: a fixed list of requests, N connections, all released together.
- `burst`: a fixed list of requests, each sent at its own moment (open loop); latency is counted
  from that moment, so time spent waiting for a free connection counts too.

Every run returns a `Run`: how many requests, how long, p50/p99 latency, the status codes.
"""

import http.client
import math
import queue
import re
import shutil
import statistics
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from urllib.parse import urlencode

REQUEST_TIMEOUT = 60.0


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None

    @classmethod
    def get(cls, path: str, cookies: dict[str, str] | None = None) -> "Request":
        return cls("GET", path, _cookie_header(cookies))

    @classmethod
    def post(cls, path: str, form: dict[str, str], cookies: dict[str, str] | None = None) -> "Request":
        headers = {"Content-Type": "application/x-www-form-urlencoded", **_cookie_header(cookies)}
        return cls("POST", path, headers, urlencode(form).encode())


def _cookie_header(cookies: dict[str, str] | None) -> dict[str, str]:
    return {"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())} if cookies else {}


@dataclass
class Run:
    requests: int
    seconds: float
    p50: float  # seconds
    p99: float
    statuses: Counter[int] = field(default_factory=Counter)
    errors: int = 0  # no answer: refused, reset, timed out
    first_error: str = ""

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def bad(self, ok: Sequence[int]) -> int:
        """Requests answered with another status than `ok`, or not answered at all."""
        return self.errors + sum(n for status, n in self.statuses.items() if status not in ok)

    @property
    def error_note(self) -> str:
        return f": {self.first_error}" if self.first_error else ""

    @property
    def server_errors(self) -> int:
        return sum(n for status, n in self.statuses.items() if status >= 500)


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile of already sorted values."""
    if not values:
        return math.nan
    return values[max(0, min(len(values) - 1, math.ceil(q * len(values)) - 1))]


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else math.nan


class _Connection:
    """One client connection; reconnects when the server closes it (gunicorn's sync workers
    close after every response)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT)

    def send(self, request: Request) -> tuple[int, bytes]:
        headers = {"Host": f"127.0.0.1:{self.port}", **request.headers}
        try:
            self.conn.request(request.method, request.path, body=request.body, headers=headers)
            response = self.conn.getresponse()
            body = response.read()
            if response.will_close:
                self.conn.close()
            return response.status, body
        except Exception:
            self.conn.close()
            raise

    def close(self) -> None:
        self.conn.close()


@dataclass
class _Log:
    latencies: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    errors: int = 0
    first_error: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock)

    def ok(self, latency: float, status: int) -> None:
        with self.lock:
            self.latencies.append(latency)
            self.statuses[status] += 1

    def failed(self, error: Exception) -> None:
        with self.lock:
            self.errors += 1
            self.first_error = self.first_error or f"{type(error).__name__}: {error}"

    def send(self, connection: _Connection, request: Request, *, since: float, port: int) -> _Connection:
        """Send `request` and log the answer with its latency from `since`, or the failure.
        Returns the connection to go on with: a new one after a failure."""
        try:
            status, _ = connection.send(request)
        except Exception as error:  # noqa: BLE001 - counted and reported
            self.failed(error)
            return _Connection(port)
        self.ok(time.perf_counter() - since, status)
        return connection

    def run(self, seconds: float) -> Run:
        self.latencies.sort()
        return Run(
            requests=len(self.latencies),
            seconds=seconds,
            p50=percentile(self.latencies, 0.50),
            p99=percentile(self.latencies, 0.99),
            statuses=self.statuses,
            errors=self.errors,
            first_error=self.first_error,
        )


def send_one(port: int, request: Request) -> tuple[int, bytes]:
    connection = _Connection(port)
    try:
        return connection.send(request)
    finally:
        connection.close()


def _threads(count: int, target: object) -> list[threading.Thread]:
    threads = [threading.Thread(target=target, daemon=True) for _ in range(count)]  # type: ignore[arg-type]
    for thread in threads:
        thread.start()
    return threads


def _join(threads: list[threading.Thread], deadline: float) -> None:
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    if any(thread.is_alive() for thread in threads):
        raise TimeoutError("the load client did not finish in time")


def timed_python(port: int, request: Request, *, seconds: float, connections: int) -> Run:
    """Closed loop: `connections` clients each send the request again as soon as it answers."""
    log = _Log()
    start = threading.Barrier(connections + 1)
    stop_at = [0.0]

    def client() -> None:
        connection = _Connection(port)
        start.wait()
        while (sent := time.perf_counter()) < stop_at[0]:
            connection = log.send(connection, request, since=sent, port=port)
        connection.close()

    threads = _threads(connections, client)
    began = time.perf_counter()
    stop_at[0] = began + seconds
    start.wait()
    _join(threads, time.monotonic() + seconds + REQUEST_TIMEOUT + 5)
    return log.run(time.perf_counter() - began)


_WRK_UNITS = {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}


def _wrk_time(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m|h)", text).groups()  # type: ignore[union-attr]
    return float(number) * _WRK_UNITS[unit]


def timed_wrk(port: int, request: Request, *, seconds: float, connections: int) -> Run:
    """The same closed loop, driven by wrk (less client CPU than Python threads). wrk counts
    non-2xx/3xx answers but does not say which: they are reported as status 599."""
    assert request.method == "GET", "wrk runs are GET only here"
    command = [
        "wrk",
        f"--threads={min(2, connections)}",
        f"--connections={connections}",
        f"--duration={max(1, round(seconds))}s",
        f"--timeout={int(REQUEST_TIMEOUT)}s",
        "--latency",
    ]
    for name, value in request.headers.items():
        command += ["--header", f"{name}: {value}"]
    command.append(f"http://127.0.0.1:{port}{request.path}")
    out = subprocess.run(
        command, capture_output=True, text=True, timeout=seconds + REQUEST_TIMEOUT + 10, check=True
    ).stdout
    total = re.search(r"(\d+) requests in ([\d.]+\w+)", out)
    p50 = re.search(r"^\s+50%\s+(\S+)", out, re.MULTILINE)
    p99 = re.search(r"^\s+99%\s+(\S+)", out, re.MULTILINE)
    if not (total and p50 and p99):
        raise RuntimeError(f"could not read wrk's output:\n{out}")
    requests = int(total.group(1))
    non_ok = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    bad = int(non_ok.group(1)) if non_ok else 0
    socket = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    errors = sum(int(n) for n in socket.groups()) if socket else 0
    return Run(
        requests=requests,
        seconds=_wrk_time(total.group(2)),
        p50=_wrk_time(p50.group(1)),
        p99=_wrk_time(p99.group(1)),
        statuses=Counter({200: requests - bad, 599: bad}),
        errors=errors,
        first_error=f"wrk: {socket.group(0)}" if errors and socket else "",
    )


def wrk_available() -> bool:
    return shutil.which("wrk") is not None


def timed(port: int, request: Request, *, seconds: float, connections: int, client: str) -> Run:
    if client == "wrk":
        return timed_wrk(port, request, seconds=seconds, connections=connections)
    return timed_python(port, request, seconds=seconds, connections=connections)


def batch(port: int, requests: Sequence[Request], *, connections: int, timeout: float) -> Run:
    """Send every request once from `connections` clients released together; the run lasts
    from the release to the last answer."""
    work: queue.SimpleQueue[Request] = queue.SimpleQueue()
    for request in requests:
        work.put(request)
    log = _Log()
    start = threading.Barrier(connections + 1)

    def client() -> None:
        connection = _Connection(port)
        start.wait()
        while True:
            try:
                request = work.get_nowait()
            except queue.Empty:
                break
            connection = log.send(connection, request, since=time.perf_counter(), port=port)
        connection.close()

    threads = _threads(connections, client)
    time.sleep(0.2)  # every client thread is up and waiting
    began = time.perf_counter()
    start.wait()
    _join(threads, time.monotonic() + timeout)
    return log.run(time.perf_counter() - began)


def burst(
    port: int, requests: Sequence[Request], offsets: Sequence[float], *, connections: int, timeout: float
) -> Run:
    """Send request i at `offsets[i]` seconds after the start (open loop), from at most
    `connections` at once. Latency runs from the scheduled moment to the answer."""
    order = sorted(range(len(requests)), key=lambda i: offsets[i])
    work: queue.SimpleQueue[int] = queue.SimpleQueue()
    for index in order:
        work.put(index)
    log = _Log()
    start = threading.Barrier(connections + 1)
    began = [0.0]

    def client() -> None:
        connection = _Connection(port)
        start.wait()
        while True:
            try:
                index = work.get_nowait()
            except queue.Empty:
                break
            due = began[0] + offsets[index]
            if (wait := due - time.perf_counter()) > 0:
                time.sleep(wait)
            connection = log.send(connection, requests[index], since=due, port=port)
        connection.close()

    threads = _threads(connections, client)
    time.sleep(0.2)
    began[0] = time.perf_counter()
    start.wait()
    _join(threads, time.monotonic() + timeout)
    return log.run(time.perf_counter() - began[0])
