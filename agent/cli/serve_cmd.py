"""`retest serve`: the review pages in a browser, on this machine only unless --host says otherwise."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from agent.cli.app import app, err
from agent.errors import InputError
from agent.store import default_db_path


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on. Any address but loopback needs the access token printed at start.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on (0: any free port).")] = 8765,
    eval_report: Annotated[Path | None, typer.Option("--eval", help="A `retest eval --json` report to show on the Eval page.", show_default=False)] = None,
    eval_baseline: Annotated[
        Path | None, typer.Option("--eval-baseline", help="The baseline the Eval page's charts compare against.", show_default=False)
    ] = None,
) -> None:
    """Review runs in the browser: the runs, each run's report, its proposals to decide, apply, an eval report.

    Decisions are saved as they are made, in the same store and through the same
    review service as `retest review`. Stop the server with Ctrl-C.

    Example:

        retest serve
    """
    if not 0 <= port <= 65535:
        raise InputError(f"--port {port} is not a port", hint="Use 1-65535, or 0 for any free port.")
    for flag, path in (("--eval", eval_report), ("--eval-baseline", eval_baseline)):
        if path is not None and not path.is_file():
            raise InputError(f"{flag} {path}: no such file", hint="Write one with `retest eval SUITE --json FILE`.")
    import socket

    import uvicorn

    from agent.web.app import ServerConfig, create_app
    from agent.web.security import Guard

    guard = Guard.for_host(host)
    config = ServerConfig(default_db_path(), guard, eval_report.absolute() if eval_report else None, eval_baseline.absolute() if eval_baseline else None)
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise InputError(f"cannot listen on {host}:{port}: {exc.strerror or exc}", hint="Choose another --port (0 picks a free one).") from None
    # Listening before the URL is printed: a client that reads it and connects at once waits in the backlog
    # while uvicorn starts, instead of being refused (the browser test met that on loaded cores).
    sock.listen(2048)
    bound = sock.getsockname()[1]
    shown = f"[{host}]" if ":" in host else host
    url = f"http://{shown}:{bound}/" + (f"?token={guard.token}" if guard.token else "")
    # The URL is the one line a script (or the browser test) reads: stdout, flushed before serving.
    typer.echo(f"Retest review pages at {url}", nl=True)
    if guard.token:
        err.print(f"Listening on {host}, not loopback: every request needs the token in that address.", markup=False, highlight=False)
    err.print("Stop with Ctrl-C.", markup=False, highlight=False)
    server = uvicorn.Server(uvicorn.Config(create_app(config), log_level="warning", access_log=False))
    server.run(sockets=[sock])
