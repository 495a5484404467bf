"""A tiny Chrome DevTools Protocol client over a stdlib WebSocket (test helper only).

Enough to load one page, collect network requests, console messages and log
entries, and take a full-page screenshot. No third-party dependency.
"""

from __future__ import annotations

import base64
import json
import os
import re
import socket
import struct
import subprocess
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


class WebSocket:
    """Minimal RFC 6455 client: text frames, client masking, no extensions."""

    def __init__(self, url: str, timeout: float = 30.0) -> None:
        match = re.match(r"ws://([^/:]+):(\d+)(/.*)", url)
        if not match:
            raise ValueError(url)
        host, port, path = match.group(1), int(match.group(2)), match.group(3)
        self.sock = socket.create_connection((host, port), timeout=timeout)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall(
            (
                f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\n"
                f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                "Sec-WebSocket-Version: 13\r\n\r\n"
            ).encode()
        )
        response = b""
        while b"\r\n\r\n" not in response:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise ConnectionError("websocket handshake failed")
            response += chunk
        head, _, self.buffer = response.partition(b"\r\n\r\n")
        if b" 101 " not in head.split(b"\r\n")[0]:
            raise ConnectionError(head.decode(errors="replace"))

    def send(self, text: str) -> None:
        payload = text.encode()
        header = bytearray([0x81])
        length = len(payload)
        if length < 126:
            header.append(0x80 | length)
        elif length < 65536:
            header += bytes([0x80 | 126]) + struct.pack(">H", length)
        else:
            header += bytes([0x80 | 127]) + struct.pack(">Q", length)
        mask = os.urandom(4)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.sock.sendall(bytes(header) + mask + masked)

    def _read(self, n: int) -> bytes:
        while len(self.buffer) < n:
            chunk = self.sock.recv(1 << 20)
            if not chunk:
                raise ConnectionError("websocket closed")
            self.buffer += chunk
        data, self.buffer = self.buffer[:n], self.buffer[n:]
        return data

    def recv(self) -> str:
        message = b""
        while True:
            b0, b1 = self._read(2)
            length = b1 & 0x7F
            if length == 126:
                (length,) = struct.unpack(">H", self._read(2))
            elif length == 127:
                (length,) = struct.unpack(">Q", self._read(8))
            payload = self._read(length)
            opcode = b0 & 0x0F
            if opcode == 0x8:
                raise ConnectionError("websocket closed by peer")
            if opcode in (0x9, 0xA):  # ping/pong: ignore
                continue
            message += payload
            if b0 & 0x80:
                return message.decode()

    def close(self) -> None:
        self.sock.close()


@dataclass
class PageRun:
    """What happened while loading one page."""

    requests: list[str] = field(default_factory=list)
    console: list[dict[str, Any]] = field(default_factory=list)
    log: list[dict[str, Any]] = field(default_factory=list)
    exceptions: list[dict[str, Any]] = field(default_factory=list)
    screenshot: Path | None = None
    size: tuple[int, int] = (0, 0)


class Chromium:
    """A headless Chromium process with remote debugging on a free port."""

    def __init__(self, binary: str, profile: Path) -> None:
        self.proc = subprocess.Popen(
            [
                binary,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-default-apps",
                "--no-first-run",
                "--hide-scrollbars",
                "--window-size=1280,900",
                f"--user-data-dir={profile}",
                "--remote-debugging-port=0",
                "--remote-allow-origins=*",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stderr is not None
        deadline = time.monotonic() + 30
        self.browser_ws = ""
        while time.monotonic() < deadline:
            line = self.proc.stderr.readline()
            if not line and self.proc.poll() is not None:
                break
            match = re.search(r"DevTools listening on (ws://\S+)", line)
            if match:
                self.browser_ws = match.group(1)
                break
        if not self.browser_ws:
            self.close()
            raise RuntimeError("chromium did not start a DevTools endpoint")
        self.port = int(re.match(r"ws://[^:]+:(\d+)/", self.browser_ws).group(1))  # type: ignore[union-attr]

    def page_ws(self) -> str:
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/json/list", timeout=10) as r:
            targets = json.loads(r.read())
        return next(t["webSocketDebuggerUrl"] for t in targets if t["type"] == "page")

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def __enter__(self) -> Chromium:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class Page:
    """The first tab of a :class:`Chromium`, driven over one DevTools connection."""

    def __init__(self, chrome: Chromium) -> None:
        self.ws = WebSocket(chrome.page_ws())
        self.counter = 0
        self.run = PageRun()
        self.loaded = False
        for domain in ("Page", "Network", "Runtime", "Log"):
            self.call(f"{domain}.enable")

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        """Send one command and return its result (events seen meanwhile are recorded)."""
        self.counter += 1
        ident = self.counter
        self.ws.send(json.dumps({"id": ident, "method": method, "params": params}))
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == ident:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                result: dict[str, Any] = msg.get("result", {})
                return result
            self._handle(msg)

    def _handle(self, msg: dict[str, Any]) -> None:
        method = msg.get("method")
        params = msg.get("params", {})
        if method == "Network.requestWillBeSent":
            self.run.requests.append(params["request"]["url"])
        elif method == "Runtime.consoleAPICalled":
            self.run.console.append(params)
        elif method == "Runtime.exceptionThrown":
            self.run.exceptions.append(params)
        elif method == "Log.entryAdded":
            self.run.log.append(params["entry"])
        elif method == "Page.loadEventFired":
            self.loaded = True

    def load(self, url: str, width: int, height: int = 900, media: str = "") -> PageRun:
        """Navigate at a viewport of ``width`` px (``media``: "" or "print")."""
        self.run = PageRun()
        self.loaded = False
        self.call(
            "Emulation.setDeviceMetricsOverride",
            width=width,
            height=height,
            deviceScaleFactor=1,
            mobile=width < 600,
        )
        self.call("Emulation.setEmulatedMedia", media=media)
        self.call("Page.navigate", url=url)
        deadline = time.monotonic() + 30
        while not self.loaded and time.monotonic() < deadline:
            self._handle(json.loads(self.ws.recv()))
        if not self.loaded:
            raise TimeoutError(f"{url} did not load")
        # Let late console/log events (CSP reports) arrive before judging.
        self.evaluate("document.readyState")
        return self.run

    def evaluate(self, expression: str) -> Any:
        """Evaluate JavaScript in the page; its JSON-able value (an exception raises)."""
        result = self.call(
            "Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True
        )
        if "exceptionDetails" in result:
            raise RuntimeError(f"page script failed: {result['exceptionDetails']}")
        return result.get("result", {}).get("value")

    def content_size(self) -> tuple[int, int]:
        metrics = self.call("Page.getLayoutMetrics")
        content = metrics.get("cssContentSize") or metrics["contentSize"]
        return int(content["width"]), int(content["height"])

    def screenshot(self, out: Path, height: int | None = None) -> Path:
        """A PNG of the page from the top: the whole page, or its first ``height`` px."""
        w, h = self.content_size()
        shot = self.call(
            "Page.captureScreenshot",
            format="png",
            captureBeyondViewport=True,
            clip={"x": 0, "y": 0, "width": w, "height": min(h, height or h), "scale": 1},
        )
        out.write_bytes(base64.b64decode(shot["data"]))
        return out

    def close(self) -> None:
        self.ws.close()


def load_and_screenshot(chrome: Chromium, url: str, out: Path, width: int = 1280) -> PageRun:
    """Load ``url`` in the first tab, record activity, save a full-page PNG to ``out``."""
    page = Page(chrome)
    try:
        run = page.load(url, width)
        run.size = page.content_size()
        run.screenshot = page.screenshot(out)
    finally:
        page.close()
    return run
